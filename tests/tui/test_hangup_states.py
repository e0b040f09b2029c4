"""A dropped terminal ends the app within 2 s, whatever it was doing (issue 15).

The terminal's master side is closed, as a dropped SSH connection does, in each state: the
login screen, every tab, every modal, the composer with text typed after `m` from an open
conversation (the case that left processes alive for hours), the lock screen, and an analytics
sync waiting on a YClients that never answers.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack.demo_tenants import LOTOS
from tests.tui.conftest import PASSWORD, Salon, StackProcess
from tests.tui.pty_app import PtyApp

HANG_UP_LIMIT = 2.0


@pytest.fixture
def silent_yclients() -> Iterator[str]:
    """A YClients address that accepts connections and never answers: a sync stays running."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/api/v1"


async def login(term: PtyApp, salon: Salon) -> None:
    email = salon.users["operator"]
    term.write(f"{email}\t{PASSWORD}\r")
    # The status bar says "● live" once every feed is (the email is not on the main screen).
    term.wait_for("● live")


async def at_login(term: PtyApp, salon: Salon) -> None:
    term.write("operator@")


async def on_wishlist(term: PtyApp, salon: Salon) -> None:
    await login(term, salon)


def on_tab(key: str, marker: str) -> Callable[[PtyApp, Salon], object]:
    async def state(term: PtyApp, salon: Salon) -> None:
        await login(term, salon)
        term.write(key)
        term.wait_for(marker)

    return state


async def entry_open(term: PtyApp, salon: Salon) -> None:
    await salon.add_wish(client_name="Агата Кристи")
    await login(term, salon)
    term.wait_for("Агата")
    term.write("\r")
    term.wait_for("Wishlist entry")


async def conversation_open(term: PtyApp, salon: Salon) -> None:
    await salon.add_session(client_name="Анна Петрова")
    await login(term, salon)
    term.write("2")
    term.wait_for("Анна Петрова")
    term.write("\r")
    term.wait_for("Здравствуйте!")


async def composer_from_conversation(term: PtyApp, salon: Salon) -> None:
    await conversation_open(term, salon)
    term.write("m")
    term.write("Добрый")
    term.wait_for("6 / 4,096")


async def confirm_open(term: PtyApp, salon: Salon) -> None:
    await composer_from_conversation(term, salon)
    term.write("\x13")  # Ctrl+S
    term.wait_for("Yes (y)")


async def help_open(term: PtyApp, salon: Salon) -> None:
    await login(term, salon)
    term.write("?")
    term.wait_for("Keys")


async def locked(term: PtyApp, salon: Salon) -> None:
    await login(term, salon)
    term.write("\x0c")  # Ctrl+L
    term.wait_for("Locked")
    term.write("half-typed")


async def syncing(term: PtyApp, salon: Salon) -> None:
    await salon.db.execute(
        "update dashboard.tenants set yclients_company_id = $2, yclients_user_token = $3 "
        "where id = $1",
        salon.tenant_id,
        LOTOS.company_id,
        LOTOS.user_token,
    )
    await login(term, salon)
    term.write("4r")
    term.wait_for("x cancels")


STATES: dict[str, Callable[[PtyApp, Salon], object]] = {
    "login": at_login,
    "wishlist": on_wishlist,
    "sessions": on_tab("2", "search:"),
    "commands": on_tab("3", "New command"),
    "analytics": on_tab("4", "Analytics"),
    "wishlist-entry": entry_open,
    "conversation": conversation_open,
    "composer-with-text": composer_from_conversation,
    "confirm": confirm_open,
    "help": help_open,
    "lock": locked,
    "analytics-sync": syncing,
}


@pytest.mark.parametrize("state", list(STATES))
async def test_hang_up_ends_the_app_within_two_seconds(
    state: str, tui_stack: StackProcess, tmp_path: Path, salon: Salon, silent_yclients: str
) -> None:
    term = PtyApp(
        tui_stack,
        tmp_path,
        settings={"yclients_base_url": silent_yclients, "yclients_partner_token": "partner"},
    )
    try:
        term.wait_for("logs in")
        await STATES[state](term, salon)  # type: ignore[misc]
        term.drain(quiet=0.1)
        term.hang_up()
        assert term.wait_gone(HANG_UP_LIMIT), f"still running {HANG_UP_LIMIT} s after hang-up"
    finally:
        term.close()


@pytest.mark.parametrize("state", ["wishlist", "lock"])
async def test_a_terminal_that_hangs_up_without_sighup_ends_the_app(
    state: str, tui_stack: StackProcess, tmp_path: Path, salon: Salon
) -> None:
    """The terminal is not the app's controlling one (as under setsid or a supervisor): its
    other side closing sends no SIGHUP, reads return end-of-file, and an idle screen writes
    nothing that could fail. Textual's input loop took the end-of-file for an empty pipe and
    read again at full speed: the app lived on for good at a third of a core."""
    term = PtyApp(tui_stack, tmp_path, controlling=False)
    try:
        term.wait_for("logs in")
        await STATES[state](term, salon)  # type: ignore[misc]
        term.drain(quiet=0.5)  # idle: nothing more is written
        term.hang_up()
        # Whether it ends at all (before, it never did); how fast is the test above's deadline.
        assert term.wait_gone(20), "still running 20 s after the terminal hung up"
    finally:
        term.close()
