"""Supabase's current API keys (sb_publishable_…, sb_secret_…) beside the legacy JWT keys.

Where Supabase takes them: the `apikey` header, the same value as the Bearer (as both official
clients send it), and Realtime's `apikey` parameter; they stand for anon and service_role. A
user's JWT as the Bearer beside a publishable key is that user.
"""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest
from postgrest.exceptions import APIError
from supabase import AsyncClientOptions, acreate_client
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from devstack.keys import make_key
from devstack.stack import DevStack
from tests.devstack.js_realtime import run_realtime_js
from tests.devstack.realtime_helpers import Bind, make_table, new_client, row_of, subscribe

OWNER = uuid.uuid4()


@pytest.fixture
async def private_rows(devstack: DevStack, db: asyncpg.Connection) -> str:
    """A table with RLS on: anon sees no row, authenticated sees its own, service_role all."""
    table = await make_table(db, "id int primary key, owner uuid, note text")
    await db.execute(f"alter table public.{table} enable row level security")
    await db.execute(
        f"create policy own on public.{table} for select to authenticated"
        " using (owner = auth.uid())"
    )
    await db.execute(
        f"insert into public.{table} values (1, $1, 'mine'), (2, $2, 'theirs')",
        OWNER,
        uuid.uuid4(),
    )
    await devstack.rest.reload_schema()
    return table


async def test_keys_are_issued_in_both_kinds(devstack: DevStack) -> None:
    info = devstack.info
    assert info.publishable_key.startswith("sb_publishable_")
    assert info.secret_key.startswith("sb_secret_")
    assert len({info.publishable_key, info.secret_key, info.anon_key, info.service_key}) == 4
    # Stable: derived from the data dir's secret like the JWT keys.
    again = type(devstack.keys).for_secret(devstack.keys.secret)
    assert (again.publishable, again.secret_key) == (info.publishable_key, info.secret_key)


@pytest.mark.parametrize(("kind", "expected"), [("publishable_key", []), ("secret_key", [1, 2])])
async def test_supabase_py_rest_with_the_new_keys(
    devstack: DevStack, private_rows: str, kind: str, expected: list[int]
) -> None:
    client = await acreate_client(devstack.info.supabase_url, getattr(devstack.info, kind))
    rows = await client.table(private_rows).select("id").order("id").execute()
    assert [r["id"] for r in rows.data] == expected


async def test_a_user_jwt_beside_a_publishable_key_is_that_user(
    devstack: DevStack, private_rows: str
) -> None:
    token = make_key(devstack.keys.secret, "authenticated", sub=str(OWNER))
    client = await acreate_client(
        devstack.info.supabase_url,
        devstack.info.publishable_key,
        AsyncClientOptions(headers={"Authorization": f"Bearer {token}"}),
    )
    rows = await client.table(private_rows).select("id, note").execute()
    assert rows.data == [{"id": 1, "note": "mine"}]


async def test_unknown_or_mismatched_sb_keys_are_refused(devstack: DevStack) -> None:
    info = devstack.info
    async with httpx.AsyncClient(base_url=f"{info.supabase_url}/rest/v1") as http:
        bad = await http.get("wishlist_v2", headers={"apikey": "sb_secret_not-ours_12345678"})
        assert bad.status_code == 401
        assert bad.json()["message"] == "Invalid API key"
        # A different sb_ key as the Bearer is not a JWT: PostgREST's own refusal.
        mixed = await http.get(
            "wishlist_v2",
            headers={"apikey": info.publishable_key, "Authorization": f"Bearer {info.secret_key}"},
        )
        assert mixed.status_code == 401
        assert mixed.json()["code"] == "PGRST301"
    client = await acreate_client(info.supabase_url, "sb_publishable_forged_00000000")
    with pytest.raises(APIError) as caught:
        await client.table("wishlist_v2").select("id").execute()
    assert caught.value.message == "Invalid API key"


async def test_realtime_apikey_parameter_takes_both_new_keys(devstack: DevStack) -> None:
    base = devstack.info.supabase_url.replace("http://", "ws://") + "/realtime/v1/websocket"
    for key in (devstack.info.publishable_key, devstack.info.secret_key):
        async with connect(f"{base}?apikey={key}&vsn=1.0.0"):
            pass
    with pytest.raises(InvalidStatus) as caught:
        await connect(f"{base}?apikey=sb_secret_forged_00000000&vsn=1.0.0")
    assert caught.value.response.status_code == 401


@pytest.mark.parametrize(
    ("kind", "sees_private"), [("publishable_key", False), ("secret_key", True)]
)
async def test_supabase_py_realtime_with_the_new_keys(
    devstack: DevStack, db: asyncpg.Connection, kind: str, sees_private: bool
) -> None:
    """The key's role decides what the subscription sees (anon: no row of an RLS table)."""
    table = await make_table(db, "id int primary key, secret boolean")
    await db.execute(f"alter table public.{table} enable row level security")
    await db.execute(f"create policy open on public.{table} for select to anon using (not secret)")
    client = await new_client(devstack.info, getattr(devstack.info, kind))
    sub = await subscribe(client, Bind("all", "INSERT", table))
    await db.execute(f"insert into public.{table} values (1, true), (2, false)")
    first = row_of(await sub.next())
    assert first == ({"id": 1, "secret": True} if sees_private else {"id": 2, "secret": False})
    await client.remove_all_channels()


@pytest.mark.parametrize("kind", ["publishable_key", "secret_key"])
async def test_supabase_js_rest_and_realtime_with_the_new_keys(
    devstack: DevStack, private_rows: str, kind: str
) -> None:
    result = await run_realtime_js(
        devstack,
        """
const sb = client();
const {data, error} = await sb.from(env.TABLE).select('id').order('id');
const channel = sb.channel('keys-js')
  .on('postgres_changes', {event: 'INSERT', schema: 'public', table: env.TABLE},
      (p) => seen.push(p.new.id));
await subscribed(channel);
done({rows: data?.map((r) => r.id) ?? null, error: error?.message ?? null});
""",
        key=getattr(devstack.info, kind),
        TABLE=private_rows,
    )
    assert result == {"rows": [1, 2] if kind == "secret_key" else [], "error": None}
