"""Wire notes §B4 (schema profiles) and §B5 (RPC), the dashboard schema's protection from the
anon key, and the schema cache reload, through the real async supabase client."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from postgrest.exceptions import APIError

from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api

# Each dashboard table with a column it has, so the refusal comes from Postgres's grants.
DASHBOARD_TABLES = {
    "tenants": "name",
    "users": "email",
    "bot_commands": "status",
    "audit_log": "email",
    "login_attempts": "email",
}


async def test_schema_switch_sends_both_profiles_and_reads_dashboard(
    service_api: Api, tenant_id: uuid.UUID
) -> None:
    res = (
        await service_api.sb.schema("dashboard")
        .table("tenants")
        .select("id, timezone")
        .eq("id", str(tenant_id))
        .execute()
    )
    assert res.data == [{"id": str(tenant_id), "timezone": "Europe/Moscow"}]
    headers = service_api.last.request.headers
    assert (headers["accept-profile"], headers["content-profile"]) == ("dashboard", "dashboard")


async def test_unexposed_schema_is_406_pgrst106(service_api: Api) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.schema("auth").table("users").select("*").execute()
    assert err.value.code == "PGRST106"
    assert err.value.message == "Invalid schema: auth"
    assert err.value.hint == "Only the following schemas are exposed: public, dashboard"
    assert service_api.last.status_code == 406


async def test_accept_profile_on_get_content_profile_on_writes(
    devstack: DevStack, raw: httpx.AsyncClient, todos: str
) -> None:
    # The client always sends both headers equal; only raw HTTP can tell which one is read.
    key = devstack.info.service_key
    auth = {"apikey": key, "Authorization": f"Bearer {key}"}
    got = await raw.get(
        f"/{todos}?select=id&id=eq.1",
        headers={**auth, "Accept-Profile": "public", "Content-Profile": "nope"},
    )
    assert (got.status_code, got.json()) == (200, [{"id": 1}])
    posted = await raw.post(
        f"/{todos}",
        json={"title": "p"},
        headers={**auth, "Accept-Profile": "nope", "Content-Profile": "public"},
    )
    assert posted.status_code == 201
    refused = await raw.post(
        f"/{todos}",
        json={"title": "p"},
        headers={**auth, "Accept-Profile": "public", "Content-Profile": "nope"},
    )
    assert (refused.status_code, refused.json()["code"]) == (406, "PGRST106")


@pytest.mark.parametrize(("table", "column"), DASHBOARD_TABLES.items())
async def test_anon_key_can_neither_read_nor_write_dashboard(
    anon_api: Api, service_api: Api, table: str, column: str
) -> None:
    dash = anon_api.sb.schema("dashboard")
    attempts = [
        dash.table(table).select("*"),
        dash.table(table).insert({column: "x"}),
        dash.table(table).update({column: "x"}).eq(column, "y"),
        dash.table(table).delete().eq(column, "y"),
    ]
    for query in attempts:
        with pytest.raises(APIError) as err:
            await query.execute()
        assert err.value.code == "42501"
        assert anon_api.last.status_code == 401
    # The service key reads the same table.
    await service_api.sb.schema("dashboard").table(table).select("*").limit(1).execute()
    assert service_api.last.status_code == 200


async def test_signed_in_user_gets_403_on_dashboard(user_api: Api) -> None:
    with pytest.raises(APIError) as err:
        await user_api.sb.schema("dashboard").table("users").select("id").execute()
    assert err.value.code == "42501"
    assert user_api.last.status_code == 403


async def test_service_key_writes_dashboard(service_api: Api, tenant_id: uuid.UUID) -> None:
    res = (
        await service_api.sb.schema("dashboard")
        .table("bot_commands")
        .insert({"tenant_id": str(tenant_id), "command_type": "pause_bot", "payload": {"s": "x"}})
        .execute()
    )
    assert res.data[0]["status"] == "pending"
    assert res.data[0]["payload"] == {"s": "x"}


@pytest.fixture
async def fns(devstack: DevStack, db: asyncpg.Connection, todos: str) -> AsyncIterator[str]:
    """Functions named with a unique suffix: add_, list_, void_, echo_, tab_."""
    s = uuid.uuid4().hex[:8]
    await db.execute(f"""
        create function public.add_{s}(a int, b int) returns int
          language sql as 'select a + b';
        create function public.list_{s}() returns setof public."{todos}"
          language sql as 'select * from public."{todos}" order by id';
        create function public.void_{s}(note text) returns void language sql
          as 'update public."{todos}" set note = void_{s}.note where id = 1';
        create function public.echo_{s}(ids int[], j jsonb) returns jsonb
          language sql as 'select jsonb_build_object(''ids'', ids, ''j'', j)';
        create function public.tab_{s}(min int default 0)
          returns table (id bigint, label text) language sql
          as 'select id, title from public."{todos}" where id >= min order by id';
    """)
    await devstack.rest.reload_schema()
    yield s
    await db.execute(f"""drop function public.add_{s}; drop function public.list_{s};
        drop function public.void_{s}; drop function public.echo_{s};
        drop function public.tab_{s}""")


async def test_rpc_post_returns_a_bare_scalar(service_api: Api, fns: str) -> None:
    res = await service_api.sb.rpc(f"add_{fns}", {"a": 1, "b": 2}).execute()
    assert res.data == 3
    assert service_api.last.request.method == "POST"
    assert service_api.last.request.content == b'{"a":1,"b":2}'
    assert "prefer" not in service_api.last.request.headers


async def test_rpc_setof_returns_an_array_that_filters_apply_to(service_api: Api, fns: str) -> None:
    res = await service_api.sb.rpc(f"list_{fns}", {}).execute()
    assert [row["id"] for row in res.data] == [1, 2, 3, 4, 5]
    filtered = await service_api.sb.rpc(f"list_{fns}", {}).eq("id", 1).execute()
    assert [(row["id"], row["title"]) for row in filtered.data] == [(1, "a")]
    table = await service_api.sb.rpc(f"tab_{fns}", {"min": 4}).select("label").execute()
    assert table.data == [{"label": "Apple"}, {"label": "apricot"}]


async def test_rpc_void_is_204(
    service_api: Api, fns: str, todos: str, db: asyncpg.Connection
) -> None:
    res = await service_api.sb.rpc(f"void_{fns}", {"note": "from rpc"}).execute()
    assert service_api.last.status_code == 204
    assert res.data in (None, [], "")
    assert await db.fetchval(f'select note from public."{todos}" where id = 1') == "from rpc"


async def test_rpc_get_with_array_and_json_arguments(service_api: Api, fns: str) -> None:
    res = await service_api.sb.rpc(
        f"echo_{fns}", {"ids": [1, 2], "j": {"x": 1}}, get=True
    ).execute()
    assert res.data == {"ids": [1, 2], "j": {"x": 1}}
    request = service_api.last.request
    assert request.method == "GET"
    assert request.url.params["ids"] == "{1,2}"
    assert request.url.params["j"] == '{"x":1}'


async def test_rpc_head_with_count(service_api: Api, fns: str) -> None:
    res = await service_api.sb.rpc(f"tab_{fns}", {"min": 2}, head=True, count="exact").execute()  # type: ignore[arg-type]
    assert service_api.last.request.method == "HEAD"
    assert service_api.last.content == b""
    assert service_api.last.headers["content-range"] == "0-3/4"
    assert res.data in (None, [], "")


async def test_rpc_unknown_function_is_404_pgrst202(service_api: Api) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.rpc("no_such_fn", {"a": 1, "b": 2}).execute()
    assert err.value.code == "PGRST202"
    assert err.value.message == (
        "Could not find the function public.no_such_fn(a, b) in the schema cache"
    )
    assert service_api.last.status_code == 404


async def test_function_created_at_runtime_is_found_without_reload(
    service_api: Api, db: asyncpg.Connection
) -> None:
    name = f"late_{uuid.uuid4().hex[:8]}"
    await db.execute(f"create function public.{name}() returns text language sql as 'select 1'")
    try:
        assert (await service_api.sb.rpc(name, {}).execute()).data == "1"
    finally:
        await db.execute(f"drop function public.{name}")


async def test_table_created_at_runtime_is_served_after_notify(
    devstack: DevStack, service_api: Api, db: asyncpg.Connection
) -> None:
    name = f"late_{uuid.uuid4().hex[:8]}"
    await db.execute(f"create table public.{name} (id int primary key, v text)")
    await db.execute(f"insert into public.{name} values (1, 'one')")
    before = devstack.rest.generation
    await db.execute("notify pgrst, 'reload schema'")
    await asyncio.wait_for(devstack.rest.wait_for_generation(before), 10)
    assert devstack.rest.cache.relation("public", name) is not None
    try:
        assert (await service_api.sb.table(name).select("*").execute()).data == [
            {"id": 1, "v": "one"}
        ]
        # A column added later is served once the cache has been told.
        await db.execute(f"alter table public.{name} add column extra int default 7")
        before = devstack.rest.generation
        await db.execute("notify pgrst, 'reload schema'")
        await asyncio.wait_for(devstack.rest.wait_for_generation(before), 10)
        res = await service_api.sb.table(name).select("extra").eq("extra", 7).execute()
        assert res.data == [{"extra": 7}]
    finally:
        await db.execute(f"drop table public.{name}")
