"""Session search and filters with hostile text: metacharacters are literal, the tenant filter
holds, and a search finds exactly the sessions that contain the text.

Two tenants hold the same hostile names and messages. The oracle is Postgres itself with
`strpos` (no wildcards, no escapes) on lower-cased text, which is what ILIKE compares, so a
metacharacter that leaked into the pattern would show as a difference.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.backend import Backend
from services.conversations import MAX_SEARCH_CHARS, ConversationService, SessionFilter
from services.errors import InvalidInput, NotFound
from services.phones import looks_like_phone, phone_digits
from services.wishlist import WishlistService
from tests.hostile.conftest import check_each, count, fresh_tenant
from tests.hostile.corpus import CORPUS, Hostile, huge, storable
from tests.services.conftest import MakeUser, session_for

BASE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
METACHARACTERS = ",.()*%_\\'\"[]{}:;-+ &?#=!~^$|/<>@\t"


@dataclass
class World:
    tenant: uuid.UUID
    other: uuid.UUID
    service: ConversationService
    wishlist: WishlistService
    db: asyncpg.Connection
    by_text: dict[str, set[str]]  # the tenant's sessions holding each corpus text
    other_ids: set[str]

    @property
    def own_ids(self) -> set[str]:
        return set().union(*self.by_text.values())


async def seed(db: asyncpg.Connection, tenant: uuid.UUID) -> dict[str, set[str]]:
    """One conversation per storable corpus entry: the text in the name, a message, the status
    or the channel, so every field the search and the filters read carries hostile text."""
    ids: dict[str, set[str]] = {}
    for i, entry in enumerate(e for e in CORPUS if storable(e.text)):
        text = entry.text
        messages = [
            {"id": "m1", "role": "client", "text": text if i % 2 else "Здравствуйте"},
            {"id": "m2", "role": "bot", "text": f"ответ {i}"},
        ]
        row_id = await db.fetchval(
            "insert into public.conversation_sessions_v2 (tenant_id, client_id, client_name,"
            " client_phone, channel, status, messages, last_message_at)"
            " values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) returning id",
            tenant,
            f"tg:{i}",
            text if i % 2 == 0 else f"Клиент {i}",
            f"+7 912 000-{i // 100:02d}-{i % 100:02d}",
            text if i % 3 == 1 else "telegram",
            text if i % 3 == 0 else "active",
            json.dumps(messages, ensure_ascii=False),
            BASE + timedelta(minutes=i),
        )
        ids.setdefault(text, set()).add(str(row_id))
    return ids


@pytest.fixture
async def world(
    backend: Backend, db: asyncpg.Connection, make_user: MakeUser
) -> AsyncIterator[World]:
    tenant = await fresh_tenant(db, "hostile-search")
    other = await fresh_tenant(db, "hostile-search-other")
    by_text = await seed(db, tenant)
    other_ids = set().union(*(await seed(db, other)).values())
    viewer = session_for(await make_user(tenant, "viewer"))
    yield World(
        tenant,
        other,
        ConversationService(backend, viewer),
        WishlistService(backend, viewer),
        db,
        by_text,
        other_ids,
    )


async def oracle(world: World, needle: str | None) -> set[str]:
    """The tenant's sessions containing `needle` literally (any case), or matching as a phone."""
    digits = None
    if needle is not None and looks_like_phone(needle):
        digits = phone_digits(needle)
        digits = digits[1:] if len(digits) == 11 and digits.startswith("7") else digits
    rows = await world.db.fetch(
        """
        select s.id::text from public.conversation_sessions_v2 s
        where s.tenant_id = $1 and (
          ($2::text is null and nullif($3::text, '') is null)
          or strpos(lower(coalesce(s.client_name, '')), lower($2)) > 0
          or exists (select 1 from jsonb_array_elements(s.messages) m
                     where jsonb_typeof(m) = 'object'
                       and strpos(lower(coalesce(m ->> 'text', '')), lower($2)) > 0)
          or (nullif($3::text, '') is not null and strpos(
                regexp_replace(regexp_replace(coalesce(s.client_phone, ''), '\\D', '', 'g'),
                               '^[78]([0-9]{10})$', '\\1'), $3) > 0))
        """,
        world.tenant,
        needle,
        digits,
    )
    return {row["id"] for row in rows}


async def search_matches_oracle(world: World, text: str) -> None:
    needle = text.strip() or None
    unsendable = "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    if unsendable or (needle is not None and len(needle) > MAX_SEARCH_CHARS):
        with pytest.raises(InvalidInput) as caught:
            await world.service.list(SessionFilter(text=text), limit=500)
        assert str(caught.value).startswith("the search text"), str(caught.value)
        return
    page = await world.service.list(SessionFilter(text=text), limit=500)
    found = {item.key for item in page.items}
    assert not found & world.other_ids, "another tenant's session in the results"
    assert found <= world.own_ids
    expected = await oracle(world, needle)
    assert found == expected, f"missing {len(expected - found)}, unexpected {len(found - expected)}"


async def test_every_hostile_search_finds_exactly_the_sessions_containing_it(
    world: World,
) -> None:
    async def check(entry: Hostile) -> None:
        await search_matches_oracle(world, entry.text)
        # The text with ordinary words around it: the metacharacters must stay literal inside.
        await search_matches_oracle(world, f"x{entry.text}y")

    await check_each("search.text", [*CORPUS, *huge()], check)


async def test_a_hostile_name_is_found_by_its_literal_text(world: World) -> None:
    """Not just agreement with the oracle: the seeded row itself comes back."""

    async def check(entry: Hostile) -> None:
        text = entry.text.strip()
        if not text or not storable(text) or len(text) > MAX_SEARCH_CHARS:
            return
        page = await world.service.list(SessionFilter(text=text), limit=500)
        found = {item.key for item in page.items}
        assert world.by_text[entry.text] <= found, "the session holding this text was not found"

    await check_each("search.literal", CORPUS, check)


async def test_hostile_status_and_channel_filters_match_exactly(world: World) -> None:
    async def check(entry: Hostile) -> None:
        for column in ("status", "channel"):
            filters = SessionFilter(**{column: entry.text})  # type: ignore[arg-type]
            if not storable(entry.text):
                with pytest.raises(InvalidInput):
                    await world.service.list(filters, limit=500)
                continue
            page = await world.service.list(filters, limit=500)
            found = {item.key for item in page.items}
            assert found <= world.own_ids, "another tenant's session in the results"
            if entry.text:
                assert all(getattr(item, column) == entry.text for item in page.items)
                expected = await world.db.fetchval(
                    f"select count(*) from public.conversation_sessions_v2"
                    f" where tenant_id = $1 and {column} = $2",
                    world.tenant,
                    entry.text,
                )
                assert len(found) == expected

    await check_each("search.filters", CORPUS, check)


async def test_hostile_ids_are_not_found_never_an_error(world: World) -> None:
    foreign = next(iter(world.other_ids))

    async def check(entry: Hostile) -> None:
        for lookup in (world.service.thread, world.wishlist.get):
            with pytest.raises(NotFound):
                await lookup(entry.text)
        latest = await world.service.latest_for_client(entry.text)
        assert latest is None or str(latest.tenant_id) == str(world.tenant)

    await check_each("search.ids", [*CORPUS, Hostile("uuid-foreign", "uuid", foreign)], check)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(
        alphabet=st.one_of(
            st.sampled_from(METACHARACTERS), st.sampled_from("аяАЯzZ19ё"), st.characters()
        ),
        max_size=24,
    )
)
async def test_any_search_text_agrees_with_the_literal_oracle(world: World, text: str) -> None:
    count("search.hypothesis")
    await search_matches_oracle(world, text)
