"""Feed batches that come while someone types wait for the next key's echo (tui/keys_first.py).

The hold itself, on asyncio alone: when a batch is applied at once, when it waits, what ends
the wait (the next key settled, a quiet spell, the hold limit), the order, and a hold that
ends with the session; and in the app, that rows which come while the filter is typed all
reach the table.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot

from core.messages import FeedChanged
from services.feed_types import FeedBatch
from services.models import WishlistEntry
from tabs.wishlist_tab import WishlistTab
from tests.tui.conftest import AppFactory, Salon, login
from tui.keys_first import KeysFirst


class Recorder:
    """What the hold applied, at once (`now`) and after holding (`later`)."""

    def __init__(self) -> None:
        self.now: list[list[str]] = []
        self.later: list[list[str]] = []
        self.settle = asyncio.Event()
        self.settle.set()
        self.settling = 0
        self.changed = asyncio.Event()

    async def settled(self) -> None:
        self.settling += 1
        self.changed.set()
        await self.settle.wait()

    def applied(self, into: list[list[str]]) -> Any:
        def apply(items: list[str]) -> None:
            into.append(items)
            self.changed.set()

        return apply

    def hold(self, window: float = 0.3, limit: float = 1.0) -> KeysFirst[str]:
        return KeysFirst(
            self.applied(self.now),
            self.settled,
            later=self.applied(self.later),
            window=window,
            limit=limit,
        )

    async def until(self, check: Any, limit: float = 2.0) -> None:
        async with asyncio.timeout(limit):
            while not check():
                self.changed.clear()
                await self.changed.wait()


async def test_a_batch_with_no_key_typed_is_applied_at_once() -> None:
    seen = Recorder()
    hold = seen.hold()
    hold.offer("a")
    assert seen.now == [["a"]] and hold.held == 0


async def test_a_batch_after_a_key_waits_for_the_next_key_to_settle() -> None:
    seen = Recorder()
    hold = seen.hold(window=60)  # no quiet spell ends this wait: only the next key
    hold.key_sent()
    hold.offer("a")
    hold.offer("b")
    assert seen.now == [] and seen.later == [] and hold.held == 2
    seen.settle.clear()  # the next key's frame is not drawn yet
    hold.key_sent()
    await seen.until(lambda: seen.settling == 1)
    assert seen.later == []  # still in front of the key's echo: it waits
    seen.settle.set()
    await seen.until(lambda: seen.later)
    assert seen.later == [["a", "b"]] and seen.now == [] and hold.held == 0  # in order, at once


async def test_a_batch_waiting_for_a_key_that_never_comes_goes_after_the_window() -> None:
    seen = Recorder()
    hold = seen.hold(window=0.05)
    hold.key_sent()
    hold.offer("a")
    await seen.until(lambda: seen.later)
    assert seen.later == [["a"]] and seen.settling == 0
    hold.offer("b")  # the window is over (it is what let "a" go): at once
    assert seen.now == [["b"]]


async def test_keys_that_never_settle_hold_a_batch_no_longer_than_the_limit() -> None:
    seen = Recorder()
    seen.settle.clear()
    hold = seen.hold(window=60, limit=0.15)
    hold.key_sent()
    hold.offer("a")
    hold.key_sent()  # a key whose frame never comes
    await seen.until(lambda: seen.later, limit=10)
    assert seen.later == [["a"]] and seen.settling == 1


async def test_a_later_batch_never_overtakes_a_held_one() -> None:
    seen = Recorder()
    hold = seen.hold(window=60)
    hold.key_sent()
    hold.offer("a")
    hold.window = 0.0  # a batch now would go at once, were nothing waiting
    hold.offer("b")
    assert seen.now == [] and hold.held == 2
    hold.key_sent()
    await seen.until(lambda: seen.later)
    assert seen.later == [["a", "b"]] and seen.now == []


async def test_a_hold_ends_with_the_session() -> None:
    seen = Recorder()
    hold = seen.hold(window=0.05)
    hold.key_sent()
    hold.offer("a")
    (waiting,) = [task for task in asyncio.all_tasks() if task.get_name() == "keys-first"]
    hold.close()
    await asyncio.gather(waiting, return_exceptions=True)
    assert waiting.cancelled()
    assert seen.now == [] and seen.later == [] and hold.held == 0
    hold.offer("b")  # a new session's batch, no key typed in it yet: at once
    assert seen.now == [["b"]]


async def filtering(pilot: Pilot[Any], salon: Salon) -> WishlistTab:
    """Logged in, the wishlist's filter field focused."""
    main = await login(pilot, salon.users["operator"])
    await pilot.press("slash")
    return main.query_one("#wishlist-view", WishlistTab)


async def test_rows_that_arrive_while_the_filter_is_typed_are_all_shown(
    make_app: AppFactory, salon: Salon
) -> None:
    # The held batches reach the table: each key in the filter releases what came before it.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        tab = await filtering(pilot, salon)
        keys: list[str] = []
        for index, key in enumerate(("k", "l", "backspace", "backspace", "k", "backspace")):
            row = await salon.add_wish(client_id=f"tg:typed-{index}", client_name=f"Клиент {index}")
            keys.append(str(row["id"]))
            await pilot.press(key)
        await app.wait_for(lambda: all(key in tab.entries for key in keys))
        await app.wait_for(lambda: app.live.keys_first.held == 0)
        await app.wait_for(lambda: set(keys) <= set(tab.table.keys))  # the filter is empty again


async def test_the_app_holds_a_batch_that_comes_just_after_a_key_until_the_next_one(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        tab = await filtering(pilot, salon)
        await pilot.press("k")
        # A batch as the wishlist feed hands it, just after the key (the window is 0.3 s).
        entry = WishlistEntry(
            id=990001,
            tenant_id=salon.tenant_id,
            client_id="tg:held",
            client_name="Придержанная",
            created_at=datetime.now(UTC),
        )
        app.post_message(FeedChanged("wishlist", FeedBatch([entry], [])))
        await app.wait_for(lambda: app.live.keys_first.held == 1)
        assert entry.key not in tab.entries
        await pilot.press("backspace")  # the next key: the batch follows its echo
        await app.wait_for(lambda: entry.key in tab.entries)
        assert tab.filter_field.value == ""
