"""Two operators of one salon open the same conversation: each sees the other ("Олег смотрит"),
on the thread screen and in the composer before typing; closing it clears the other's line."""

from __future__ import annotations

from pathlib import Path

from core.i18n import set_language
from screens.main import MainScreen
from tabs.commands_tab import CommandsTab
from tests.tui.conftest import PASSWORD_HASH, AppFactory, Salon, built_tab
from tests.tui.screen_text import screen_text
from tests.tui.test_sessions import open_tab, open_thread
from widgets.presence_line import PresenceLine, viewing_text


def test_the_viewing_line_in_russian_and_english() -> None:
    set_language("ru")
    try:
        assert viewing_text([]) is None
        assert viewing_text(["Анна"]) == "Анна смотрит"
        assert viewing_text(["Анна", "Олег"]) == "Анна, Олег смотрят"
        five = ["Анна", "Олег", "Вера", "Ира", "Юля"]
        assert viewing_text(five) == "Анна, Олег, Вера и ещё 2 человека смотрят"
        assert viewing_text([*five, *five]) == "Анна, Олег, Вера и ещё 7 человек смотрят"
        set_language("en")
        assert viewing_text(["Anna"]) == "Anna is viewing"
        assert viewing_text(["Anna", "Oleg"]) == "Anna, Oleg are viewing"
        assert viewing_text(["A", "B", "C", "D"]) == "A, B, C and 1 more are viewing"
    finally:
        set_language("en")


async def test_two_operators_see_each_other_in_the_thread_and_the_composer(
    make_app: AppFactory, salon: Salon, tmp_path: Path
) -> None:
    oleg = f"oleg-{salon.tenant_id.hex[:8]}@salon.test"
    await salon.db.execute(
        "insert into dashboard.users (tenant_id, email, name, encrypted_password, role) "
        "values ($1, $2, 'Олег', $3, 'operator')",
        salon.tenant_id,
        oleg,
        PASSWORD_HASH,
    )
    await salon.add_session(client_name="Анна Петрова")
    olga_app, oleg_app = make_app(language="ru"), make_app(language="ru")
    oleg_app.ctx.data_dir = tmp_path / "oleg"  # an outbox of his own, as on his own machine
    async with olga_app.run_test(size=(100, 30)) as olga, oleg_app.run_test(size=(100, 30)) as ol:
        await open_tab(olga, salon.users["operator"])  # Ольга
        olga_thread = await open_thread(olga, olga_app, "Анна Петрова")
        await open_tab(ol, oleg)
        await open_thread(ol, oleg_app, "Анна Петрова")

        await olga_app.wait_for(lambda: "Олег смотрит" in screen_text(olga_app))
        await oleg_app.wait_for(lambda: "Ольга смотрит" in screen_text(oleg_app))
        assert olga_thread.query_one(PresenceLine).names == ["Олег"]

        # Олег closes it: Ольга's line goes.
        await ol.press("escape")
        await oleg_app.wait_for(lambda: isinstance(oleg_app.screen, MainScreen))
        await olga_app.wait_for(lambda: "смотрит" not in screen_text(olga_app))

        # He comes back and starts a reply with m: the composer says Ольга is there before he
        # types, and she sees him again.
        await open_thread(ol, oleg_app, "Анна Петрова")
        await ol.press("m")
        await oleg_app.wait_for(lambda: isinstance(oleg_app.screen, MainScreen))
        composer = (await built_tab(oleg_app, CommandsTab)).form.query_one(PresenceLine)
        await oleg_app.wait_for(lambda: composer.names == ["Ольга"])
        await oleg_app.wait_for(lambda: "Ольга смотрит" in screen_text(oleg_app))
        assert "Разговор открыт не только у вас:" in screen_text(oleg_app)  # wrapped: narrow
        await olga_app.wait_for(lambda: "Олег смотрит" in screen_text(olga_app))

        # Each app still has one realtime socket, with the conversation's presence on it.
        for app in (olga_app, oleg_app):
            assert app.ctx.require_services().realtime.connects == 1
