"""Conversation list: keyset paging, filters, search, tenant isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from services.backend import Backend
from services.conversations import ConversationService, SessionFilter
from services.errors import InvalidInput, NotFound
from services.keyset import Cursor
from services.wishlist import WishlistService
from tests.services.conftest import MakeUser, add_session, add_wish, session_for


@pytest.fixture
async def service(
    backend: Backend, tenant_id: uuid.UUID, make_user: MakeUser
) -> ConversationService:
    return ConversationService(backend, session_for(await make_user(tenant_id, "viewer")))


async def test_paging_visits_every_session_once_newest_first(
    service: ConversationService, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    base = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    created = []
    for i in range(23):
        # Pairs share a timestamp: the id breaks the tie, and no row is skipped or repeated.
        row = await add_session(db, tenant_id, last_message_at=base + timedelta(minutes=i // 2))
        created.append(row)
    seen: list[str] = []
    cursor: Cursor | None = None
    while True:
        page = await service.list(limit=5, after=cursor)
        seen += [item.key for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(str(r["id"]) for r in created)
    assert len(seen) == len(set(seen)) == 23
    firsts = await service.list(limit=1)
    assert firsts.items[0].last_message is not None
    assert firsts.items[0].message_count == 1


async def test_filters_by_status_channel_and_local_date(
    service: ConversationService, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    # 23:30 in Moscow on the 24th is 20:30 UTC: it belongs to the 24th for the salon.
    late = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)
    a = await add_session(
        db, tenant_id, status="waiting_human", channel="whatsapp", last_message_at=late
    )
    await add_session(db, tenant_id, status="active", channel="whatsapp", last_message_at=late)
    await add_session(
        db,
        tenant_id,
        status="waiting_human",
        channel="telegram",
        last_message_at=late + timedelta(hours=4),
    )
    page = await service.list(SessionFilter(status="waiting_human", channel="whatsapp"))
    assert [i.key for i in page.items] == [str(a["id"])]
    day = await service.list(
        SessionFilter(date_from=date(2026, 11, 24), date_to=date(2026, 11, 24))
    )
    assert {i.channel for i in day.items} == {"whatsapp"}


@pytest.mark.parametrize(
    "query", ["+7 (912) 345-67-89", "89123456789", "912 345", "ПЕТРОВ", "окрашивание", "ОКРАШ"]
)
async def test_search_by_phone_name_and_message_text(
    service: ConversationService, db: asyncpg.Connection, tenant_id: uuid.UUID, query: str
) -> None:
    target = await add_session(
        db,
        tenant_id,
        client_name="Ольга Петрова",
        client_phone="8 912 345 67 89",
        messages=[{"id": "1", "role": "client", "text": "Хочу на окрашивание в субботу"}],
    )
    await add_session(db, tenant_id, client_name="Ирина", client_phone="+7 900 111-22-33")
    found = await service.list(SessionFilter(text=query))
    assert [i.key for i in found.items] == [str(target["id"])]


@pytest.mark.parametrize(
    "query", ["%", "_", "*", "a,b", "x)", "(y", "tenant_id.eq.x", "\\", '"', "' or 1=1 --"]
)
async def test_metacharacters_are_plain_text_and_never_escape_the_tenant(
    service: ConversationService,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    query: str,
) -> None:
    await add_session(db, other_tenant_id, client_name=f"Чужой {query}")
    await add_session(db, tenant_id, client_name="Обычное имя")
    mine = await add_session(db, tenant_id, client_name=f"Имя {query} клиента")
    found = await service.list(SessionFilter(text=query))
    assert [i.key for i in found.items] == [str(mine["id"])]


async def test_a_1mb_paste_is_refused_with_a_message(service: ConversationService) -> None:
    with pytest.raises(InvalidInput, match="too long"):
        await service.list(SessionFilter(text="я" * 1_000_000))


async def test_threads_and_wishlist_are_tenant_bound(
    backend: Backend,
    service: ConversationService,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
) -> None:
    foreign = await add_session(db, other_tenant_id)
    mine = await add_session(
        db,
        tenant_id,
        messages=[
            {"id": "1", "role": "client", "text": "[bold]Привет[/bold] \x1b[31m"},
            "not a message",
            {"id": "3", "role": "staff", "text": 42, "author": "Анна"},
        ],
    )
    thread = await service.thread(str(mine["id"]))
    assert [m.text for m in thread.messages] == ["[bold]Привет[/bold] \x1b[31m", "42"]
    with pytest.raises(NotFound):
        await service.thread(str(foreign["id"]))
    assert await service.latest_for_client(foreign["client_id"]) is None

    wish = await add_wish(db, other_tenant_id)
    wishlist = WishlistService(backend, service.session)
    with pytest.raises(NotFound):
        await wishlist.get(str(wish["id"]))
    assert all(str(w.tenant_id) == str(tenant_id) for w in await wishlist.page())


async def test_wishlist_pages_newest_first(
    backend: Backend, service: ConversationService, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    for i in range(9):
        await add_wish(db, tenant_id, client_name=f"Клиент {i}")
    wishlist = WishlistService(backend, service.session)
    first = await wishlist.page(limit=4)
    rest = await wishlist.page(limit=10, before=Cursor(first[-1].created_at, first[-1].key))
    names = [w.client_name for w in first + rest]
    assert names == [f"Клиент {i}" for i in range(8, -1, -1)]


async def test_names_resolve_many_commands_in_two_queries_and_stay_in_the_tenant(
    backend: Backend,
    service: ConversationService,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
) -> None:
    base = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    await add_session(
        db, tenant_id, client_id="tg:1", client_name="Старое Имя", last_message_at=base
    )
    await add_session(
        db,
        tenant_id,
        client_id="tg:1",
        client_name="Анна (новое)",
        last_message_at=base + timedelta(hours=1),
    )
    odd = await add_session(db, tenant_id, client_id='ig:a,b.(c)"*%', client_name="[b]Вера[/b]")
    foreign = await add_session(db, other_tenant_id, client_id="tg:2", client_name="Чужая")
    calls = 0
    run = backend.run

    async def counted(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return await run(*args, **kwargs)  # type: ignore[arg-type]

    backend.run = counted  # type: ignore[method-assign]
    try:
        names, owners = await service.names(
            ["tg:1", 'ig:a,b.(c)"*%', "tg:2", "tg:missing", ""],
            [str(odd["id"]), str(foreign["id"]), "not-a-uuid", str(uuid.uuid4())],
        )
    finally:
        backend.run = run  # type: ignore[method-assign]
    assert calls == 2
    assert names == {"tg:1": "Анна (новое)", 'ig:a,b.(c)"*%': "[b]Вера[/b]"}
    assert owners == {str(odd["id"]): ('ig:a,b.(c)"*%', "[b]Вера[/b]")}
