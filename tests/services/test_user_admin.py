"""Staff accounts through the service and through `agentp user`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from devstack.stack import StackInfo
from services.auth import AuthService, LoginFailed
from services.backend import Backend
from services.errors import NotFound, PermissionDenied
from services.user_admin import UserAdmin, UserAdminError
from tests.services.conftest import MakeUser, session_for

ROOT = Path(__file__).resolve().parents[2]


async def tenant_name(db: asyncpg.Connection, tenant_id: uuid.UUID) -> str:
    name: str = await db.fetchval("select name from dashboard.tenants where id = $1", tenant_id)
    return name


async def test_add_then_login_then_deactivate(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    admin = UserAdmin(backend)
    email = f"New.Person-{uuid.uuid4().hex[:6]}@Salon.Test"
    user = await admin.add(
        email=email,
        tenant=await tenant_name(db, tenant_id),
        role="Operator",
        password="пароль-надёжный",
    )
    assert user.email == email.lower()
    assert (await AuthService(backend).authenticate(email, "пароль-надёжный")).user_id == user.id
    await admin.set_active(email, False)
    with pytest.raises(LoginFailed):
        await AuthService(backend).authenticate(email, "пароль-надёжный")
    await admin.set_active(email, True)
    await admin.set_password(email, "другой-пароль-2")
    assert (await AuthService(backend).authenticate(email, "другой-пароль-2")).user_id == user.id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "DUP", "already exists"),
        ("tenant", "No Such Salon", "no tenant"),
        ("role", "owner", "unknown role"),
        ("password", "я" * 37, "74 bytes"),
        ("email", "not-an-email", "not an email"),
    ],
)
async def test_refusals_are_one_clear_line(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    field: str,
    value: str,
    message: str,
) -> None:
    existing = await make_user(tenant_id, "viewer")
    args = {
        "email": f"someone-{uuid.uuid4().hex[:6]}@salon.test",
        "tenant": str(tenant_id),
        "role": "viewer",
        "password": "long enough password",
    }
    args[field] = existing["email"].upper() if value == "DUP" else value
    before = await db.fetchval("select count(*) from dashboard.users")
    with pytest.raises(Exception, match=message) as caught:
        await UserAdmin(backend).add(**args)
    assert "\n" not in str(caught.value)
    assert await db.fetchval("select count(*) from dashboard.users") == before


async def test_an_admin_in_the_app_manages_only_their_own_tenant(
    backend: Backend, tenant_id: uuid.UUID, other_tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    admin = session_for(await make_user(tenant_id, "admin"))
    foreign = await make_user(other_tenant_id, "operator")
    service = UserAdmin(backend, admin)
    with pytest.raises(UserAdminError, match="no tenant"):
        await service.add(
            email="x@y.test", tenant=str(other_tenant_id), role="viewer", password="12345678"
        )
    with pytest.raises(NotFound):
        await service.set_active(foreign["email"], False)
    assert {u.tenant_id for u in await service.list()} == {tenant_id}
    operator = session_for(await make_user(tenant_id, "operator"))
    with pytest.raises(PermissionDenied):
        await UserAdmin(backend, operator).list()


async def run_cli(info: StackInfo, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The CLI as a process, run from a thread: the devstack it calls lives on this event loop."""
    env = {
        **os.environ,
        "SUPABASE_URL": info.supabase_url,
        "SUPABASE_SERVICE_KEY": info.service_key,
        "AGENTP_CONFIG": "/nonexistent/agentp.toml",
    }
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "cli.main", "user", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


async def test_cli_reads_the_password_from_stdin_and_reports_duplicates(
    stack_info: StackInfo, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    email = f"cli-{uuid.uuid4().hex[:6]}@salon.test"
    name = await tenant_name(db, tenant_id)
    added = await run_cli(
        stack_info,
        "add",
        "--email",
        email,
        "--tenant",
        name,
        "--role",
        "viewer",
        stdin="секретный пароль\n",
    )
    assert added.returncode == 0, added.stderr
    assert "секретный" not in added.stdout + added.stderr
    stored = await db.fetchrow(
        "select role, encrypted_password from dashboard.users where email = $1", email
    )
    assert stored["role"] == "viewer"

    duplicate = await run_cli(
        stack_info,
        "add",
        "--email",
        email.upper(),
        "--tenant",
        name,
        "--role",
        "viewer",
        stdin="another password\n",
    )
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip() == f"agentp: a user with the email {email} already exists"

    too_long = await run_cli(stack_info, "passwd", "--email", email, stdin="x" * 73 + "\n")
    assert too_long.returncode == 1
    assert "73 bytes" in too_long.stderr and "Traceback" not in too_long.stderr

    bad_role = await run_cli(stack_info, "role", "--email", email, "--role", "owner")
    assert bad_role.returncode == 1 and "unknown role" in bad_role.stderr

    listed = await run_cli(stack_info, "list", "--tenant", name)
    assert listed.returncode == 0 and email in listed.stdout
    assert "$2" not in listed.stdout, "hashes are never printed"


def test_cli_without_settings_names_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE", "AGENTP"))}
    env["AGENTP_CONFIG"] = str(tmp_path / "none.toml")
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "user", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "supabase_url is missing" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
