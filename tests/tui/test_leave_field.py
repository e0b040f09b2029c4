"""Esc leaves every text field and area of the main screen for the tab's main list (issue 15).

While a field has the focus the footer says so ("Esc Leave field"); after Esc the focus is on
the tab's list, so `1`–`4` switch tabs again instead of typing digits.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Select

from screens.main import MainScreen
from tests.tui.conftest import AppFactory, Salon, login
from tests.tui.screen_text import screen_text
from widgets.command_form import FIELDS

# (tab key, the field's selector, what to do first to show it)
FIELDS_OF_TABS: list[tuple[str, str, str]] = [
    ("1", "#wishlist-filter", "slash"),
    ("2", "#sessions-search", ""),
    ("3", "#field-client_id", ""),
    ("3", "#field-session_id", ""),
    ("3", "#field-message", ""),
    ("3", "#field-note", "note-type"),
    ("4", "#period-from", "custom-period"),
    ("4", "#period-to", "custom-period"),
]
TAB_NAMES = {"1": "wishlist", "2": "sessions", "3": "commands", "4": "analytics"}
MAIN_WIDGETS = {
    "1": "#wishlist-table",
    "2": "#sessions-list",
    "3": "#history-table",
    "4": "#analytics-body",
}


async def test_escape_leaves_every_field_for_the_tabs_list(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        main = app.screen
        assert isinstance(main, MainScreen)
        for key, selector, setup in FIELDS_OF_TABS:
            await pilot.press(key)
            await app.wait_for(lambda key=key: main.active_tab == TAB_NAMES[key])
            if setup == "slash":
                await pilot.press("slash")  # the filter shows when asked for
            elif setup == "note-type":
                with_note = next(name for name, fields in FIELDS.items() if "note" in fields)
                main.query_one("#command-type", Select).value = with_note
            elif setup == "custom-period":
                picker = main.query_one("PeriodPicker")
                while not picker.has_class("-custom"):
                    picker.cycle()  # type: ignore[attr-defined]
            field = main.query_one(selector, Widget)
            await app.wait_for(lambda field=field: field.display and field.visible)
            field.focus()
            await app.wait_for(lambda field=field: app.focused is field)
            await pilot.press("7")
            await app.wait_for(lambda: "Leave field" in screen_text(app))
            await pilot.press("escape")
            target = main.query_one(MAIN_WIDGETS[key], Widget)
            await app.wait_for(lambda target=target: app.focused is target)
            assert "Leave field" not in screen_text(app), selector
        # Out of the field, a digit is a tab key again.
        await pilot.press("1")
        await app.wait_for(lambda: main.active_tab == "wishlist")
