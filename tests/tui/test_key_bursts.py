"""Keys that reach the app in one read go where they were typed, in order (issue 15).

Each burst is one `os.write` to the app's real terminal, as a password manager's auto-type or a
fast typist over SSH delivers it: the app reads it in one go.
"""

from __future__ import annotations

from tests.tui.conftest import PASSWORD, Salon
from tests.tui.pty_app import PtyApp


def logged_in(term: PtyApp, email: str) -> None:
    # The main screen, every feed live: the status bar says "● live" and the salon's role.
    term.wait_for("● live")
    term.wait_for("Wishlist")


async def test_login_typed_in_one_write(term: PtyApp, salon: Salon) -> None:
    email = salon.users["operator"]
    term.write(f"{email}\t{PASSWORD}\r")
    logged_in(term, email)
    assert "Enter your password" not in term.text()


async def test_wrong_then_right_password_each_in_one_write(term: PtyApp, salon: Salon) -> None:
    email = salon.users["operator"]
    term.write(f"{email}\twrong-password\r")
    term.wait_for("Wrong email or password")
    # The password field is focused again and empty: the next burst is only the password.
    term.write(f"{PASSWORD}\r")
    logged_in(term, email)


async def test_wishlist_filter_typed_and_submitted_in_one_write(term: PtyApp, salon: Salon) -> None:
    await salon.add_wish(client_name="Агата Кристи", service_title="Стрижка")
    await salon.add_wish(client_name="Борис Годунов", service_title="Маникюр")
    email = salon.users["operator"]
    term.write(f"{email}\t{PASSWORD}\r")
    logged_in(term, email)
    term.wait_for("Борис")
    # `/` opens the filter, Enter applies it and returns to the list, and the second Enter is
    # the list's: it opens the one entry left. Before the fix it submitted the filter again.
    term.write("/Агата\r\r")
    term.wait_for("Wishlist entry")
    assert "Агата Кристи" in term.text()


async def test_message_composed_and_sent_in_one_write(term: PtyApp, salon: Salon) -> None:
    await salon.add_wish(client_id="tg:burst-1", client_name="Агата Кристи")
    await salon.add_session(client_id="tg:burst-1", client_name="Агата Кристи")
    email = salon.users["operator"]
    term.write(f"{email}\t{PASSWORD}\r")
    logged_in(term, email)
    term.wait_for("Агата")
    # `m` goes to the composer with the client filled in and the text focused; the text, Ctrl+S
    # (send) and `y` (confirm) follow in the same read.
    term.write("mДобрый день!\x13y")
    term.wait_for("message → Агата Кристи")  # in the history
    term.wait_for("0 / 4,096")  # sent, so the form was cleared
