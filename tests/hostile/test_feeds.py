"""The bot's rows as hostile input: names and messages of every kind, JSON of the wrong type,
missing and extra columns. The services parse each row or skip it with a log line; a feed
never stops for a bad row, and never delivers another tenant's.

The bot's real tables (devstack/sql/10_bot_tables.sql) are typed, so wrong column types,
missing and extra columns are tried on scratch tables of the same name pattern, each made for
one test (tests isolate by table name), read by the same services through a backend that
redirects the table name.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from devstack.stack import DevStack
from services.backend import Backend
from services.conversations import ConversationService
from services.dashboard import DashboardServices
from services.errors import ServiceError
from services.feeds import FeedSpec, FeedState, FeedTuning, LiveFeed
from services.models import (
    ConversationSession,
    SessionSummary,
    WishlistEntry,
    parse_messages,
)
from services.wishlist import WishlistService
from tests.hostile.conftest import count, fresh_tenant
from tests.hostile.corpus import CORPUS, storable
from tests.services.conftest import MakeUser, session_for
from tests.services.test_feeds import Recorder, wishlist_spec

FAST = FeedTuning(backoff_base=0.1, backoff_cap=1.0, poll_interval=0.3, batch_interval=0.02)
BASE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TEXTS = [entry.text for entry in CORPUS if storable(entry.text)]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=16,
)
# `messages` as a bot with a bug (or an attacker with the bot's key) might write it.
ODD_MESSAGES: list[Any] = [
    {"not": "an array"},
    "a string",
    42,
    True,
    [],
    [None, 1, "text", [], {}],
    [{"text": 123, "role": "client"}],
    [{"text": {"nested": True}}],
    [{"text": None}],
    [{"role": ["staff"], "text": "role is a list"}],
    [{"at": "not a time", "text": "bad time"}],
    [{"at": 1732600000, "text": "epoch time"}],
    [{"at": "2026-13-45T99:99:99", "text": "impossible time"}],
    [{"id": {"a": 1}, "text": "object id"}],
    [{"author": 5, "role": "staff", "text": "numeric author"}],
    [{"text": "ok", "attachments": [{"url": "https://x"}], "delivered": True}],
    [{"text": "\x1b[31mred\x1b[0m [bold]b[/bold]", "role": "client"}],
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    [{"id": f"m{i}", "role": "client", "text": f"сообщение {i}"} for i in range(3000)],
]


@dataclass
class Salons:
    tenant: uuid.UUID
    other: uuid.UUID
    services: DashboardServices
    wishes: Recorder = field(default_factory=Recorder)
    sessions: Recorder = field(default_factory=Recorder)


@pytest.fixture
async def salons(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    make_user: MakeUser,
    tmp_path: Path,
) -> AsyncIterator[Salons]:
    tenant = await fresh_tenant(db, "hostile-feed")
    other = await fresh_tenant(db, "hostile-feed-other")
    viewer = session_for(await make_user(tenant, "viewer"))
    services = DashboardServices(
        backend, SecretStr(devstack.info.service_key), viewer, tmp_path / "outbox", FAST
    )
    salons = Salons(tenant, other, services)
    await services.watch_wishlist(salons.wishes.on_batch, salons.wishes.on_status)
    await services.watch_sessions(salons.sessions.on_batch, salons.sessions.on_status, window=500)
    try:
        for recorder in (salons.wishes, salons.sessions):
            await recorder.wait_for(lambda r=recorder: FeedState.live in r.states)  # type: ignore[misc]
        yield salons
    finally:
        await services.close()


async def insert_hostile_wishes(db: asyncpg.Connection, tenant: uuid.UUID) -> dict[str, str]:
    """One wish per storable corpus text in every text column; id -> text."""
    made: dict[str, str] = {}
    for i, text in enumerate(TEXTS):
        row_id = await db.fetchval(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, client_phone,"
            " service_title, comment, status, created_at)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
            tenant,
            text,
            text,
            text,
            text,
            text,
            text,
            BASE + timedelta(seconds=i),
        )
        made[str(row_id)] = text
    return made


async def insert_hostile_sessions(db: asyncpg.Connection, tenant: uuid.UUID) -> dict[str, Any]:
    """One conversation per corpus text (name and message) and per odd `messages` value."""
    made: dict[str, Any] = {}
    values: list[tuple[str, Any]] = [
        (text, [{"id": "m1", "role": "client", "text": text, "at": BASE.isoformat()}])
        for text in TEXTS
    ]
    values += [(f"odd-{i}", messages) for i, messages in enumerate(ODD_MESSAGES)]
    for i, (name, messages) in enumerate(values):
        row_id = await db.fetchval(
            "insert into public.conversation_sessions_v2 (tenant_id, client_id, client_name,"
            " channel, status, messages, last_message_at)"
            " values ($1, $2, $3, $4, $5, $6::jsonb, $7) returning id",
            tenant,
            name,
            name,
            name,
            name,
            json.dumps(messages, ensure_ascii=False),
            BASE + timedelta(seconds=i),
        )
        made[str(row_id)] = (name, messages)
    return made


async def test_hostile_bot_rows_arrive_literally_and_only_for_their_tenant(
    salons: Salons, db: asyncpg.Connection
) -> None:
    await insert_hostile_wishes(db, salons.other)
    await insert_hostile_sessions(db, salons.other)
    wishes = await insert_hostile_wishes(db, salons.tenant)
    sessions = await insert_hostile_sessions(db, salons.tenant)
    count("feeds.wishlist-rows", len(wishes))
    count("feeds.session-rows", len(sessions))

    await salons.wishes.wait_for(lambda: set(wishes) <= set(salons.wishes.latest))
    await salons.sessions.wait_for(lambda: set(sessions) <= set(salons.sessions.latest))
    assert set(salons.wishes.latest) == set(wishes), "another tenant's wish was delivered"
    assert set(salons.sessions.latest) == set(sessions), "another tenant's session was delivered"
    for key, text in wishes.items():
        entry: WishlistEntry = salons.wishes.latest[key]
        fields = (entry.client_id, entry.client_name, entry.client_phone, entry.comment)
        assert fields == (text, text, text, text)
        assert (entry.service_title, entry.status) == (text, text)
    for key, (name, messages) in sessions.items():
        session: ConversationSession = salons.sessions.latest[key]
        assert (session.client_name, session.channel, session.status) == (name, name, name)
        if not name.startswith("odd-"):
            assert [m.text for m in session.messages] == [messages[0]["text"]]
    assert salons.wishes.states[-1] == salons.sessions.states[-1] == FeedState.live

    # The same rows through the services the tabs use.
    page = await salons.services.wishlist.page(limit=1000)
    assert {entry.key: entry.client_name for entry in page} == wishes
    listed = await salons.services.conversations.list(limit=500)
    assert {item.key for item in listed.items} == set(sessions)
    for key, (name, _) in sessions.items():
        thread = await salons.services.conversations.thread(key)
        assert thread.client_name == name


async def test_odd_messages_keep_what_can_be_read_and_log_what_is_skipped(
    backend: Backend,
    db: asyncpg.Connection,
    make_user: MakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tenant = await fresh_tenant(db, "hostile-messages")
    service = ConversationService(backend, session_for(await make_user(tenant, "viewer")))
    made = await insert_hostile_sessions(db, tenant)
    listed = {item.key: item for item in (await service.list(limit=500)).items}
    assert set(listed) == set(made)
    for key, (name, messages) in made.items():
        count("feeds.thread")
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="services"):
            thread = await service.thread(key)
        readable = (
            [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
        )
        assert len(thread.messages) <= len(readable)
        junk = isinstance(messages, list) and len(thread.messages) < len(messages)
        if junk:
            assert any("skipped" in r.getMessage() for r in caplog.records), name
            assert not any(name in r.getMessage() for r in caplog.records if name != "odd-0")
        for message in thread.messages:
            assert isinstance(message.text, str)
    epoch = next(k for k, (n, _) in made.items() if n == "odd-11")
    bad_time = next(k for k, (n, _) in made.items() if n == "odd-10")
    # A message with an unreadable time is still a message: shown, without a time.
    for key in (epoch, bad_time):
        thread = await service.thread(key)
        assert len(thread.messages) == 1 and thread.messages[0].at is None
    big = next(k for k, (n, _) in made.items() if n == "odd-18")
    assert len((await service.thread(big)).messages) == 3000


async def test_an_empty_thread_is_not_logged_as_malformed(
    backend: Backend,
    db: asyncpg.Connection,
    make_user: MakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log names real problems only: a conversation without messages is not one."""
    tenant = await fresh_tenant(db, "hostile-empty")
    await db.execute(
        "insert into public.conversation_sessions_v2 (tenant_id, client_id) values ($1, 'tg:0')",
        tenant,
    )
    service = ConversationService(backend, session_for(await make_user(tenant, "viewer")))
    with caplog.at_level(logging.INFO, logger="services"):
        page = await service.list()
        thread = await service.thread(page.items[0].key)
    count("feeds.thread")
    assert page.items[0].last_message is None and thread.messages == []
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]


# -- wrong column types, missing and extra columns -------------------------------------------
@dataclass
class Redirect(Backend):
    """The same services, reading a scratch table where they would read the bot's."""

    tables: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def table(self, schema: str, name: str) -> Any:
        schema, name = self.tables.get((schema, name), (schema, name))
        return super().table(schema, name)


@dataclass
class Scratch:
    wishlist: str
    sessions: str
    tenant: uuid.UUID
    backend: Redirect


@pytest.fixture
async def scratch(
    backend: Backend, devstack: DevStack, db: asyncpg.Connection
) -> AsyncIterator[Scratch]:
    tag = uuid.uuid4().hex[:10]
    wishlist, sessions = f"hostile_wishlist_{tag}", f"hostile_sessions_{tag}"
    # The bot's columns with other types (numbers, JSON, arrays, free text for times), nothing
    # required, and columns the dashboard has never heard of.
    await db.execute(
        f"""
        create table public.{wishlist} (
          id bigint generated by default as identity primary key,
          tenant_id uuid, client_id bigint, client_name jsonb, client_phone bigint,
          service_title text[], comment jsonb, status integer,
          created_at text, updated_at text,
          surprise jsonb, "column with spaces" text, "ключ" text
        );
        create table public.{sessions} (
          id text primary key, tenant_id uuid, client_id jsonb, client_name text[],
          channel integer, status jsonb, bot_paused text, messages text,
          started_at text, last_message_at text, updated_at text, extra_blob bytea
        );
        grant select on public.{wishlist}, public.{sessions} to service_role;
        alter publication supabase_realtime add table public.{wishlist}, public.{sessions};
        """
    )
    await devstack.rest.reload_schema()
    tenant = await fresh_tenant(db, "hostile-scratch")
    redirect = Redirect(
        backend.client,
        backend.url,
        backend.http,
        tables={
            ("public", "wishlist_v2"): ("public", wishlist),
            ("public", "conversation_sessions_v2"): ("public", sessions),
        },
    )
    try:
        yield Scratch(wishlist, sessions, tenant, redirect)
    finally:
        await db.execute(f"drop table public.{wishlist}; drop table public.{sessions};")
        await devstack.rest.reload_schema()


WELL_FORMED_WISHES: list[dict[str, Any]] = [
    {"client_id": 42, "client_name": '"Анна"', "created_at": "2026-11-20T12:00:00+00:00"},
    {
        "client_id": 43,
        "client_name": '{"first": "Вера"}',
        "status": 2,
        "created_at": "2026-11-20T12:00:01Z",
        "surprise": '{"x": [1, 2]}',
    },
    {
        "client_id": 44,
        "service_title": "{Маникюр,Педикюр}",
        "client_phone": 79120000001,
        "created_at": "2026-11-20 12:00:02",
    },
    {
        "client_id": 45,
        "comment": "[1, 2, 3]",
        "ключ": "значение",
        "created_at": "2026-11-20T12:00:03+03:00",
        "updated_at": "garbage",
    },
]
MALFORMED_WISHES: list[dict[str, Any]] = [
    {"client_id": None, "created_at": "2026-11-20T12:00:04Z"},
    {"client_id": 46, "created_at": "not a time"},
    {"client_id": 47, "created_at": None},
    {"client_id": 48, "created_at": ""},
]


async def insert_rows(
    db: asyncpg.Connection, table: str, tenant: uuid.UUID, rows: list[dict[str, Any]]
) -> list[str]:
    ids = []
    for row in rows:
        values = {"tenant_id": tenant, **row}
        columns = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        casts = await db.fetch(
            "select attname, format_type(atttypid, atttypmod) as type from pg_attribute"
            " where attrelid = $1::regclass and attnum > 0",
            f"public.{table}",
        )
        types = {row_["attname"]: row_["type"] for row_ in casts}
        marks = ", ".join(
            f"${i}::text::{types[name]}" if values[name] is not None else f"${i}::{types[name]}"
            for i, name in enumerate(values, start=1)
        )
        row_id = await db.fetchval(
            f"insert into public.{table} ({columns}) values ({marks}) returning id",
            *[None if v is None else str(v) for v in values.values()],
        )
        ids.append(str(row_id))
    return ids


async def test_wrong_types_missing_and_extra_columns_are_parsed_or_skipped_with_a_log_line(
    scratch: Scratch,
    devstack: DevStack,
    db: asyncpg.Connection,
    make_user: MakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = await insert_rows(db, scratch.wishlist, scratch.tenant, WELL_FORMED_WISHES[:2])
    bad = await insert_rows(db, scratch.wishlist, scratch.tenant, MALFORMED_WISHES[:2])
    recorder = Recorder()
    feed: LiveFeed[WishlistEntry] = LiveFeed(
        backend=scratch.backend,
        key=SecretStr(devstack.info.service_key),
        spec=FeedSpec(
            name="wishlist",
            schema="public",
            table=scratch.wishlist,
            parse=WishlistEntry.model_validate,
            cursor_column="created_at",
            filter_column="tenant_id",
            filter_value=str(scratch.tenant),
            version_column="updated_at",
        ),
        on_batch=recorder.on_batch,
        on_status=recorder.on_status,
        tuning=FAST,
    )
    with caplog.at_level(logging.WARNING, logger="services"):
        await feed.start()
        try:
            await recorder.wait_for(lambda: FeedState.live in recorder.states)
            # Now live: the rest arrive through realtime rather than the first read.
            good += await insert_rows(db, scratch.wishlist, scratch.tenant, WELL_FORMED_WISHES[2:])
            bad += await insert_rows(db, scratch.wishlist, scratch.tenant, MALFORMED_WISHES[2:])
            await recorder.wait_for(lambda: set(good) <= set(recorder.latest))
            # A well-formed row after the malformed ones proves the feed went past them.
            good += await insert_rows(db, scratch.wishlist, scratch.tenant, WELL_FORMED_WISHES[:1])
            await recorder.wait_for(lambda: set(good) <= set(recorder.latest))
        finally:
            await feed.stop()
    count("feeds.scratch-wishlist", len(good) + len(bad))
    assert set(recorder.latest) == set(good)
    assert FeedState.reconnecting not in recorder.states, "a bad row cost the connection"
    anna = recorder.latest[good[0]]
    assert (anna.client_id, anna.client_name) == ("42", "Анна")
    skipped = [
        r.getMessage() for r in caplog.records if "skipped a malformed row" in r.getMessage()
    ]
    assert {key for key in bad if any(f"id {key}" in line for line in skipped)} == set(bad)
    assert not any("not a time" in line for line in skipped), "row content reached the log"

    # The services the tabs use: the same rows, the same leniency, a plain error for one row.
    viewer = session_for(await make_user(scratch.tenant, "viewer"))
    with caplog.at_level(logging.WARNING, logger="services"):
        page = await WishlistService(scratch.backend, viewer).page(limit=100)
    assert {entry.key for entry in page} == set(good)
    with pytest.raises(ServiceError) as caught:
        await WishlistService(scratch.backend, viewer).get(bad[1])
    assert "cannot be read" in str(caught.value)


async def test_sessions_with_wrong_types_are_parsed_or_refused_in_a_sentence(
    scratch: Scratch, db: asyncpg.Connection, make_user: MakeUser
) -> None:
    rows: list[dict[str, Any]] = [
        {
            "id": "s1",
            "client_id": '"tg:1"',
            "client_name": "{Анна,Петрова}",
            "channel": 7,
            "status": '{"s": "active"}',
            "bot_paused": "yes",
            "messages": '[{"text": "hi"}]',
            "started_at": "2026-11-20T12:00:00Z",
            "last_message_at": "2026-11-20T12:00:00Z",
        },
        {
            "id": "s2",
            "client_id": "12345",
            "messages": "not json at all",
            "started_at": "yesterday",
            "last_message_at": "2026-11-20T12:00:01Z",
        },
        {"id": "s3", "client_id": None, "last_message_at": "2026-11-20T12:00:02Z"},
    ]
    await insert_rows(db, scratch.sessions, scratch.tenant, rows)
    service = ConversationService(
        scratch.backend, session_for(await make_user(scratch.tenant, "viewer"))
    )
    count("feeds.scratch-sessions", len(rows))
    first = await service.thread("s1")
    assert first.client_id == "tg:1" and first.bot_paused is True
    second = await service.thread("s2")
    assert second.messages == [] and second.started_at is None
    with pytest.raises(ServiceError) as caught:
        await service.thread("s3")
    assert "cannot be read" in str(caught.value)
    latest = await service.latest_for_client("12345")
    assert latest is not None and latest.key == "s2"


# -- the parsers, with any JSON at all -------------------------------------------------------
WISH_KEYS = st.sampled_from(
    [
        "id",
        "tenant_id",
        "client_id",
        "client_name",
        "client_phone",
        "service_title",
        "comment",
        "status",
        "created_at",
        "updated_at",
    ]
)
SESSION_KEYS = st.sampled_from(
    [
        "id",
        "tenant_id",
        "client_id",
        "client_name",
        "client_phone",
        "channel",
        "status",
        "bot_paused",
        "messages",
        "started_at",
        "last_message_at",
        "activity_at",
        "message_count",
        "last_message",
    ]
)


def row_of(keys: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    base = st.fixed_dictionaries(
        {
            "id": st.integers(1, 10**6) | st.uuids().map(str),
            "tenant_id": st.uuids().map(str),
            "client_id": st.text(min_size=1, max_size=20),
            "created_at": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
        }
    )
    noise = st.dictionaries(keys | st.text(max_size=8), JSON, max_size=6)
    return st.tuples(base, noise).map(lambda pair: {**pair[0], **pair[1]})


@settings(max_examples=400, deadline=None)
@given(row=row_of(WISH_KEYS) | st.dictionaries(st.text(), JSON))
def test_any_wishlist_row_parses_or_fails_as_a_validation_error(row: dict[str, Any]) -> None:
    count("feeds.parse.hypothesis")
    try:
        entry = WishlistEntry.model_validate(row)
    except ValidationError:
        return
    assert isinstance(entry.client_id, str)
    assert entry.client_name is None or isinstance(entry.client_name, str)


@settings(max_examples=400, deadline=None)
@given(row=row_of(SESSION_KEYS) | st.dictionaries(st.text(), JSON))
def test_any_session_row_parses_or_fails_as_a_validation_error(row: dict[str, Any]) -> None:
    count("feeds.parse.hypothesis")
    for model in (ConversationSession, SessionSummary):
        try:
            parsed = model.model_validate(row)
        except ValidationError:
            continue
        assert isinstance(parsed.client_id, str)


@settings(max_examples=400, deadline=None)
@given(raw=JSON)
def test_any_messages_value_gives_a_list_of_messages(raw: Any) -> None:
    count("feeds.parse.hypothesis")
    messages = parse_messages(raw)
    assert all(isinstance(m.text, str) for m in messages)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(row_of(WISH_KEYS) | st.dictionaries(st.text(), JSON), max_size=5))
def test_a_feed_absorbs_any_rows_without_raising(backend: Backend, rows: list[Any]) -> None:
    count("feeds.absorb.hypothesis")
    tenant = "6f1c1f5e-0000-4000-8000-000000000001"
    feed: LiveFeed[WishlistEntry] = LiveFeed(
        backend=backend,
        key=SecretStr("unused"),
        spec=wishlist_spec(tenant),
        on_batch=lambda batch: None,
    )
    delivered = feed._absorb([{**row, "tenant_id": tenant} for row in rows])
    assert all(str(item.tenant_id) == tenant for item in delivered)
