"""Fixtures for the hostile-input suite: the services fixtures, two seeded tenants, and a
report of what failed, by input, so one run names every bad input at once."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import asyncpg
import bcrypt
import pytest

from services import passwords
from tests.hostile.corpus import Hostile
from tests.services import conftest as services_fixtures

# The services-level fixtures (a real supabase client, users), shared with tests/services.
backend = services_fixtures.backend
make_user = services_fixtures.make_user
other_tenant_id = services_fixtures.other_tenant_id

# Tried inputs per entry point, summed up by `pytest_terminal_summary` below.
TRIED: dict[str, int] = {}


def count(entry_point: str, n: int = 1) -> None:
    TRIED[entry_point] = TRIED.get(entry_point, 0) + n


async def check_each(
    entry_point: str,
    entries: Iterable[Hostile],
    check: Callable[[Hostile], Awaitable[None]],
) -> None:
    """Run `check` on every entry; fail once, listing every entry that failed and why."""
    problems: list[str] = []
    for entry in entries:
        count(entry_point)
        try:
            await check(entry)
        except (Exception, pytest.fail.Exception) as exc:
            problems.append(f"{entry.name}: {type(exc).__name__}: {str(exc)[:300]}")
    assert not problems, f"{len(problems)} hostile inputs failed:\n" + "\n".join(problems)


@pytest.fixture
def cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown emails are checked against a dummy hash of cost 12 (0.2 s each); the corpus has
    hundreds, and timing is the benchmark's business, not this suite's."""
    monkeypatch.setattr(passwords, "_DUMMY_HASH", bcrypt.hashpw(b"dummy", bcrypt.gensalt(4)))


async def table_counts(db: asyncpg.Connection) -> dict[str, int]:
    tables = ("users", "login_attempts", "audit_log", "bot_commands", "tenants")
    return {
        name: await db.fetchval(f"select count(*) from dashboard.{name}")  # fixed names
        for name in tables
    }


async def fresh_tenant(db: asyncpg.Connection, prefix: str) -> uuid.UUID:
    value: uuid.UUID = await db.fetchval(
        "insert into dashboard.tenants (name, timezone) values ($1, 'Europe/Moscow') returning id",
        f"{prefix}-{uuid.uuid4()}",
    )
    return value


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TRIED:
        terminalreporter.write_sep("-", "hostile inputs tried, by entry point")
        for name, n in sorted(TRIED.items()):
            terminalreporter.write_line(f"{name:<40} {n:>7}")
        terminalreporter.write_line(f"{'total':<40} {sum(TRIED.values()):>7}")
