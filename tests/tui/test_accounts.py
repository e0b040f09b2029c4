"""Accounts in the app, under Pilot: an admin's Staff screen and Audit view, everyone's own
password, and the rules the services keep whatever the screen shows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from textual.widgets import DataTable

from modals.audit import AuditScreen
from modals.change_password import ChangePasswordScreen
from modals.confirm import ConfirmScreen
from modals.help import HelpScreen
from modals.password_shown import PasswordShownScreen
from modals.staff import StaffScreen
from modals.staff_add import StaffAddScreen
from modals.staff_role import StaffRoleScreen
from screens.login import LoginScreen
from screens.main import MainScreen
from services.auth import AuthService, LoginFailed
from services.backend import Backend
from services.errors import PermissionDenied
from tests.tui.conftest import PASSWORD, AppFactory, Salon, StackProcess, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from widgets.text_field import TextField


def notified(app: ObservedApp, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


async def open_staff(pilot: Any) -> StaffScreen:
    app = pilot.app
    await pilot.press("f7")
    await app.wait_for(lambda: isinstance(app.screen, StaffScreen) and app.screen.loaded)
    assert isinstance(app.screen, StaffScreen)
    return app.screen


async def select(app: ObservedApp, staff: StaffScreen, email: str) -> None:
    await app.wait_for(lambda: any(m.user.email == email for m in staff.members))
    row = next(i for i, m in enumerate(staff.members) if m.user.email == email)
    staff.query_one(DataTable).move_cursor(row=row)
    await app.wait_for(lambda: (staff.selected() or None) is not None)
    selected = staff.selected()
    assert selected is not None and selected.user.email == email


async def confirm(pilot: Any) -> None:
    app = pilot.app
    await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("y")


async def shown_password(pilot: Any) -> str:
    app = pilot.app
    await app.wait_for(lambda: isinstance(app.screen, PasswordShownScreen))
    screen = app.screen
    assert isinstance(screen, PasswordShownScreen)
    password = screen.password
    await app.wait_for(lambda: password in screen_text(app))
    await pilot.press("enter")
    await app.wait_for(lambda: isinstance(app.screen, StaffScreen))
    return password


async def login_again(pilot: Any, email: str, password: str) -> None:
    """After a sign-out the login screen keeps the email: start from an empty field."""
    app = pilot.app
    await app.wait_for(lambda: isinstance(app.screen, LoginScreen))
    app.screen.query_one("#email", TextField).value = ""
    await login(pilot, email, password)


async def can_log_in(tui_stack: StackProcess, email: str, password: str) -> bool:
    from pydantic import SecretStr

    backend = await Backend.open(tui_stack.url, SecretStr(tui_stack.service_key))
    try:
        await AuthService(backend).authenticate(email, password)
    except LoginFailed:
        return False
    finally:
        await backend.close()
    return True


async def test_an_admin_adds_deactivates_reactivates_and_resets_a_user(
    make_app: AppFactory, salon: Salon, tui_stack: StackProcess
) -> None:
    email = f"nadia-{uuid.uuid4().hex[:6]}@salon.test"
    admin_app, user_app = make_app(), make_app()
    async with (
        admin_app.run_test(size=(120, 40)) as admin,
        user_app.run_test(size=(120, 40)) as user,
    ):
        await login(admin, salon.users["admin"])
        staff = await open_staff(admin)
        # Long emails are cut to fit 80 columns: their beginning is on screen.
        await admin_app.wait_for(
            lambda: all(e[:20] in screen_text(admin_app) for e in salon.users.values())
        )

        # Add: no password typed, so one is generated and shown once.
        await admin.press("a")
        await admin_app.wait_for(lambda: isinstance(admin_app.screen, StaffAddScreen))
        await admin.press(*email, "tab", *"Надежда", "ctrl+s")
        first = await shown_password(admin)
        await admin_app.wait_for(lambda: notified(admin_app, f"Added {email}."))
        await select(admin_app, staff, email)
        assert staff.selected() is not None and staff.selected().user.role.value == "operator"  # type: ignore[union-attr]

        # The new user logs in with it in another app.
        await login(user, email, first)

        # Deactivate: the other session ends within seconds.
        await admin.press("d")
        await confirm(admin)
        await user_app.wait_for(lambda: isinstance(user_app.screen, LoginScreen), 15)
        await user_app.wait_for(lambda: notified(user_app, "Your account was deactivated"))
        await admin_app.wait_for(
            lambda: any(m.user.email == email and not m.user.active for m in staff.members)
        )
        assert not await can_log_in(tui_stack, email, first)

        # Activate again: the same password works.
        await select(admin_app, staff, email)
        await admin.press("d")
        await confirm(admin)
        await admin_app.wait_for(
            lambda: any(m.user.email == email and m.user.active for m in staff.members)
        )
        await login_again(user, email, first)

        # Reset: a new password shown once, the user's session ends, the old one fails.
        await select(admin_app, staff, email)
        await admin.press("p")
        await confirm(admin)
        second = await shown_password(admin)
        assert second != first
        await user_app.wait_for(lambda: isinstance(user_app.screen, LoginScreen), 15)
        await user_app.wait_for(lambda: notified(user_app, "password was changed"))
        assert not await can_log_in(tui_stack, email, first)
        assert await can_log_in(tui_stack, email, second)

    actions = [
        r["action"]
        for r in await salon.db.fetch(
            "select action from dashboard.audit_log where tenant_id = $1 and action like 'user.%' "
            "order by id",
            salon.tenant_id,
        )
    ]
    assert actions == ["user.added", "user.deactivated", "user.activated", "user.password_reset"]


async def test_the_admin_changes_a_role_and_sees_it_in_the_audit(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["admin"])
        staff = await open_staff(pilot)
        await select(app, staff, salon.users["viewer"])
        await pilot.press("r")
        await app.wait_for(lambda: isinstance(app.screen, StaffRoleScreen))
        await pilot.press("down", "enter")  # viewer → operator
        await app.wait_for(
            lambda: any(
                m.user.email == salon.users["viewer"] and m.user.role.value == "operator"
                for m in staff.members
            )
        )
        await pilot.press("escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f8")
        await app.wait_for(lambda: isinstance(app.screen, AuditScreen) and app.screen.loaded)
        text = screen_text(app)
        assert "changed a role" in text and salon.users["viewer"] in text
        assert "logged in" in text
        await pilot.press("f")  # logins and failures only
        await app.wait_for(lambda: "logins and failures" in screen_text(app))
        assert "changed a role" not in screen_text(app)


async def test_the_last_active_admin_cannot_be_deactivated_or_demoted(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["admin"])
        staff = await open_staff(pilot)
        await select(app, staff, salon.users["admin"])
        await pilot.press("d")
        await confirm(pilot)
        await app.wait_for(lambda: notified(app, "You cannot deactivate your own account."))
        await pilot.press("r")
        await app.wait_for(lambda: isinstance(app.screen, StaffRoleScreen))
        await pilot.press("up", "enter")  # admin → operator
        await app.wait_for(lambda: notified(app, "last active admin cannot be deactivated"))
    row = await salon.db.fetchrow(
        "select role, active from dashboard.users where email = $1", salon.users["admin"]
    )
    assert (row["role"], row["active"]) == ("admin", True)


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_a_viewer_or_operator_never_sees_staff_or_audit_and_the_services_refuse(
    make_app: AppFactory, salon: Salon, role: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users[role])
        await pilot.press("f7", "f8")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        await app.wait_for(lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        assert "Change my password" in text
        assert "Staff" not in text and "Audit log" not in text
        await pilot.press("escape")
        services = app.ctx.require_services()
        with pytest.raises(PermissionDenied):
            await services.users.staff()
        with pytest.raises(PermissionDenied):
            await services.users.set_active(salon.users["admin"], False)
        with pytest.raises(PermissionDenied):
            await services.audit.page()


async def test_a_user_changes_their_own_password_and_the_old_one_fails(
    make_app: AppFactory, salon: Salon, tui_stack: StackProcess
) -> None:
    email = salon.users["viewer"]
    here, there = make_app(), make_app()
    async with here.run_test(size=(100, 30)) as pilot, there.run_test(size=(100, 30)) as other:
        await login(pilot, email)
        await login(other, email)
        await pilot.press("f6")
        await here.wait_for(lambda: isinstance(here.screen, ChangePasswordScreen))
        form = here.screen
        assert isinstance(form, ChangePasswordScreen)

        await pilot.press(*"wrong horse", "enter", *"новый пароль 1", "enter")
        await pilot.press(*"новый пароль 1", "enter")
        await here.wait_for(lambda: form.error == "The current password is wrong.")
        assert form.query_one("#password-current", TextField).value == ""

        await pilot.press(*PASSWORD, "ctrl+s")
        await here.wait_for(lambda: isinstance(here.screen, MainScreen))
        await here.wait_for(lambda: notified(here, "Password changed."))
        # This session stays; the other one of the same user ends.
        await there.wait_for(lambda: isinstance(there.screen, LoginScreen), 15)
        assert isinstance(here.screen, MainScreen) and here.ctx.session is not None
    assert not await can_log_in(tui_stack, email, PASSWORD)
    assert await can_log_in(tui_stack, email, "новый пароль 1")


async def test_own_password_rules_are_named_on_the_form(make_app: AppFactory, salon: Salon) -> None:
    app = make_app(language="ru")
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("f6")
        await app.wait_for(lambda: isinstance(app.screen, ChangePasswordScreen))
        form = app.screen
        assert isinstance(form, ChangePasswordScreen)
        cases = (
            ("новый пароль 1", "новый пароль 2", "Новые пароли не совпадают."),
            ("коротко", "коротко", "не меньше 8 символов"),
            ("я" * 37, "я" * 37, "В пароле 74 байт"),
            (salon.users["operator"], salon.users["operator"], "не должен совпадать с адресом"),
            (PASSWORD, PASSWORD, "совпадает с текущим"),
        )
        for new, repeated, message in cases:
            for name, value in (("current", PASSWORD), ("new", new), ("repeat", repeated)):
                form.query_one(f"#password-{name}", TextField).value = value
            await pilot.press("ctrl+s")
            await app.wait_for(lambda m=message: m in form.error)  # type: ignore[misc]
        assert isinstance(app.screen, ChangePasswordScreen)
        await pilot.press("escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
    assert await salon.db.fetchval(
        "select password_changed_at is null from dashboard.users where email = $1",
        salon.users["operator"],
    )
