"""File modes (issue 17 §4), as the attack: another local account on the server reads the
service account's files. Every file the app creates in a session (the outbox and SQLite's side
files, the YClients cache, the log and its rotations, a CSV export) must be 0600 and every
folder 0700, even when the app was started with a permissive umask."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.doctor import check_file_modes
from services.doctor import Status
from tabs.analytics_tab import Phase
from tests.tui.conftest import AppFactory, Salon, login
from tests.tui.test_analytics import configure, open_tab
from tui import logs


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    # The umask of a careless login shell: files 0644, folders 0755 unless the app says so.
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)
        logging.getLogger().handlers.clear()


def modes(*roots: Path) -> dict[Path, int]:
    return {
        path: stat.S_IMODE(path.lstat().st_mode)
        for root in roots
        for path in [root, *root.rglob("*")]
    }


async def test_every_file_of_a_session_is_the_accounts_alone(
    make_app: AppFactory, salon: Salon, tmp_path: Path, permissive_umask: None
) -> None:
    await configure(salon)
    conversation = await salon.add_session()
    data, cache = tmp_path / "app", tmp_path / "cache"
    log_file = data / "logs" / "agentp.log"
    logs.configure(verbose=True, log_file=log_file, max_bytes=4096)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        # A command goes through the outbox, which makes its file (a login alone does not).
        from modals import thread

        await thread._send(app, app.ctx.require_services(), "pause_bot", str(conversation["id"]))
        tab = await open_tab(app, pilot)
        await app.wait_for(lambda: tab.phase == Phase.ready)
        await pilot.press("e")
        await app.wait_for(lambda: tab.last_export is not None)
    for number in range(200):  # enough lines for the log to rotate twice
        logging.getLogger("agentp.test").warning("line %d of a long session", number)

    found = modes(data, cache)
    names = {path.relative_to(tmp_path).as_posix() for path in found}
    # Every kind of file the app writes is there, so the check below covers each of them.
    assert {"app/logs/agentp.log", "app/logs/agentp.log.1", "app/logs/agentp.log.2"} <= names
    assert any(name.startswith("app/outbox/") and name.endswith(".sqlite") for name in names)
    assert any(name.startswith("app/exports/") and name.endswith(".csv") for name in names)
    assert any(name.startswith("cache/") and name.endswith(".sqlite3") for name in names)
    wrong = {
        path.relative_to(tmp_path).as_posix(): f"{mode:o}"
        for path, mode in found.items()
        if mode != (0o700 if path.is_dir() else 0o600)
    }
    assert wrong == {}
    assert all(r.status == Status.ok for r in check_file_modes([data, cache]))


def test_doctor_names_the_fix_for_readable_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "outbox").mkdir(parents=True)
    data.chmod(0o755)
    (data / "outbox").chmod(0o700)
    leaked = data / "outbox" / "project.sqlite"
    leaked.write_text("")
    leaked.chmod(0o644)
    [result] = check_file_modes([data])
    assert result.status == Status.fail
    assert str(data) in result.detail and "1 more" in result.detail
    assert result.fix == f"chmod -R go-rwx {data} (folders 700, files 600)"
    os.system(f"chmod -R go-rwx {data}")  # noqa: S605 - the fix, exactly as named
    [result] = check_file_modes([data])
    assert result.status == Status.ok
    [missing] = check_file_modes([tmp_path / "nowhere"])
    assert missing.status == Status.skip


def test_the_command_line_runs_with_umask_077() -> None:
    from cli import main

    seen: list[int] = []

    def spy(parser: object, args: object) -> int:
        current = os.umask(0o077)
        os.umask(current)
        seen.append(current)
        return 0

    before = os.umask(0o022)
    try:
        original = main._main
        main._main = spy  # type: ignore[assignment]
        try:
            assert main.main(["doctor"]) == 0
        finally:
            main._main = original  # type: ignore[assignment]
        assert seen == [0o077]
        assert os.umask(0o022) == 0o022  # the caller's umask is back
    finally:
        os.umask(before)
