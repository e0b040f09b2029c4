"""The idle lock is no way around the login lockout (issue 17 §3): unlock attempts count toward
it, and once the email is locked (here by guesses from elsewhere) the lock screen logs out at
once, even for the right password."""

from __future__ import annotations

import contextlib

from screens.lock import LockScreen
from screens.login import LoginScreen
from services.auth import LOCKOUT_FAILURES, AuthService, LoginFailed
from tests.tui.conftest import PASSWORD, AppFactory, Salon, login


async def test_a_locked_out_email_cannot_unlock_and_is_logged_out(
    make_app: AppFactory, salon: Salon
) -> None:
    email = salon.users["operator"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, email)
        await pilot.press("ctrl+l")
        await app.wait_for(lambda: isinstance(app.screen, LockScreen))
        backend = app.ctx.backend
        assert backend is not None
        for _ in range(LOCKOUT_FAILURES):  # another session guessing this email's password
            with contextlib.suppress(LoginFailed):
                await AuthService(backend).authenticate(email, "a guess from elsewhere")
        await pilot.press(*PASSWORD, "enter")
        await app.wait_for(lambda: isinstance(app.screen, LoginScreen))
        assert app.ctx.session is None
        assert any("logged out" in n.message for n in app._notifications)
