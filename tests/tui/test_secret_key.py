"""The whole app on Supabase's current secret key (sb_secret_…) instead of the legacy JWT."""

from __future__ import annotations

from tests.tui.conftest import AppFactory, Salon, login
from tests.tui.screen_text import screen_text


async def test_the_app_logs_in_and_goes_live_on_a_secret_key(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app(key="secret_key")
    key = app.ctx.settings.supabase_service_key
    assert key is not None and key.get_secret_value().startswith("sb_secret_")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        assert "live: wishlist, commands, sessions" in screen_text(app)
        await salon.add_wish(client_name="Клиентка по ключу", service_title="Педикюр")
        await app.wait_for(lambda: "Клиентка по ключу" in screen_text(app))
