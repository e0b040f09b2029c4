"""Snapshots of the login screen, in both languages, at 80×24 and 120×40."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from cli.demo import demo_logins
from core.context import DemoLogin
from screens.login import LoginScreen
from tests.tui.conftest import AppFactory
from tests.tui.observed import ObservedApp

DEMO = [
    DemoLogin("operator@lotos.demo", "operator-demo-2026", "operator", "Салон «Лотос»"),
    DemoLogin("viewer@lotos.demo", "viewer-demo-2026", "viewer", "Салон «Лотос»"),
]


async def connected(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, ObservedApp)
    await app.wait_for(
        lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen), 20
    )
    await pilot.pause()


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_login_screen(
    snap_compare: Any, make_app: AppFactory, language: str, size: tuple[int, int]
) -> None:
    app = make_app(language=language, demo_logins=DEMO)
    assert snap_compare(app, run_before=connected, terminal_size=size)


def test_login_error_is_shown_in_plain_words(snap_compare: Any, make_app: AppFactory) -> None:
    app = make_app(language="en")

    async def wrong_password(pilot: Pilot[Any]) -> None:
        await connected(pilot)
        app.screen.query_one("#email").focus()
        await pilot.press(*"nobody@salon.test", "tab", *"not the password", "enter")
        await app.wait_for(lambda: not app.screen.busy, 20)  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, run_before=wrong_password, terminal_size=(80, 24))


def test_login_screen_with_the_whole_demo_list_ru(snap_compare: Any, make_app: AppFactory) -> None:
    """`agentp demo`'s six logins at 80×24: no line wraps («только просмотр» included)."""
    app = make_app(language="ru", demo_logins=demo_logins())
    assert snap_compare(app, run_before=connected, terminal_size=(80, 24))
