"""Snapshots of the admin's Staff screen and Audit view at 80×24, in Russian.

The salon is fixed (name, users, names, roles, one deactivated account, two recent failed
logins); the audit rows are this salon's, rewritten to fixed times after the login that the
snapshot itself makes, so the picture does not depend on when the test runs.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from textual.pilot import Pilot

from modals.audit import AuditScreen
from modals.staff import StaffScreen
from tests.tui.conftest import (
    FIXED_NOW,
    PASSWORD_HASH,
    AppFactory,
    StackProcess,
    create_salon,
    login,
)
from tests.tui.observed import ObservedApp

SALON_NAME = "Салон «AccSnap»"  # the Latin part makes the users' emails unique


async def _prepare(database_url: str) -> tuple[str, str]:
    db = await asyncpg.connect(database_url)
    try:
        salon = await create_salon(db, name=SALON_NAME)
        extra = (
            ("marina@accsnap.test", "Марина", "operator", False),
            ("lena@accsnap.test", "Елена", "viewer", True),
        )
        for email, name, role, active in extra:
            await db.execute(
                "insert into dashboard.users (tenant_id, email, name, encrypted_password, role, "
                "active) values ($1, $2, $3, $4, $5, $6) on conflict (email) do nothing",
                salon.tenant_id,
                email,
                name,
                PASSWORD_HASH,
                role,
                active,
            )
        await db.execute(
            "update dashboard.users set last_login_at = $2 where email = $1",
            salon.users["operator"],
            FIXED_NOW - timedelta(days=2, hours=3),
        )
        # Two failed logins a minute ago: inside the lockout window whenever the test runs.
        await db.execute("delete from dashboard.login_attempts where email = 'lena@accsnap.test'")
        for _ in range(2):
            await db.execute(
                "insert into dashboard.login_attempts (email, succeeded, created_at) "
                "values ('lena@accsnap.test', false, now() - interval '1 minute')"
            )
        return str(salon.tenant_id), salon.users["admin"]
    finally:
        await db.close()


@pytest.fixture
def snapshot_salon(tui_stack: StackProcess) -> tuple[str, str]:
    return asyncio.run(_prepare(tui_stack.database_url))


async def _fix_audit(database_url: str, tenant_id: str) -> None:
    """The salon's audit rows at fixed times and in a fixed set, newest first by id."""
    db = await asyncpg.connect(database_url)
    try:
        # Whatever earlier runs and apps left (their logins and logouts) goes; this run's
        # login stays, the fixed rows are written afresh.
        await db.execute(
            "delete from dashboard.audit_log where tenant_id = $1 and id <> (select max(id) "
            "from dashboard.audit_log where tenant_id = $1 and action = 'login')",
            tenant_id,
        )
        rows = (
            ("login_failed", "lena@accsnap.test", None, "{}"),
            ("lockout", "lena@accsnap.test", None, "{}"),
            ("user.deactivated", "marina@accsnap.test", "admin", "{}"),
            ("user.role_changed", "lena@accsnap.test", "admin", '{"role": "viewer"}'),
            ("command.pause_bot", None, "operator", '{"command_id": "4182"}'),
        )
        for action, email, actor, detail in rows:
            await db.execute(
                "insert into dashboard.audit_log (tenant_id, user_id, email, action, detail) "
                "values ($1, (select id from dashboard.users where tenant_id = $1 "
                "and role = $4 and active and email like '%accsnap%' order by email limit 1), "
                "$2, $3, $5::jsonb)",
                tenant_id,
                email,
                action,
                actor,
                detail,
            )
        ids = await db.fetch(
            "select id from dashboard.audit_log where tenant_id = $1 order by id", tenant_id
        )
        for index, row in enumerate(ids):
            await db.execute(
                "update dashboard.audit_log set created_at = $2 where id = $1",
                row["id"],
                FIXED_NOW - timedelta(hours=len(ids) - index),
            )
    finally:
        await db.close()


def open_staff(email: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ObservedApp)
        await login(pilot, email)
        await pilot.press("f7")
        await app.wait_for(lambda: isinstance(app.screen, StaffScreen) and app.screen.loaded)
        await pilot.pause()

    return run_before


def open_audit(email: str, database_url: str, tenant_id: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ObservedApp)
        await login(pilot, email)
        await _fix_audit(database_url, tenant_id)
        await pilot.press("f8")
        await app.wait_for(lambda: isinstance(app.screen, AuditScreen) and app.screen.loaded)
        await pilot.pause()

    return run_before


def test_staff_screen_ru_80x24(
    snap_compare: Any, make_app: AppFactory, snapshot_salon: tuple[str, str]
) -> None:
    app = make_app(clock=lambda: FIXED_NOW, language="ru")
    assert snap_compare(app, run_before=open_staff(snapshot_salon[1]), terminal_size=(80, 24))


def test_audit_view_ru_80x24(
    snap_compare: Any,
    make_app: AppFactory,
    snapshot_salon: tuple[str, str],
    tui_stack: StackProcess,
) -> None:
    tenant_id, admin = snapshot_salon
    app = make_app(clock=lambda: FIXED_NOW, language="ru")
    assert snap_compare(
        app,
        run_before=open_audit(admin, tui_stack.database_url, tenant_id),
        terminal_size=(80, 24),
    )
