"""The two screens the App's parts act on, found in the screen stack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from screens.login import LoginScreen

if TYPE_CHECKING:
    from screens.main import MainScreen


def login_screen(app: App[Any]) -> LoginScreen | None:
    # The login screen is the bottom of the stack; None while the app is closing (its screens
    # are already gone).
    bottom = app.screen_stack[0] if app.screen_stack else None
    return bottom if isinstance(bottom, LoginScreen) else None


def main_screen(app: App[Any]) -> MainScreen | None:
    # Imported here, not at the top: the main screen's modules load after the first paint.
    from screens.main import MainScreen

    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    return None
