"""`agentp devstack` as a process: one JSON line when ready, clean stop, data kept between runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.stack_process import start_devstack

EXPECTED_KEYS = {
    "supabase_url",
    "publishable_key",
    "secret_key",
    "anon_key",
    "service_key",
    "database_url",
    "yclients_url",
}


def postgres_pids_for(data_dir: Path) -> list[int]:
    """Postgres processes whose command line names this data dir (no psutil needed)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            cmdline
            and cmdline[0].endswith(b"postgres")
            and str(data_dir).encode() in b" ".join(cmdline)
        ):
            pids.append(int(entry.name))
    return pids


class RunningStack:
    def __init__(self, data_dir: Path, *extra: str) -> None:
        # stderr is piped: the tests read what the stack says on its way out.
        stack = start_devstack(data_dir, "--port", "0", *extra, stderr=subprocess.PIPE)
        self.proc = stack.proc
        self.info = stack.info

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, err


@pytest.fixture
def stack_dir(tmp_path: Path) -> Iterator[Path]:
    data_dir = tmp_path / "stack"
    yield data_dir
    for pid in postgres_pids_for(data_dir):
        os.kill(pid, signal.SIGKILL)


def test_json_line_serves_and_stops_cleanly_on_sigterm(stack_dir: Path) -> None:
    stack = RunningStack(stack_dir)
    try:
        assert set(stack.info) >= EXPECTED_KEYS
        assert stack.info["supabase_url"].startswith("http://127.0.0.1:")
        assert stack.info["yclients_url"] is None or stack.info["yclients_url"].startswith(
            "http://127.0.0.1:"
        )
        response = httpx.get(
            f"{stack.info['supabase_url']}/rest/v1/tenants",
            params={"select": "id"},
            headers={"apikey": stack.info["service_key"], "Accept-Profile": "dashboard"},
        )
        assert response.status_code == 200
        assert response.json() == []
        assert postgres_pids_for(stack_dir), "postgres should run while the stack runs"
    finally:
        code, out, err = stack.stop()
    assert code == 0, err
    assert out == "", "exactly one JSON line on stdout"
    assert "Traceback" not in err
    assert postgres_pids_for(stack_dir) == [], "no orphan postgres after SIGTERM"


def test_data_is_kept_between_runs_and_sigint_stops(stack_dir: Path) -> None:
    first = RunningStack(stack_dir)
    headers = {
        "apikey": first.info["service_key"],
        "Content-Profile": "dashboard",
        "Accept-Profile": "dashboard",
        "Prefer": "return=representation",
    }
    try:
        created = httpx.post(
            f"{first.info['supabase_url']}/rest/v1/tenants",
            json={"name": "Салон «Персистентный»", "timezone": "Europe/Moscow"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
    finally:
        code, _, err = first.stop(signal.SIGINT)
    assert code == 0, err

    second = RunningStack(stack_dir)
    try:
        # The key is signed with the data dir's own secret, so it survives a restart too.
        for key in ("publishable_key", "secret_key", "anon_key", "service_key"):
            assert second.info[key] == first.info[key], key
        assert second.info["publishable_key"].startswith("sb_publishable_")
        assert second.info["secret_key"].startswith("sb_secret_")
        for key in ("service_key", "secret_key"):
            rows = httpx.get(
                f"{second.info['supabase_url']}/rest/v1/tenants",
                params={"select": "name"},
                headers={"apikey": second.info[key], "Accept-Profile": "dashboard"},
            ).json()
            assert rows == [{"name": "Салон «Персистентный»"}], key
    finally:
        code, _, err = second.stop()
    assert code == 0, err


def test_a_second_stack_on_the_same_data_dir_is_refused_with_one_line(stack_dir: Path) -> None:
    first = RunningStack(stack_dir)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "cli.main", "devstack", "--json", "--data-dir", str(stack_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert second.returncode == 1
        assert second.stdout == ""
        assert "already running" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.stop()


def test_bad_bot_option_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "devstack",
            "--bot",
            "fast",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 2
    assert "--bot takes off, on or a rate" in result.stderr


def test_fault_command_drops_sockets_of_a_running_stack(stack_dir: Path) -> None:
    stack = RunningStack(stack_dir, "--no-yclients")
    try:
        env = {**os.environ}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "cli.main",
                "fault",
                "drop-sockets",
                "--data-dir",
                str(stack_dir),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert "fault drop-sockets applied" in result.stdout
        refused = httpx.post(
            f"{stack.info['supabase_url']}/_devstack/faults/drop-sockets",
            headers={"apikey": stack.info["anon_key"]},
        )
        assert refused.status_code == 401, "only the service key may break the stack"
    finally:
        stack.stop()
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "fault",
            "restart-realtime",
            "--data-dir",
            str(stack_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert missing.returncode == 1
    assert "no running devstack" in missing.stderr
