"""Fixtures for flow tests of the app: reuse them to write a new flow test in a few lines.

- `tui_stack`: a devstack in a child process (snapshot tests run the app on their own event
  loop, so the stack cannot live on the test's loop). One per test run.
- `salon`: a fresh tenant with a user of each role (password `PASSWORD`).
- `make_app(...)`: an `ObservedApp` (the App plus `wait_for`, tests/tui/observed.py) pointed at
  the stack, with a fixed clock by default.
- `login(pilot, email)`: types the credentials and waits until the main screen is live.
- `salon.add_wish(...)` / `salon.add_session(...)`: rows written straight into the bot's tables.
See docs/testing.md for an example.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import bcrypt
import pytest
from pydantic import SecretStr
from textual.pilot import Pilot

from cli.stack_process import DevstackProcess, start_devstack
from core.context import DemoLogin
from core.settings import Settings
from tests.tui.observed import ObservedApp

if TYPE_CHECKING:
    from screens.main import MainScreen
    from tests.tui.pty_app import PtyApp

TabT = TypeVar("TabT")

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
PASSWORD_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()
FIXED_NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


# The stack the fixtures start: `.info` (its JSON line), `.url`, `.service_key`, `.database_url`.
StackProcess = DevstackProcess


@contextlib.contextmanager
def stack_process(data_dir: Path) -> Iterator[StackProcess]:
    """`agentp devstack --json` in a child process (the bot only performs commands)."""
    stack = start_devstack(data_dir, "--bot", "0")
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def tui_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    with stack_process(tmp_path_factory.mktemp("tui-stack")) as stack:
        yield stack


@pytest.fixture
def term(tui_stack: StackProcess, tmp_path: Path) -> Iterator[PtyApp]:
    """The real app on a pty (tests/tui/pty_app.py), its login screen drawn."""
    from tests.tui.pty_app import PtyApp  # it imports this module

    app = PtyApp(tui_stack, tmp_path)
    try:
        app.wait_for("logs in")
        yield app
    finally:
        app.close()


@dataclass
class Salon:
    """A tenant of its own, its users by role, and writers for the bot's tables."""

    db: asyncpg.Connection
    tenant_id: uuid.UUID
    name: str
    users: dict[str, str] = field(default_factory=dict)  # role -> email

    async def add_wish(self, **fields: Any) -> dict[str, Any]:
        values = {
            "client_id": f"tg:{uuid.uuid4().hex[:8]}",
            "client_name": "Мария Иванова",
            "client_phone": "+7 912 000-00-01",
            "service_title": "Маникюр",
            **fields,
        }
        columns = ", ".join(["tenant_id", *values])
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 2))
        row = await self.db.fetchrow(
            f"insert into public.wishlist_v2 ({columns}) values ({marks}) returning *",
            self.tenant_id,
            *values.values(),
        )
        return dict(row)

    async def add_session(self, **fields: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "client_id": f"tg:{uuid.uuid4().hex[:8]}",
            "client_name": "Анна Петрова",
            "client_phone": "+7 912 345-67-89",
            "channel": "telegram",
            "status": "active",
            "messages": [
                {
                    "id": "m1",
                    "role": "client",
                    "text": "Здравствуйте!",
                    "at": "2026-11-26T09:00:00+00:00",
                }
            ],
            "last_message_at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
            **fields,
        }
        values["messages"] = json.dumps(values["messages"], ensure_ascii=False)
        columns = ", ".join(["tenant_id", *values])
        marks = ", ".join(
            f"${i}::jsonb" if name == "messages" else f"${i}"
            for i, name in enumerate(["tenant_id", *values], start=1)
        )
        row = await self.db.fetchrow(
            f"insert into public.conversation_sessions_v2 ({columns}) values ({marks}) returning *",
            self.tenant_id,
            *values.values(),
        )
        return dict(row)


async def create_salon(db: asyncpg.Connection, name: str | None = None) -> Salon:
    tag = uuid.uuid4().hex[:8]
    salon_name = name or f"Салон «Тест {tag}»"
    tenant_id = await db.fetchval(
        "insert into dashboard.tenants (name, timezone) values ($1, 'Europe/Moscow') "
        "on conflict (name) do update set name = excluded.name returning id",
        salon_name,
    )
    salon = Salon(db, tenant_id, salon_name)
    for role in ("viewer", "operator", "admin"):
        email = f"{role}-{tag}@salon.test" if name is None else f"{role}@{_slug(name)}.test"
        await db.execute(
            "insert into dashboard.users (tenant_id, email, name, encrypted_password, role) "
            "values ($1, $2, $3, $4, $5) on conflict (email) do nothing",
            tenant_id,
            email,
            {"viewer": "Ирина", "operator": "Ольга", "admin": "Анна"}[role],
            PASSWORD_HASH,
            role,
        )
        salon.users[role] = email
    return salon


def _slug(name: str) -> str:
    """A stable email domain per salon name. Each name must get its own: two Cyrillic names
    once both became `salon`, so the second module's users were never created (`on conflict
    do nothing`) and its snapshots logged into the first module's salon and timed out."""
    ascii_part = "".join(c for c in name.lower() if c.isascii() and c.isalnum())
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{ascii_part or 'salon'}-{digest}"


@pytest.fixture
async def stack_db(tui_stack: StackProcess) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(tui_stack.database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def salon(stack_db: asyncpg.Connection) -> Salon:
    return await create_salon(stack_db)


AppFactory = Callable[..., ObservedApp]


@pytest.fixture
def make_app(tui_stack: StackProcess, tmp_path: Path) -> AppFactory:
    def make(
        *,
        language: str = "en",
        read_only: bool = False,
        clock: Callable[[], datetime] | None = lambda: FIXED_NOW,
        demo_logins: list[DemoLogin] | None = None,
        idle_lock_minutes: int = 15,
        keymap: dict[str, str] | None = None,
        yclients: bool = True,
        key: str = "service_key",  # or "secret_key": Supabase's current kind
    ) -> ObservedApp:
        settings = Settings(
            supabase_url=tui_stack.url,
            supabase_service_key=SecretStr(tui_stack.info[key]),
            language=language,  # type: ignore[arg-type]
            idle_lock_minutes=idle_lock_minutes,
            keymap=keymap or {},
            bell=False,
            cache_dir=tmp_path / "cache",
            yclients_base_url=(tui_stack.info.get("yclients_url") or "http://127.0.0.1:9")
            if yclients
            else "http://127.0.0.1:9",
            yclients_partner_token=SecretStr(tui_stack.info["yclients_partner_token"])
            if yclients and tui_stack.info.get("yclients_partner_token")
            else None,
        )
        return ObservedApp(
            settings,
            read_only=read_only,
            clock=clock,
            demo_logins=demo_logins or [],
            data_dir=tmp_path / "app",
        )

    return make


async def login(pilot: Pilot[Any], email: str, password: str = PASSWORD) -> MainScreen:
    """Log in through the login screen and wait until the app's live feeds are live; the
    main screen it reached."""
    from screens.login import LoginScreen
    from screens.main import MainScreen
    from services.feeds import FeedState

    app = pilot.app
    assert isinstance(app, ObservedApp)
    await app.wait_for(
        lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen), 20
    )
    app.screen.query_one("#email").focus()
    await pilot.press(*email)
    await pilot.press("tab", *password, "enter")
    await app.wait_for(lambda: isinstance(app.screen, MainScreen), 20)
    main = app.screen
    assert isinstance(main, MainScreen)
    await app.wait_for(
        lambda: all(
            app.ctx.feed_status.get(feed) is not None
            and app.ctx.feed_status[feed].state == FeedState.live
            for feed in ("wishlist", "commands", "sessions")
        ),
        20,
    )
    await pilot.pause()
    return main


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config, .env or locale leaks into an app under test."""
    monkeypatch.setenv("AGENTP_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SUPABASE_", "YCLIENTS_", "AGENTP_LANGUAGE")):
            monkeypatch.delenv(name, raising=False)


async def built_tab(app: ObservedApp, kind: type[TabT]) -> TabT:
    """The main screen's tab of type `kind`, once its first show has built it
    (tabs/tab_slot.py: every tab but the wishlist is built when first shown)."""
    from tabs.tab_slot import TabSlot

    def found() -> TabT | None:
        for screen in app.screen_stack:
            for slot in screen.query(TabSlot):
                if isinstance(slot.tab_view, kind):
                    return slot.tab_view
        return None

    await app.wait_for(lambda: found() is not None)
    tab = found()
    assert tab is not None
    return tab
