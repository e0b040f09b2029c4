"""`agentp doctor`: each check passes on a good setup and names the fix when it fails."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr

from cli.doctor import _backend_checks, check_config_file, check_terminal
from devstack.demo_tenants import LOTOS
from devstack.keys import Keys
from devstack.stack import DevStack
from services.backend import Backend
from services.doctor import (
    Status,
    check_bot_event_triggers,
    check_realtime,
    check_supabase,
    check_yclients,
)

ROOT = Path(__file__).resolve().parents[1]


async def test_supabase_and_realtime_pass_on_the_devstack(devstack: DevStack) -> None:
    info = devstack.info
    backend = await Backend.open(info.supabase_url, SecretStr(info.service_key))
    try:
        results = await check_supabase(backend)
    finally:
        await backend.close()
    assert [r.status for r in results] == [Status.ok] * 4
    realtime = await check_realtime(info.supabase_url, SecretStr(info.service_key))
    assert [r.check for r in realtime if r.status != Status.ok] == []
    assert len(realtime) == 5


async def test_a_rejected_key_fails_that_check_and_skips_the_rest(devstack: DevStack) -> None:
    wrong = Keys.for_secret("some other project's secret, 32 bytes or more").service
    backend = await Backend.open(devstack.info.supabase_url, SecretStr(wrong))
    try:
        results = await check_supabase(backend)
    finally:
        await backend.close()
    assert [r.status for r in results] == [Status.ok, Status.fail, Status.skip, Status.skip]
    assert "SUPABASE_SERVICE_KEY" in results[1].fix


async def test_an_unpublished_table_is_named_with_the_sql_to_fix_it(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    await db.execute("alter publication supabase_realtime drop table dashboard.users")
    try:
        results = await check_realtime(
            devstack.info.supabase_url, SecretStr(devstack.info.service_key)
        )
    finally:
        await db.execute("alter publication supabase_realtime add table dashboard.users")
    failed = [r for r in results if r.status == Status.fail]
    assert [r.check for r in failed] == ["realtime.dashboard.users"]
    assert failed[0].fix == "alter publication supabase_realtime add table dashboard.users;"


async def test_missing_bot_event_triggers_fail_and_the_named_fix_restores_them(
    devstack: DevStack, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    backend = await Backend.open(devstack.info.supabase_url, SecretStr(devstack.info.service_key))
    try:
        assert (await check_bot_event_triggers(backend)).status == Status.ok
        # What the bot's project recreating its table does to our trigger.
        await db.execute(
            "drop trigger conversation_sessions_v2_dashboard_events "
            "on public.conversation_sessions_v2"
        )
        try:
            result = await check_bot_event_triggers(backend)
            assert result.status == Status.fail
            assert "public.conversation_sessions_v2" in result.detail
            assert "public.wishlist_v2" not in result.detail
            assert "dashboard.watch_bot_tables()" in result.fix
        finally:
            # The fix as the doctor names it, through the service role as a runner would.
            restored = await backend.run(backend.rpc("dashboard", "watch_bot_tables", {}))
        assert restored.data == ["public.wishlist_v2", "public.conversation_sessions_v2"]
        assert (await check_bot_event_triggers(backend)).status == Status.ok
    finally:
        await backend.close()
    row_id = await db.fetchval(
        "insert into public.conversation_sessions_v2 (tenant_id, client_id, status) "
        "values ($1, 'tg:events', 'active') returning id::text",
        tenant_id,
    )
    events = await db.fetch(
        "select status from dashboard.bot_events where tenant_id = $1 and row_id = $2",
        tenant_id,
        row_id,
    )
    assert [e["status"] for e in events] == ["active"]


async def test_yclients_per_tenant(devstack: DevStack, db: asyncpg.Connection) -> None:
    names = {
        kind: f"doctor-{kind}-{uuid.uuid4().hex[:6]}" for kind in ("good", "bad", "half", "none")
    }
    rows = [
        (names["good"], LOTOS.company_id, LOTOS.user_token),
        (names["bad"], LOTOS.company_id, "not-the-token"),
        (names["half"], LOTOS.company_id, None),
        (names["none"], None, None),
    ]
    for name, company, token in rows:
        await db.execute(
            "insert into dashboard.tenants (name, yclients_company_id, yclients_user_token) "
            "values ($1, $2, $3)",
            name,
            company,
            token,
        )
    info = devstack.info
    assert info.yclients_url and info.yclients_partner_token
    backend = await Backend.open(info.supabase_url, SecretStr(info.service_key))
    try:
        results = await check_yclients(
            backend, info.yclients_url, SecretStr(info.yclients_partner_token)
        )
        without_partner = await check_yclients(backend, info.yclients_url, None)
    finally:
        await backend.close()
    by_name = {r.check.removeprefix("yclients."): r for r in results}
    assert by_name[names["good"]].status == Status.ok
    assert by_name[names["bad"]].status == Status.fail
    assert LOTOS.user_token not in str([r.as_json() for r in results])
    assert by_name[names["half"]].status == Status.fail
    assert "yclients_user_token" in by_name[names["half"]].detail
    assert by_name[names["none"]].status == Status.skip
    partnerless = {r.check.removeprefix("yclients."): r for r in without_partner}
    assert partnerless[names["good"]].fix == "set YCLIENTS_PARTNER_TOKEN"


def test_config_file_with_a_secret_must_not_be_world_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("AGENTP_CONFIG", str(path))
    assert check_config_file()[0].status == Status.skip
    path.write_text('supabase_service_key = "secret"\n')
    path.chmod(0o644)
    results = check_config_file()
    assert results[1].status == Status.fail and "chmod 600" in results[1].fix
    path.chmod(0o600)
    assert check_config_file()[1].status == Status.ok
    path.write_text("broken = [\n")
    assert check_config_file()[0].status == Status.fail
    # Absurd nesting or bytes that are not UTF-8: one line, no traceback.
    path.write_text("a = " + "[" * 2000 + "]" * 2000 + "\n")
    deep = check_config_file()[0]
    assert deep.status == Status.fail and "nested too deeply" in deep.detail
    path.write_bytes(b'supabase_url = "\xff\xfe"\n')
    assert "not valid UTF-8" in check_config_file()[0].detail


def test_terminal_checks() -> None:
    good = check_terminal(
        {"TERM": "xterm-256color", "LANG": "ru_RU.UTF-8"}, os.terminal_size((120, 40))
    )
    assert all(r.status == Status.ok for r in good)
    bad = {
        r.check: r
        for r in check_terminal({"TERM": "dumb", "LANG": "C"}, os.terminal_size((60, 20)))
    }
    assert bad["terminal.term"].status == Status.fail
    assert bad["terminal.locale"].status == Status.fail
    assert bad["terminal.colours"].status == Status.warn
    assert bad["terminal.size"].status == Status.warn


async def test_cli_json_and_exit_code(devstack: DevStack, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SUPABASE_URL": devstack.info.supabase_url,
        "SUPABASE_SERVICE_KEY": devstack.info.service_key,
        "YCLIENTS_BASE_URL": devstack.info.yclients_url or "",
        "YCLIENTS_PARTNER_TOKEN": devstack.info.yclients_partner_token or "",
        "AGENTP_CONFIG": str(tmp_path / "none.toml"),
        # The app's own folders (checked for their modes) are this test's, not the machine's.
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "COLUMNS": "120",
        "LINES": "40",
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", "doctor", "--json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    # The devstack lives on this event loop: run the command from a thread.
    result = await asyncio.to_thread(run)
    report = json.loads(result.stdout)
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    # Other tests leave tenants with deliberately wrong YClients tokens behind.
    assert all(c["check"].startswith("yclients.") for c in failed), failed
    assert result.returncode == (1 if failed else 0)
    assert devstack.info.service_key not in result.stdout + result.stderr

    env["SUPABASE_URL"] = "http://127.0.0.1:9"
    down = await asyncio.to_thread(run)
    assert down.returncode == 1
    checks = {c["check"]: c for c in json.loads(down.stdout)["checks"]}
    assert checks["supabase.reachable"]["status"] == "fail"
    assert checks["supabase.key"]["status"] == "skip"


@pytest.mark.parametrize(
    ("kind", "named"),
    [("secret_key", "secret key (sb_secret_…)"), ("service_key", "legacy service_role key (JWT)")],
)
async def test_doctor_names_the_kind_of_key_and_never_shows_it(
    devstack: DevStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str, named: str
) -> None:
    key = getattr(devstack.info, kind)
    monkeypatch.setenv("SUPABASE_URL", devstack.info.supabase_url)
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", key)
    monkeypatch.setenv("AGENTP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.chdir(tmp_path)
    results = await _backend_checks()
    by_name = {r.check: r for r in results}
    assert named in by_name["settings"].detail
    for name in ("supabase.key", "realtime.reachable"):
        assert by_name[name].status == Status.ok, by_name[name]
    assert all(key not in r.detail + r.fix for r in results)
