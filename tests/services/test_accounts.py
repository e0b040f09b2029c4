"""Accounts in the app, at the service layer: every rule holds whatever a screen shows.

Admin actions (`UserAdmin` with a session, the Audit view) are refused for a viewer and an
operator, and write nothing; the last active admin stays; a password set by an admin or by the
user ends the user's other sessions; each action writes an audit row.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.stack import DevStack
from services.account import AccountService, WrongCurrentPassword
from services.audit_view import AuditView
from services.auth import AuthService, LoginFailed
from services.backend import Backend
from services.commands.outbox import Outbox
from services.commands.service import CommandService
from services.dashboard import AccountChange, DashboardServices
from services.errors import PermissionDenied
from services.keyset import Cursor
from services.passwords import PasswordPolicyError
from services.user_admin import LastAdminError, UserAdmin, UserAdminError
from tests.services.conftest import MakeUser, add_session, session_for

PASSWORD = "correct horse battery"


async def snapshot(db: asyncpg.Connection, tenant_id: uuid.UUID) -> list[Any]:
    users = await db.fetch(
        "select id, email, role, active, encrypted_password, password_changed_at "
        "from dashboard.users where tenant_id = $1 order by email",
        tenant_id,
    )
    audit = await db.fetchval(
        "select count(*) from dashboard.audit_log where tenant_id = $1", tenant_id
    )
    return [[dict(u) for u in users], audit]


async def actions_of(db: asyncpg.Connection, tenant_id: uuid.UUID) -> list[str]:
    rows = await db.fetch(
        "select action from dashboard.audit_log where tenant_id = $1 order by id", tenant_id
    )
    return [r["action"] for r in rows]


ADMIN_ACTIONS: dict[str, Callable[[UserAdmin, str], Awaitable[object]]] = {
    "list": lambda admin, email: admin.staff(),
    "add": lambda admin, email: admin.add(
        email=f"new-{uuid.uuid4().hex[:6]}@salon.test",
        tenant=str(admin.session.tenant_id if admin.session else ""),
        role="viewer",
        password="пароль-надёжный",
    ),
    "add generated": lambda admin, email: admin.add_with_generated_password(
        email=f"gen-{uuid.uuid4().hex[:6]}@salon.test", role="viewer"
    ),
    "deactivate": lambda admin, email: admin.set_active(email, False),
    "activate": lambda admin, email: admin.set_active(email, True),
    "change role": lambda admin, email: admin.set_role(email, "admin"),
    "reset password": lambda admin, email: admin.reset_password(email),
    "set password": lambda admin, email: admin.set_password(email, "новый-пароль-1"),
}


@pytest.mark.parametrize("role", ["viewer", "operator"])
@pytest.mark.parametrize("action", list(ADMIN_ACTIONS))
async def test_a_viewer_or_operator_is_refused_every_admin_action_and_nothing_is_written(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    role: str,
    action: str,
) -> None:
    caller = await make_user(tenant_id, role)
    target = await make_user(tenant_id, "viewer")
    await make_user(tenant_id, "admin")
    before = await snapshot(db, tenant_id)
    with pytest.raises(PermissionDenied, match="only an admin"):
        await ADMIN_ACTIONS[action](UserAdmin(backend, session_for(caller)), target["email"])
    assert await snapshot(db, tenant_id) == before


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_a_viewer_or_operator_cannot_read_the_audit(
    backend: Backend, tenant_id: uuid.UUID, make_user: MakeUser, role: str
) -> None:
    caller = await make_user(tenant_id, role)
    with pytest.raises(PermissionDenied):
        await AuditView(backend, session_for(caller)).page()


async def test_an_admin_manages_staff_of_their_own_salon_only(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
) -> None:
    admin_row = await make_user(tenant_id, "admin")
    theirs = await make_user(other_tenant_id, "operator")
    admin = UserAdmin(backend, session_for(admin_row))

    user, password = await admin.add_with_generated_password(
        email=" Nadia@Salon.Test ", role="operator", name="Надя"
    )
    assert user.email == "nadia@salon.test" and user.tenant_id == tenant_id
    assert len(password) == 16
    assert (await AuthService(backend).authenticate("nadia@salon.test", password)).role.value == (
        "operator"
    )
    typed = await admin.add(
        email=f"olga-{uuid.uuid4().hex[:6]}@salon.test",
        tenant=str(tenant_id),
        role="viewer",
        password="пароль-надёжный",
    )
    with pytest.raises(PasswordPolicyError, match="email"):
        await admin.add(
            email="same@salon.test",
            tenant=str(tenant_id),
            role="viewer",
            password="same@salon.test",
        )
    with pytest.raises(UserAdminError, match="no tenant"):
        await admin.add(
            email="x@salon.test", tenant=str(other_tenant_id), role="viewer", password="12345678a"
        )

    await admin.set_role(typed.email, "operator")
    await admin.set_active(typed.email, False)
    await admin.set_active(typed.email, True)
    fresh = await admin.reset_password(typed.email)
    with pytest.raises(LoginFailed):
        await AuthService(backend).authenticate(typed.email, "пароль-надёжный")
    assert (await AuthService(backend).authenticate(typed.email, fresh)).user_id == typed.id

    # Another salon's account is "no such user", whatever the action.
    for act in ("deactivate", "change role", "reset password"):
        with pytest.raises(Exception, match="no user"):
            await ADMIN_ACTIONS[act](admin, theirs["email"])
    assert (await db.fetchrow("select * from dashboard.users where id = $1", theirs["id"]))[
        "active"
    ]

    staff = {m.user.email: m for m in await admin.staff()}
    assert set(staff) == {admin_row["email"], "nadia@salon.test", typed.email}
    assert staff[typed.email].user.role.value == "operator"
    assert await actions_of(db, tenant_id) == [
        "user.added",
        "login",
        "user.added",
        "user.role_changed",
        "user.deactivated",
        "user.activated",
        "user.password_reset",
        "login_failed",
        "login",
    ]


async def test_the_last_active_admin_is_neither_deactivated_nor_demoted(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    anna = await make_user(tenant_id, "admin")
    admin = UserAdmin(backend, session_for(anna))
    with pytest.raises(LastAdminError):
        await admin.set_role(anna["email"], "operator")
    with pytest.raises(UserAdminError, match="your own account"):
        await admin.set_active(anna["email"], False)
    # The server's command line goes through the same rule.
    with pytest.raises(LastAdminError):
        await UserAdmin(backend).set_active(anna["email"], False)

    boris = await make_user(tenant_id, "admin")
    await admin.set_role(boris["email"], "viewer")  # another admin remains: allowed
    with pytest.raises(LastAdminError):
        await UserAdmin(backend).set_role(anna["email"], "viewer")
    row = await db.fetchrow("select role, active from dashboard.users where id = $1", anna["id"])
    assert (row["role"], row["active"]) == ("admin", True)


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    anna, boris = await make_user(tenant_id, "admin"), await make_user(tenant_id, "admin")
    results = await asyncio.gather(
        UserAdmin(backend, session_for(anna)).set_role(boris["email"], "operator"),
        UserAdmin(backend, session_for(boris)).set_role(anna["email"], "operator"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["LastAdminError", "NoneType"]
    admins = await db.fetchval(
        "select count(*) from dashboard.users where tenant_id = $1 and role = 'admin' and active",
        tenant_id,
    )
    assert admins == 1


async def test_failed_attempts_and_a_lockout_show_on_the_staff_list(
    backend: Backend, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    admin_row = await make_user(tenant_id, "admin")
    shaky, locked = await make_user(tenant_id, "viewer"), await make_user(tenant_id, "viewer")
    auth = AuthService(backend)
    for email, tries in ((shaky["email"], 2), (locked["email"], 5)):
        for _ in range(tries):
            with pytest.raises(LoginFailed):
                await auth.authenticate(email, "wrong password 1")
    staff = {m.user.email: m for m in await UserAdmin(backend, session_for(admin_row)).staff()}
    assert (staff[shaky["email"]].failed_attempts, staff[shaky["email"]].locked_until) == (2, None)
    lock = staff[locked["email"]].locked_until
    assert staff[locked["email"]].failed_attempts == 5
    assert lock is not None and lock > datetime.now(UTC) + timedelta(minutes=10)
    assert staff[admin_row["email"]].failed_attempts == 0


def services_for(
    devstack: DevStack, backend: Backend, session: Any, path: Path
) -> DashboardServices:
    return DashboardServices(backend, SecretStr(devstack.info.service_key), session, path)


async def watch(services: DashboardServices) -> asyncio.Queue[AccountChange]:
    changes: asyncio.Queue[AccountChange] = asyncio.Queue()
    await services.watch_account(changes.put_nowait, lambda status: None)
    first = await asyncio.wait_for(changes.get(), 10)
    assert not first.signed_out
    return changes


async def test_own_password_change_ends_the_other_session_and_keeps_this_one(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    me = await make_user(tenant_id, "viewer")
    auth = AuthService(backend)
    here = services_for(
        devstack, backend, await auth.authenticate(me["email"], PASSWORD), tmp_path / "a"
    )
    there = services_for(
        devstack, backend, await auth.authenticate(me["email"], PASSWORD), tmp_path / "b"
    )
    try:
        here_changes, there_changes = await watch(here), await watch(there)
        before = await snapshot(db, tenant_id)
        for current, new, repeated, error in (
            ("wrong horse battery", "новый пароль 1", "новый пароль 1", WrongCurrentPassword),
            (PASSWORD, "новый пароль 1", "новый пароль 2", PasswordPolicyError),
            (PASSWORD, "short", "short", PasswordPolicyError),
            (PASSWORD, "я" * 37, "я" * 37, PasswordPolicyError),
            (PASSWORD, me["email"].upper(), me["email"].upper(), PasswordPolicyError),
            (PASSWORD, PASSWORD, PASSWORD, PasswordPolicyError),
        ):
            with pytest.raises(error):
                await here.change_own_password(current, new, repeated)
        after_refusals = await snapshot(db, tenant_id)
        assert after_refusals[0] == before[0], "no refusal changed the account"

        await here.change_own_password(PASSWORD, "новый пароль 1", "новый пароль 1")
        ended = await asyncio.wait_for(there_changes.get(), 10)
        assert ended.signed_out and ended.password_changed
        with pytest.raises(LoginFailed):
            await auth.authenticate(me["email"], PASSWORD)
        assert (await auth.authenticate(me["email"], "новый пароль 1")).user_id == me["id"]
        assert here_changes.empty(), "the session that changed it stays"
        assert (await actions_of(db, tenant_id)).count("account.password_changed") == 1
        assert "account.password_change_failed" in await actions_of(db, tenant_id)
    finally:
        await here.close()
        await there.close()


async def test_an_admins_reset_and_deactivation_end_the_users_session(
    backend: Backend,
    devstack: DevStack,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    admin = UserAdmin(backend, session_for(await make_user(tenant_id, "admin")))
    user = await make_user(tenant_id, "operator")
    auth = AuthService(backend)
    services = services_for(
        devstack, backend, await auth.authenticate(user["email"], PASSWORD), tmp_path / "o"
    )
    try:
        changes = await watch(services)
        await admin.reset_password(user["email"])
        ended = await asyncio.wait_for(changes.get(), 10)
        assert ended.signed_out and ended.password_changed
    finally:
        await services.close()


async def test_a_password_set_on_the_server_ends_the_users_session(
    backend: Backend,
    devstack: DevStack,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    user = await make_user(tenant_id, "viewer")
    session = await AuthService(backend).authenticate(user["email"], PASSWORD)
    services = services_for(devstack, backend, session, tmp_path / "v")
    try:
        changes = await watch(services)
        await UserAdmin(backend).set_password(user["email"], "с сервера 2026")  # agentp user passwd
        ended = await asyncio.wait_for(changes.get(), 10)
        assert ended.signed_out and ended.password_changed
    finally:
        await services.close()


async def test_the_audit_is_the_salons_newest_first_paged_and_by_kind(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    admin_row = await make_user(tenant_id, "admin")
    operator = await make_user(tenant_id, "operator")
    stranger = await make_user(other_tenant_id, "admin")
    auth = AuthService(backend)
    await auth.authenticate(operator["email"], PASSWORD)
    with pytest.raises(LoginFailed):
        await auth.authenticate(operator["email"], "wrong password")
    await auth.authenticate(stranger["email"], PASSWORD)  # another salon's row
    conversation = await add_session(db, tenant_id)
    commands = CommandService(backend, session_for(operator), Outbox(tmp_path / "outbox"))
    await commands.enqueue(
        "send_message", {"client_id": conversation["client_id"], "message": "Привет"}
    )
    await commands.enqueue("pause_bot", {"session_id": str(conversation["id"])})
    await commands.enqueue("resume_bot", {"session_id": str(conversation["id"])})
    await UserAdmin(backend, session_for(admin_row)).set_role(operator["email"], "viewer")

    view = AuditView(backend, session_for(admin_row))
    everything = await view.page()
    assert [e.action for e in everything] == [
        "user.role_changed",
        "command.resume_bot",
        "command.pause_bot",
        "command.send_message",
        "login_failed",
        "login",
    ]
    assert everything[1].email == operator["email"]
    assert all(e.email != stranger["email"] for e in everything)
    assert [e.action for e in await view.page(kind="logins")] == ["login_failed", "login"]
    assert [e.action for e in await view.page(kind="pauses")] == [
        "command.resume_bot",
        "command.pause_bot",
    ]
    assert [e.action for e in await view.page(kind="commands")] == ["command.send_message"]
    assert [e.action for e in await view.page(kind="accounts")] == ["user.role_changed"]

    paged: list[str] = []
    cursor = None
    while True:
        page = await view.page(limit=4, before=cursor)
        paged += [e.action for e in page]
        if len(page) < 4:
            break
        cursor = Cursor(page[-1].created_at, str(page[-1].id))
    assert paged == [e.action for e in everything]


async def test_account_service_refuses_a_deactivated_account(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    me = await make_user(tenant_id, "operator")
    await db.execute("update dashboard.users set active = false where id = $1", me["id"])
    with pytest.raises(Exception, match="no longer active"):
        await AccountService(backend, session_for(me)).change_password(
            PASSWORD, "новый пароль 1", "новый пароль 1", changed_at=datetime.now(UTC)
        )


async def test_read_only_changes_no_password(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    me = await make_user(tenant_id, "admin")
    session = session_for(me).as_read_only()
    with pytest.raises(PermissionDenied, match="read-only"):
        await AccountService(backend, session).change_password(
            PASSWORD, "новый пароль 1", "новый пароль 1", changed_at=datetime.now(UTC)
        )
    with pytest.raises(PermissionDenied):
        await UserAdmin(backend, session).reset_password(me["email"])
    assert await db.fetchval(
        "select password_changed_at is null from dashboard.users where id = $1", me["id"]
    )
