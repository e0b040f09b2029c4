"""End to end over real HTTP: sandbox (rate limited) -> client -> cache -> analytics -> CLI."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cli.analytics import add_analytics_parser, run_analytics
from devstack.yclients_sandbox import DEMO_PARTNER_TOKEN, DEMO_USER_TOKENS, demo_sandbox_config
from services.analytics import compute_analytics
from services.yclients import RateLimiter, Window
from services.yclients.cache import RecordCache
from tests.yclients.conftest import (
    ANCHOR,
    BARHAT,
    LOTOS,
    Served,
    sandbox_client,
    serve_sandbox,
    truth,
)

MAY = (date(2025, 5, 1), date(2025, 5, 31))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def limited_sandbox() -> AsyncIterator[Served]:
    """The documented limits on, as the demo runs it."""
    async with serve_sandbox(demo_sandbox_config(anchor=ANCHOR)) as served:
        yield served


async def test_sync_and_analytics_under_the_real_limits(
    limited_sandbox: Served, tmp_path: Path
) -> None:
    # our own limiter at the documented bounds: the sandbox must never have to refuse us
    async with (
        sandbox_client(limited_sandbox.base_url, BARHAT, limiter=RateLimiter()) as client,
        RecordCache(tmp_path / "c.sqlite3", BARHAT) as cache,
    ):
        report = await cache.sync(client, *MAY, page_size=100)
        records = await cache.load(*MAY)
    assert report.requests >= 7
    assert limited_sandbox.sandbox.throttled == 0
    tz = ZoneInfo("Asia/Yekaterinburg")
    got = compute_analytics(records, period_from=MAY[0], period_to=MAY[1], tz=tz)
    expected = compute_analytics(
        truth(limited_sandbox, BARHAT, *MAY), period_from=MAY[0], period_to=MAY[1], tz=tz
    )
    assert got == expected
    assert got.visits > 400 and got.deleted > 0 and got.no_shows > 0


async def test_sandbox_429s_are_observed_and_retried(limited_sandbox: Served) -> None:
    # a client whose own limiter is far too generous: the sandbox enforces the limit
    async with sandbox_client(
        limited_sandbox.base_url, limiter=RateLimiter((Window(1000, 1.0),), guard_seconds=0.0)
    ) as client:
        companies = await asyncio.gather(*(client.get_company() for _ in range(12)))
    assert {c.id for c in companies} == {LOTOS}
    assert limited_sandbox.sandbox.throttled > 0
    assert client.stats.throttled == limited_sandbox.sandbox.throttled
    statuses = [e.status for e in limited_sandbox.sandbox.log]
    assert statuses.count(200) == 12
    assert statuses.count(429) == limited_sandbox.sandbox.throttled


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="agentp")
    add_analytics_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["analytics", *argv])


@pytest.fixture
def sandbox_env(monkeypatch: pytest.MonkeyPatch, open_sandbox: Served) -> Served:
    monkeypatch.setenv("YCLIENTS_BASE_URL", open_sandbox.base_url)
    monkeypatch.setenv("YCLIENTS_PARTNER_TOKEN", DEMO_PARTNER_TOKEN)
    monkeypatch.setenv("YCLIENTS_USER_TOKEN", DEMO_USER_TOKENS[LOTOS])
    monkeypatch.setenv("YCLIENTS_COMPANY_ID", str(LOTOS))
    return open_sandbox


async def test_cli_json_matches_the_contract(
    sandbox_env: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = cli_args(
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-07",
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path),
    )
    # run_analytics owns its event loop, so it runs in a thread while ours serves the sandbox
    assert await asyncio.to_thread(run_analytics, args) == 0
    out, err = capsys.readouterr()
    assert err == ""
    data = json.loads(out)
    assert list(data) == [
        "records",
        "visits",
        "no_shows",
        "pending",
        "confirmed",
        "deleted",
        "revenue",
        "average_check",
        "no_show_rate",
        "unique_clients",
        "returning_clients",
        "by_staff",
        "by_service",
        "by_day",
    ]
    first, last = date(2025, 6, 1), date(2025, 6, 7)
    expected = compute_analytics(
        truth(sandbox_env, LOTOS, first, last),
        period_from=first,
        period_to=last,
        tz=ZoneInfo("Europe/Moscow"),
    ).to_json_dict()
    assert data == expected
    assert isinstance(data["revenue"], str) and data["revenue"].count(".") == 1
    assert len(data["revenue"].split(".")[1]) == 2
    assert isinstance(data["no_show_rate"], float)
    assert [d["date"] for d in data["by_day"]] == [f"2025-06-0{i}" for i in range(1, 8)]
    revenues = [(-float(s["revenue"]), s["staff_id"]) for s in data["by_staff"]]
    assert revenues == sorted(revenues)
    assert set(data["by_staff"][0]) == {"staff_id", "name", "visits", "revenue"}
    assert set(data["by_service"][0]) == {"service_id", "title", "lines", "revenue"}

    # a second run reads the cache and asks YClients for changes only
    sandbox_env.sandbox.reset_log()
    assert await asyncio.to_thread(run_analytics, args) == 0
    assert json.loads(capsys.readouterr().out) == expected
    assert len(sandbox_env.sandbox.log) == 1


async def test_cli_table_and_csv(
    sandbox_env: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--from", "2025-06-01", "--to", "2025-06-02", "--no-cache"]
    assert await asyncio.to_thread(run_analytics, cli_args(*base)) == 0
    table = capsys.readouterr().out
    assert "Revenue" in table and "Анна Смирнова" in table and "2025-06-02" in table
    assert await asyncio.to_thread(run_analytics, cli_args(*base, "--format", "csv")) == 0
    csv_text = capsys.readouterr().out
    assert csv_text.splitlines()[0] == "section,key,label,visits,lines,revenue,value"


async def test_cli_errors_are_one_line_without_tokens(
    sandbox_env: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    period = ["--from", "2025-06-01", "--to", "2025-06-02", "--cache-dir", str(tmp_path)]
    monkeypatch.setenv("YCLIENTS_USER_TOKEN", DEMO_USER_TOKENS[BARHAT])
    assert await asyncio.to_thread(run_analytics, cli_args(*period)) == 1
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "no rights on company 100001" in err
    assert DEMO_USER_TOKENS[BARHAT] not in err and DEMO_PARTNER_TOKEN not in err

    monkeypatch.setenv("YCLIENTS_USER_TOKEN", "stale-user-token-123")
    assert await asyncio.to_thread(run_analytics, cli_args(*period)) == 1
    _, err = capsys.readouterr()
    assert "refused the credentials for company 100001" in err
    assert "stale-user-token-123" not in err

    assert await asyncio.to_thread(run_analytics, cli_args(*period, "--company-id", "42")) == 1
    assert "does not know company 42" in capsys.readouterr().err

    monkeypatch.delenv("YCLIENTS_PARTNER_TOKEN")
    assert run_analytics(cli_args(*period)) == 2
    err = capsys.readouterr().err
    assert err.startswith("agentp analytics: setting yclients_partner_token is missing: ")
    assert "YCLIENTS_PARTNER_TOKEN" in err and err.count("\n") == 1

    monkeypatch.setenv("YCLIENTS_PARTNER_TOKEN", DEMO_PARTNER_TOKEN)
    reversed_period = ["--from", "2025-06-05", "--to", "2025-06-01"]
    assert run_analytics(cli_args(*reversed_period)) == 2
    assert "is before --from" in capsys.readouterr().err


async def test_cli_as_a_subprocess(sandbox_env: Served, tmp_path: Path) -> None:
    script = (
        "import argparse, sys\n"
        "from cli.analytics import add_analytics_parser, run_analytics\n"
        "p = argparse.ArgumentParser(prog='agentp')\n"
        "add_analytics_parser(p.add_subparsers(dest='command'))\n"
        "sys.exit(run_analytics(p.parse_args(sys.argv[1:])))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [
        "analytics",
        "--from",
        "2025-06-10",
        "--to",
        "2025-06-10",
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path),
    ]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["visits"] > 0

    env["YCLIENTS_PARTNER_TOKEN"] = "wrong-partner-SECRET"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 1
    text = err.decode()
    assert text.startswith("agentp analytics: ") and text.count("\n") == 1
    assert "Traceback" not in text and "wrong-partner-SECRET" not in text
    assert out == b""


async def test_cli_reads_the_yclients_keys_of_the_toml_file(
    open_sandbox: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 17 §6: the README lists the YClients keys of the config file, and `agentp
    analytics` used to read the environment only."""
    for name in ("YCLIENTS_BASE_URL", "YCLIENTS_PARTNER_TOKEN", "YCLIENTS_USER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("YCLIENTS_COMPANY_ID", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    config = tmp_path / "config.toml"
    config.write_text(
        f'yclients_base_url = "{open_sandbox.base_url}"\n'
        f'yclients_partner_token = "{DEMO_PARTNER_TOKEN}"\n'
        f'yclients_user_token = "{DEMO_USER_TOKENS[LOTOS]}"\n'
        f"yclients_company_id = {LOTOS}\n"
        f'cache_dir = "{tmp_path / "cache"}"\n'
    )
    monkeypatch.setenv("AGENTP_CONFIG", str(config))
    args = cli_args("--from", "2025-06-01", "--to", "2025-06-02", "--format", "json")
    assert await asyncio.to_thread(run_analytics, args) == 0
    out, err = capsys.readouterr()
    assert err == "" and json.loads(out)["visits"] > 0
    assert list((tmp_path / "cache").glob("yclients-*.sqlite3")), "the config's cache_dir"
