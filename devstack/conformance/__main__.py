"""`./dev conformance`: the devstack against a Supabase project, or against itself.

    SUPABASE_URL=https://xyz.supabase.co SUPABASE_SERVICE_KEY=sb_secret_... \
    SUPABASE_DB_URL=postgresql://postgres:...@db.xyz.supabase.co:5432/postgres ./dev conformance

Without SUPABASE_URL, a fresh devstack is compared with itself (two runs, tables of their own),
which shows the harness reports no difference where there is none. Exit status 1 when the two
sides differ.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from devstack.conformance.runner import Endpoint, compare


def _remote() -> Endpoint | None:
    url = os.environ.get("SUPABASE_URL")
    if not url:
        return None
    key = os.environ.get("SUPABASE_SERVICE_KEY") or os.environ.get("SUPABASE_KEY")
    db_url = os.environ.get("SUPABASE_DB_URL")
    if not key or not db_url:
        raise SystemExit(
            "conformance: with SUPABASE_URL, set SUPABASE_SERVICE_KEY (the secret key or the "
            "legacy service_role key) and SUPABASE_DB_URL (the project's Postgres URL)"
        )
    return Endpoint("supabase", url.rstrip("/"), key, db_url)


async def _main() -> int:
    from devstack.stack import DevStack, StackOptions

    remote = _remote()
    with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
        stack = DevStack(StackOptions(data_dir=Path(tmp), yclients=False))
        await stack.start()
        try:
            info = stack.info
            local = Endpoint("devstack", info.supabase_url, info.service_key, info.database_url)
            other = remote or Endpoint("devstack (second run)", local.url, local.key, local.db_url)
            found, total = await compare(local, other)
        finally:
            await stack.stop()
    for paragraph in found:
        print(paragraph)
    print(
        f"conformance: {total} cases, {len(found)} with differences "
        f"({local.label} vs {other.label})"
    )
    return 1 if found else 0


def main() -> int:
    return asyncio.run(_main())


if __name__ == "__main__":
    sys.exit(main())
