"""Who else has a conversation open, through Realtime Presence on the app's one socket."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.realtime.service import OpenSocket
from devstack.stack import DevStack
from services.backend import Backend
from services.dashboard import DashboardServices
from services.errors import ServiceError
from services.presence import Viewer, display_name, presence_topic
from tests.services.conftest import MakeUser, add_session, session_for
from tests.services.test_feeds import FAST


class Seen:
    """The viewers one screen was told about, in order; waits on them without sleeping."""

    def __init__(self) -> None:
        self.latest: list[Viewer] = []
        self._changed = asyncio.Event()

    def __call__(self, viewers: list[Viewer]) -> None:
        self.latest = viewers
        self._changed.set()

    def names(self) -> list[str]:
        return [viewer.name for viewer in self.latest]

    async def until(self, check: Callable[[list[str]], bool]) -> None:
        async with asyncio.timeout(30):
            while not check(self.names()):
                self._changed.clear()
                await self._changed.wait()


def services_for(
    backend: Backend, devstack: DevStack, user: dict[str, object], tmp: Path
) -> DashboardServices:
    return DashboardServices(
        backend, SecretStr(devstack.info.service_key), session_for(user), tmp, tuning=FAST
    )


def test_the_display_name_falls_back_to_the_emails_local_part() -> None:
    assert display_name("Анна", "anna@salon.test") == "Анна"
    assert display_name("  ", "oleg.k@salon.test") == "oleg.k"
    assert display_name(None, "vera@salon.test") == "vera"


async def test_two_operators_see_each_other_and_closing_clears_it(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    anna_user = await make_user(tenant_id, "operator")
    await db.execute("update dashboard.users set name = 'Анна' where id = $1", anna_user["id"])
    anna_user["name"] = "Анна"
    oleg_user = await make_user(tenant_id, "operator")  # no name: the email's local part
    anna = services_for(backend, devstack, anna_user, tmp_path / "a")
    oleg = services_for(backend, devstack, oleg_user, tmp_path / "o")
    thread = str((await add_session(db, tenant_id))["id"])
    before = {s.peer for s in devstack.realtime.open_sockets()}
    try:
        anna_sees, oleg_sees = Seen(), Seen()
        anna_watch = await anna.watch_presence(thread, anna_sees)
        await oleg.watch_presence(thread, oleg_sees)
        await anna_sees.until(lambda names: names == [display_name(None, oleg_user["email"])])
        await oleg_sees.until(lambda names: names == ["Анна"])

        # A second screen of Анна's on the same conversation shares her presence.
        composer = Seen()
        second = await anna.watch_presence(thread, composer)
        await composer.until(lambda names: len(names) == 1)
        await anna.stop_presence(anna_watch)
        # Oleg still sees her: the composer keeps the conversation open.
        assert oleg_sees.names() == ["Анна"]

        # Each app has one socket, the presence channel on it.
        opened: list[OpenSocket] = [
            s for s in devstack.realtime.open_sockets() if s.peer not in before
        ]
        topic = "realtime:" + presence_topic(str(tenant_id), thread)
        assert [topic in s.topics for s in opened] == [True, True]

        await anna.stop_presence(second)
        await oleg_sees.until(lambda names: names == [])
    finally:
        await anna.close()
        await oleg.close()


async def test_presence_stays_in_the_tenant(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    stranger = services_for(
        backend, devstack, await make_user(other_tenant_id, "operator"), tmp_path / "s"
    )
    thread = str((await add_session(db, tenant_id))["id"])
    try:
        with pytest.raises(ServiceError):
            await stranger.watch_presence(thread, Seen())
        assert stranger.realtime.connects == 0, "no channel was joined for another salon"
    finally:
        await stranger.close()
