"""Applies the platform bootstrap, the bot stand-in and `supabase/migrations`, CLI style."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

DEVSTACK_SQL = Path(__file__).resolve().parent / "sql"
_VERSION = re.compile(r"^(\d{14})_(.+)\.sql$")


def migrations_dir() -> Path:
    """`supabase/migrations` of the checkout (the devstack runs from a checkout only)."""
    return Path(__file__).resolve().parent.parent / "supabase" / "migrations"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path


def list_migrations(folder: Path | None = None) -> list[Migration]:
    found = []
    for path in sorted((folder or migrations_dir()).glob("*.sql")):
        match = _VERSION.match(path.name)
        if match:
            found.append(Migration(match.group(1), match.group(2), path))
    return found


async def apply_platform(conn: asyncpg.Connection) -> None:
    """Roles, auth helpers, publication and the bot's tables: idempotent, run at every start."""
    for path in sorted(DEVSTACK_SQL.glob("*.sql")):
        await conn.execute(path.read_text())


async def apply_migrations(conn: asyncpg.Connection, folder: Path | None = None) -> list[str]:
    """Applies each unrecorded migration in its own transaction; returns their versions."""
    applied = {
        row["version"]
        for row in await conn.fetch("select version from supabase_migrations.schema_migrations")
    }
    done = []
    for migration in list_migrations(folder):
        if migration.version in applied:
            continue
        async with conn.transaction():
            await conn.execute(migration.path.read_text())
            await conn.execute(
                "insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)",
                migration.version,
                migration.name,
            )
        done.append(migration.version)
    if done:
        await conn.execute("notify pgrst, 'reload schema'")
    return done
