"""Each REST request's transaction (devstack/rest/transaction.py): the settings PostgREST makes
reach SQL whole whatever they hold, the session is reset before its connection serves another
request (a read-only one after its answer, as it is committed then), and a failure at COMMIT
is the request's failure."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from postgrest.exceptions import APIError

from devstack.keys import make_key
from devstack.rest.transaction import begin_sql, sql_literal
from devstack.stack import DevStack
from tests.devstack.bot_helpers import wait_until
from tests.devstack.rest_helpers import Api, make_api

# Quotes, a backslash (the E'' form of a literal), a doubled quote and non-ASCII text.
AWKWARD = "it's a \\back\\slash, a '' pair, \"quoted\" and ёлка"


@pytest.fixture
async def probe(devstack: DevStack, db: asyncpg.Connection) -> AsyncIterator[str]:
    """A function whose name holds a quote and a backslash, answering what the request set."""
    name = f"pro'be\\{uuid.uuid4().hex[:8]}"
    quoted = '"' + name.replace('"', '""') + '"'
    await db.execute(f"""
        create function public.{quoted}(leak text default null) returns jsonb
          language plpgsql as $$
        begin
          if leak is not null then
            perform set_config('devstack_test.leak', leak, false);  -- session-wide
          end if;
          return jsonb_build_object(
            'path', current_setting('request.path'),
            'method', current_setting('request.method'),
            'claims', current_setting('request.jwt.claims')::jsonb,
            'role', current_user,
            'leak', current_setting('devstack_test.leak', true),
            'pid', pg_backend_pid());
        end $$;
        grant execute on function public.{quoted}(text) to anon, authenticated;""")
    await devstack.rest.reload_schema()
    yield name
    await db.execute(f"drop function public.{quoted}(text)")


async def test_settings_with_quotes_and_backslashes_reach_sql_whole(
    devstack: DevStack, probe: str
) -> None:
    sub = str(uuid.uuid4())
    token = make_key(devstack.keys.secret, "authenticated", sub=sub, note=AWKWARD)
    api = await make_api(devstack.info.supabase_url, devstack.info.anon_key, bearer=token)
    try:
        for get in (False, True):
            res = await api.sb.rpc(probe, {}, get=get).execute()
            assert res.data["path"] == f"/rest/v1/rpc/{probe}"
            assert res.data["method"] == ("GET" if get else "POST")
            assert res.data["role"] == "authenticated"
            assert res.data["claims"]["note"] == AWKWARD
            assert res.data["claims"]["sub"] == sub
    finally:
        await api.http.aclose()


async def test_session_settings_do_not_outlive_their_request(service_api: Api, probe: str) -> None:
    first = await service_api.sb.rpc(probe, {"leak": "from the first request"}).execute()
    assert first.data["leak"] == "from the first request"
    # The pool hands back the connection released last, so this one reuses it at least once.
    later = [(await service_api.sb.rpc(probe, {}).execute()).data for _ in range(5)]
    assert first.data["pid"] in [row["pid"] for row in later]
    # Reset, a custom setting once defined reads as '' (never defined: null).
    assert [row["leak"] or "" for row in later] == [""] * 5


async def test_a_read_only_request_is_answered_then_committed_and_leaves_nothing_open(
    service_api: Api, probe: str, db: asyncpg.Connection
) -> None:
    # GET runs READ ONLY and is committed after its answer (transaction.py): its connection
    # must still come back to the pool committed and reset, every time.
    first = await service_api.sb.rpc(probe, {"leak": "from a GET"}, get=True).execute()
    assert first.data["leak"] == "from a GET"
    # More requests than the pool has connections: each must have come back to serve again.
    later = [(await service_api.sb.rpc(probe, {}, get=True).execute()).data for _ in range(30)]
    assert first.data["pid"] in [row["pid"] for row in later]
    assert [row["leak"] or "" for row in later] == [""] * 30

    async def all_committed() -> bool:
        open_transactions = await db.fetchval(
            "select count(*) from pg_stat_activity"
            " where application_name = 'devstack-rest' and state like 'idle in transaction%'"
        )
        return bool(open_transactions == 0)

    await wait_until(all_committed, limit=10)


@pytest.mark.parametrize("conforming", ["on", "off"])
async def test_literals_read_back_whole_under_either_string_setting(
    db: asyncpg.Connection, conforming: str
) -> None:
    await db.execute(f"set standard_conforming_strings = {conforming}")
    values = [AWKWARD, "", "\\", "'", "\\'", "a\\nb", "\t\n"]
    for value in values:
        assert await db.fetchval(f"select {sql_literal(value)}::text") == value
    await db.execute("reset standard_conforming_strings")


def test_a_nul_leaves_the_settings_to_bound_parameters() -> None:
    # A simple-protocol message ends at a NUL: such values go as bound parameters, as before.
    assert begin_sql(True, "anon", "{}", "GET", "/rest/v1/a\x00b") is None
    assert begin_sql(True, "anon", "{}", "GET", "/rest/v1/ab") is not None


@pytest.fixture
async def deferred(devstack: DevStack, db: asyncpg.Connection) -> AsyncIterator[str]:
    """A table whose foreign key is checked only at COMMIT."""
    name = f"deferred_{uuid.uuid4().hex[:10]}"
    await db.execute(f"""
        create table public.{name}_parent (id int primary key);
        create table public.{name} (
          id int primary key,
          parent_id int references public.{name}_parent (id) deferrable initially deferred);
        grant all on public.{name}, public.{name}_parent to service_role;""")
    await devstack.rest.reload_schema()
    yield name
    await db.execute(f"drop table public.{name}; drop table public.{name}_parent")


async def test_a_failure_at_commit_fails_the_request_and_writes_nothing(
    service_api: Api, deferred: str, db: asyncpg.Connection
) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(deferred).insert({"id": 1, "parent_id": 7}).execute()
    assert err.value.code == "23503"
    assert service_api.last.status_code == 409
    assert await db.fetchval(f"select count(*) from public.{deferred}") == 0
    await service_api.sb.table(f"{deferred}_parent").insert({"id": 7}).execute()
    await service_api.sb.table(deferred).insert({"id": 1, "parent_id": 7}).execute()
    assert await db.fetchval(f"select count(*) from public.{deferred}") == 1
