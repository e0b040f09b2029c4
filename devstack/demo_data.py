"""Demo data: the two salons of `demo_tenants`, their staff accounts, a few hundred
conversations each and their wishlists.

The words are deterministic for a seed (one `random.Random` stream per salon), the times are
relative to now, so a demo started today looks alive today. Seeding is idempotent: a salon
that already exists (by name) is left alone, so a kept data dir is never seeded twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import bcrypt

from devstack import demo_corpus as c
from devstack.demo_tenants import (
    DEMO_CREDENTIALS,
    DEMO_TENANTS,
    INACTIVE_USER_EMAILS,
    STAFF_NAMES,
    DemoTenant,
)
from devstack.demo_threads import Line, Thread, build_thread, iso_at, wish

# The credentials live with the tenants; re-exported for the demo banner, which prints them.
__all__ = ["DEMO_CREDENTIALS", "seed_demo"]

log = logging.getLogger(__name__)

BCRYPT_COST = 12
SESSIONS_PER_TENANT = 300
CLIENTS_PER_TENANT = 220
# Serialises concurrent seeders (two `agentp devstack` on one data dir): the second one waits,
# then sees the salons and does nothing.
_SEED_LOCK = 0x5EED_A9E7
WISHLIST_STATUS_WEIGHTS = {"waiting": 50, "offered": 20, "booked": 20, "cancelled": 10}


@dataclass(frozen=True)
class Client:
    client_id: str
    person: c.Person
    name: str
    phone: str
    channel: str


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=BCRYPT_COST)).decode()


async def _hash_passwords() -> tuple[dict[str, str], str]:
    """(password -> bcrypt hash, each distinct password hashed once; the hash for accounts that
    cannot log in: a random password nobody knows), all in threads side by side."""
    passwords = sorted({cred.password for cred in DEMO_CREDENTIALS})
    *hashes, locked = await asyncio.gather(
        *(asyncio.to_thread(_hash, p) for p in [*passwords, secrets.token_urlsafe(24)])
    )
    return dict(zip(passwords, hashes, strict=True)), locked


async def seed_demo(conn: asyncpg.Connection, *, seed: int) -> None:
    names = [t.name for t in DEMO_TENANTS]
    if await _existing(conn, names) == set(names):
        return
    started = time.perf_counter()
    hashes, locked = await _hash_passwords()
    now = datetime.now(UTC)
    async with conn.transaction():
        await conn.execute("select pg_advisory_xact_lock($1)", _SEED_LOCK)
        existing = await _existing(conn, names)
        for tenant in DEMO_TENANTS:
            if tenant.name not in existing:
                await _seed_tenant(
                    conn, tenant, random.Random(f"{seed}/{tenant.key}"), now, hashes, locked
                )
    log.info("demo data seeded in %.2fs", time.perf_counter() - started)


async def _existing(conn: asyncpg.Connection, names: list[str]) -> set[str]:
    rows = await conn.fetch(
        "select name from dashboard.tenants where name = any($1::text[])", names
    )
    return {row["name"] for row in rows}


async def _seed_tenant(
    conn: asyncpg.Connection,
    tenant: DemoTenant,
    rng: random.Random,
    now: datetime,
    hashes: dict[str, str],
    locked_hash: str,
) -> None:
    tenant_id: uuid.UUID = await conn.fetchval(
        "insert into dashboard.tenants (name, timezone, yclients_company_id, yclients_user_token) "
        "values ($1, $2, $3, $4) returning id",
        tenant.name,
        tenant.timezone,
        tenant.company_id,
        tenant.user_token,
    )
    users = [
        (
            tenant_id,
            cred.email,
            STAFF_NAMES[(tenant.key, cred.role)],
            hashes[cred.password],
            cred.role,
            True,
        )
        for cred in DEMO_CREDENTIALS
        if cred.tenant == tenant.name
    ]
    users.append(
        (
            tenant_id,
            INACTIVE_USER_EMAILS[tenant.key],
            "Бывший сотрудник",
            locked_hash,
            "operator",
            False,
        )
    )
    await conn.executemany(
        "insert into dashboard.users (tenant_id, email, name, encrypted_password, role, active) "
        "values ($1, $2, $3, $4, $5, $6)",
        users,
    )
    admin = STAFF_NAMES[(tenant.key, "admin")]
    clients = _clients(rng, tenant)
    sessions: list[tuple[Any, ...]] = []
    wishes: list[tuple[Any, ...]] = []
    for index in range(SESSIONS_PER_TENANT):
        client = clients[index] if index < len(clients) else rng.choice(clients)
        opening = None
        if index < len(c.NASTY_TEXTS) and (tenant.key == "lotos" or index == 1):
            opening = c.NASTY_TEXTS[index]
        thread = build_thread(rng, tenant.key, client.person, admin, opening)
        age = _age(rng, index)
        row, last_at = _session_row(rng, tenant_id, client, thread, now, age)
        sessions.append(row)
        if thread.outcome == "wishlist":
            wishes.append(_wishlist_row(rng, tenant, tenant_id, client, thread, last_at, now))
    # Wishes taken by phone, without a thread; in «Лотос» the first is the nasty-named client's.
    for extra in range(8):
        if extra == 0 and tenant.key == "lotos":
            wishes.append(
                _wishlist_row(
                    rng,
                    tenant,
                    tenant_id,
                    clients[0],
                    None,
                    now - timedelta(seconds=240),
                    now,
                    status="waiting",
                )
            )
            continue
        created = now - timedelta(seconds=rng.uniform(600, 10 * 86400))
        wishes.append(
            _wishlist_row(rng, tenant, tenant_id, rng.choice(clients), None, created, now)
        )
    await conn.executemany(
        "insert into public.conversation_sessions_v2 (tenant_id, client_id, client_name, "
        "client_phone, channel, status, bot_paused, messages, started_at, last_message_at, "
        "updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $10)",
        sessions,
    )
    wishes.sort(key=lambda w: w[-2])  # ids in creation order, as a live table would have them
    await conn.executemany(
        "insert into public.wishlist_v2 (tenant_id, client_id, client_name, client_phone, "
        "service_title, staff_name, desired_date, desired_time_from, desired_time_to, comment, "
        "status, created_at, updated_at) "
        "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        wishes,
    )


def _clients(rng: random.Random, tenant: DemoTenant) -> list[Client]:
    clients: list[Client] = []
    seen: set[str] = set()
    while len(clients) < CLIENTS_PER_TENANT:
        person = c.person(rng)
        number = c.phone(rng)
        channel = c.channel(rng)
        cid = c.client_id(rng, channel, number)
        if cid in seen:
            continue
        seen.add(cid)
        name = person.full
        if not clients and tenant.key == "lotos":
            # The freshest conversation, so it is first on the dashboard.
            person = c.Person("Мария", "Клиентка", True)
            name = c.NASTY_CLIENT_NAME
        elif channel in ("instagram", "vk") and rng.random() < 0.3:
            name = person.first  # social profiles often give a first name only
        # Messengers other than WhatsApp do not always share the phone number.
        has_phone = channel == "whatsapp" or rng.random() < 0.6
        clients.append(Client(cid, person, name, number if has_phone else "", channel))
    return clients


def _age(rng: random.Random, index: int) -> float:
    """Seconds since a conversation's last message: a few live, most from past days."""
    if index < 4:
        return 60.0 * (index + 1) * 3  # the nasty ones and their neighbours: minutes ago
    bucket = rng.random()
    if bucket < 0.15:
        return rng.uniform(300, 3 * 3600)
    if bucket < 0.40:
        return rng.uniform(3 * 3600, 86400)
    return rng.uniform(86400, 30 * 86400)


def _status(rng: random.Random, outcome: str, age: float) -> tuple[str, bool]:
    recent = age < 3 * 3600
    if outcome == "handoff":
        if recent or rng.random() < 0.1:
            return "waiting_human", True  # a backlog an operator should pick up
        return "closed", False
    if outcome == "handoff_answered":
        if recent:
            return rng.choice((("paused", True), ("active", False)))
        return "closed", False
    if recent and outcome in ("abandoned", "price"):
        return "active", False
    if recent and rng.random() < 0.5:
        return "active", False
    return "closed", False


def _ms(moment: datetime) -> datetime:
    # Message times are kept to the millisecond, so `last_message_at` equals the last `at`.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _messages(
    rng: random.Random, lines: tuple[Line, ...], start: datetime
) -> tuple[list[dict[str, Any]], datetime]:
    messages = []
    at = start
    for line in lines:
        at = _ms(at + timedelta(seconds=line.gap))
        message: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "role": line.role,
            "text": line.text,
            "at": iso_at(at),
        }
        if line.author is not None:
            message["author"] = line.author
        messages.append(message)
    return messages, at


def _session_row(
    rng: random.Random,
    tenant_id: uuid.UUID,
    client: Client,
    thread: Thread,
    now: datetime,
    age: float,
) -> tuple[tuple[Any, ...], datetime]:
    span = sum(line.gap for line in thread.lines)
    start = _ms(now - timedelta(seconds=age + span))  # `age` counts from the last message
    messages, last_at = _messages(rng, thread.lines, start)
    status, paused = _status(rng, thread.outcome, age)
    row = (
        tenant_id,
        client.client_id,
        client.name,
        client.phone or None,
        client.channel,
        status,
        paused,
        json.dumps(messages, ensure_ascii=False),
        start,
        last_at,
    )
    return row, last_at


def _wishlist_row(
    rng: random.Random,
    tenant: DemoTenant,
    tenant_id: uuid.UUID,
    client: Client,
    thread: Thread | None,
    created: datetime,
    now: datetime,
    status: str | None = None,
) -> tuple[Any, ...]:
    w = wish(rng, tenant.key)
    service = thread.service if thread else w.service
    staff = thread.staff if thread else w.staff
    local_day = created.astimezone(ZoneInfo(tenant.timezone)).date()
    desired = w.day(local_day)
    window_from, window_to = w.window()
    drawn = rng.choices(list(WISHLIST_STATUS_WEIGHTS), list(WISHLIST_STATUS_WEIGHTS.values()))[0]
    status = status or drawn
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    if desired is not None and desired < today and status in ("waiting", "offered"):
        status = "cancelled"  # a wish for a day that has passed is over one way or another
    changed = min(now, created + timedelta(hours=rng.uniform(1, 48)))
    updated = created if status == "waiting" else changed
    return (
        tenant_id,
        client.client_id,
        client.name,
        client.phone or None,
        service.title,
        staff.name if staff else None,
        desired,
        window_from,
        window_to,
        w.comment,
        status,
        created,
        updated,
    )
