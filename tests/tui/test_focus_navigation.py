"""Focus after navigation is decided in one place and holds whatever the typing speed (issue 15).

Through the app's real terminal: a navigating key, then text typed 0, 100 or 1,000 ms later (a
person's timing, which is the input under test), then the screen is polled until the text is
where it belongs. `m` in a conversation used to leave the keys nowhere (Text stayed 0 / 4,096)
while the tabs flipped between Sessions and Commands.
"""

from __future__ import annotations

import time

import pytest

from tests.tui.conftest import PASSWORD, Salon
from tests.tui.pty_app import PtyApp

DELAYS_MS = (0, 100, 1000)


async def logged_in(term: PtyApp, salon: Salon) -> None:
    email = salon.users["operator"]
    term.write(f"{email}\t{PASSWORD}\r")
    term.wait_for("● live")  # every feed is live


def after(delay_ms: int, term: PtyApp, text: str) -> None:
    # The human's pause between the navigating key and the next ones (input timing).
    time.sleep(delay_ms / 1000)
    term.write(text)


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
async def test_message_from_a_conversation_reaches_the_composer(
    term: PtyApp, salon: Salon, delay_ms: int
) -> None:
    await salon.add_session(client_name="Анна Петрова")
    await logged_in(term, salon)
    term.write("2")
    term.wait_for("Анна Петрова")
    term.write("\r")
    term.wait_for("Здравствуйте!")
    term.write("m")
    after(delay_ms, term, "Добрый")
    term.wait_for("6 / 4,096")
    term.wait_for("Добрый")


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
async def test_message_from_the_wishlist_reaches_the_composer(
    term: PtyApp, salon: Salon, delay_ms: int
) -> None:
    await salon.add_wish(client_name="Агата Кристи")
    await logged_in(term, salon)
    term.wait_for("Агата")
    term.write("m")
    after(delay_ms, term, "Привет")
    term.wait_for("6 / 4,096")


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
async def test_tab_switch_then_search(term: PtyApp, salon: Salon, delay_ms: int) -> None:
    await salon.add_session(client_name="Анна Петрова")
    await salon.add_session(client_name="Борис Годунов")
    await logged_in(term, salon)
    term.write("2")
    after(delay_ms, term, "/Борис\r")
    term.wait_until(
        lambda: "Борис Годунов" in term.text() and "Анна Петрова" not in term.text(),
        what="the search applied",
    )
