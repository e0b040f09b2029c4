"""Wire notes §B6 (errors), one test per table row, plus the gateway's apikey handling and the
SQLSTATE -> HTTP status mapping, mostly through the real async supabase client."""

from __future__ import annotations

import time

import asyncpg
import httpx
import pytest
from postgrest.exceptions import APIError

from devstack.keys import make_key
from devstack.rest.errors import status_for_sqlstate
from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api, make_api


async def test_unknown_table_is_404_pgrst205_with_a_hint(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos + "x").select("*").execute()
    assert err.value.code == "PGRST205"
    assert err.value.message == (f"Could not find the table 'public.{todos}x' in the schema cache")
    assert err.value.hint == f"Perhaps you meant the table 'public.{todos}'"
    assert service_api.last.status_code == 404
    assert service_api.last.headers["proxy-status"] == "PostgREST; error=PGRST205"
    with pytest.raises(APIError) as far:
        await service_api.sb.table("zzzzzzzzzzzz").select("*").execute()
    assert far.value.hint is None


@pytest.mark.parametrize("where", ["select", "filter", "order"])
async def test_unknown_column_is_400_42703(service_api: Api, todos: str, where: str) -> None:
    table = service_api.sb.table(todos)
    query = {
        "select": table.select("id,titel"),
        "filter": table.select("id").eq("titel", "a"),
        "order": table.select("id").order("titel"),
    }[where]
    with pytest.raises(APIError) as err:
        await query.execute()
    assert err.value.code == "42703"
    assert err.value.message == f"column {todos}.titel does not exist"
    assert err.value.hint == f'Perhaps you meant to reference the column "{todos}.title".'
    assert service_api.last.status_code == 400


async def test_unknown_column_in_write_body_is_pgrst204(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).insert({"title": "t", "nope": 1}).execute()
    assert err.value.code == "PGRST204"
    assert err.value.message == f"Could not find the 'nope' column of '{todos}' in the schema cache"
    assert service_api.last.status_code == 400


async def test_bad_filter_is_400_pgrst100(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).select("*").filter("id", "zz", "1").execute()
    assert err.value.json() == {
        "code": "PGRST100",
        "details": 'unexpected "z" expecting "not" or operator (eq, gt, ...)',
        "hint": None,
        "message": '"failed to parse filter (zz.1)" (line 1, column 1)',
    }
    assert service_api.last.status_code == 400


async def test_bad_value_for_type_is_400_22p02(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).select("*").eq("id", "abc").execute()
    assert err.value.code == "22P02"
    assert err.value.message == 'invalid input syntax for type bigint: "abc"'
    assert service_api.last.status_code == 400


async def test_unique_violation_is_409(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).insert({"id": 1, "title": "dup"}).execute()
    assert err.value.code == "23505"
    assert err.value.message == f'duplicate key value violates unique constraint "{todos}_pkey"'
    assert err.value.details == "Key (id)=(1) already exists."
    assert service_api.last.status_code == 409


async def test_foreign_key_violation_is_409(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).insert({"title": "orphan", "parent_id": 999}).execute()
    assert err.value.code == "23503"
    assert service_api.last.status_code == 409


async def test_not_null_violation_is_400_with_failing_row(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).insert({"title": None}).execute()
    assert err.value.code == "23502"
    assert err.value.message == (
        f'null value in column "title" of relation "{todos}" violates not-null constraint'
    )
    assert str(err.value.details).startswith("Failing row contains (")
    assert service_api.last.status_code == 400


async def test_check_violation_is_400(service_api: Api, todos: str) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).insert({"title": "neg", "n": -1}).execute()
    assert err.value.code == "23514"
    assert err.value.message == (
        f'new row for relation "{todos}" violates check constraint "{todos}_n_check"'
    )
    assert service_api.last.status_code == 400


async def test_privilege_and_rls_errors_are_401_for_anon_and_403_for_users(
    anon_api: Api, user_api: Api, todos: str, db: asyncpg.Connection
) -> None:
    await db.execute(f'alter table public."{todos}" enable row level security')
    for api, status in ((anon_api, 401), (user_api, 403)):
        with pytest.raises(APIError) as err:
            await api.sb.table(todos).insert({"title": "rls"}).execute()
        assert err.value.code == "42501"
        assert err.value.message == (
            f'new row violates row-level security policy for table "{todos}"'
        )
        assert api.last.status_code == status
        # RLS without a policy hides every row rather than failing a read.
        assert (await api.sb.table(todos).select("*").execute()).data == []
    await db.execute(f'revoke all on public."{todos}" from anon')
    with pytest.raises(APIError) as denied:
        await anon_api.sb.table(todos).select("*").execute()
    assert denied.value.message == f"permission denied for table {todos}"
    assert anon_api.last.status_code == 401
    assert anon_api.last.headers["www-authenticate"] == "Bearer"


async def test_malformed_jwt_is_401_pgrst301(devstack: DevStack, todos: str) -> None:
    api = await make_api(devstack.info.supabase_url, devstack.info.anon_key, bearer="garbage")
    try:
        with pytest.raises(APIError) as err:
            await api.sb.table(todos).select("*").execute()
        assert err.value.code == "PGRST301"
        assert err.value.message == "Expected 3 parts in JWT; got 1"
        assert api.last.status_code == 401
        assert api.last.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    finally:
        await api.http.aclose()


async def test_expired_jwt_is_401_pgrst303(devstack: DevStack, todos: str) -> None:
    expired = make_key(
        devstack.keys.secret, "authenticated", ttl_years=0, exp=int(time.time()) - 60
    )
    api = await make_api(devstack.info.supabase_url, devstack.info.anon_key, bearer=expired)
    try:
        with pytest.raises(APIError) as err:
            await api.sb.table(todos).select("*").execute()
        assert (err.value.code, err.value.message) == ("PGRST303", "JWT expired")
        assert api.last.status_code == 401
    finally:
        await api.http.aclose()


async def test_wrong_apikey_is_the_gateway_401_without_code(devstack: DevStack, todos: str) -> None:
    wrong = make_key("another-secret-entirely-of-sufficient-length", "anon")
    api = await make_api(devstack.info.supabase_url, wrong)
    try:
        with pytest.raises(APIError) as err:
            await api.sb.table(todos).select("*").execute()
        assert err.value.code is None
        assert err.value.message == "Invalid API key"
        assert err.value.hint == "Double check your Supabase `anon` or `service_role` API key."
        assert api.last.status_code == 401
    finally:
        await api.http.aclose()


async def test_missing_apikey_is_the_gateway_401(raw: httpx.AsyncClient, todos: str) -> None:
    response = await raw.get(f"/{todos}")
    assert response.status_code == 401
    assert response.json() == {
        "message": "No API key found in request",
        "hint": "No `apikey` request header or url param was found.",
    }


@pytest.mark.parametrize("how", ["apiKey", "apikey", "APIKEY", "query"])
async def test_apikey_header_any_case_or_query_param(
    devstack: DevStack, raw: httpx.AsyncClient, todos: str, how: str
) -> None:
    key = devstack.info.anon_key
    if how == "query":
        response = await raw.get(f"/{todos}?select=id&id=eq.1&apikey={key}")
    else:
        response = await raw.get(f"/{todos}?select=id&id=eq.1", headers={how: key})
    assert (response.status_code, response.json()) == (200, [{"id": 1}])


async def test_explain_is_406_pgrst107_as_on_a_default_supabase_project(
    service_api: Api, todos: str
) -> None:
    # Supabase keeps PostgREST's db-plan-enabled off, so explain() gets PostgREST's 406.
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).select("*").explain().execute()
    assert err.value.code == "PGRST107"
    assert err.value.message == (
        "None of these media types are available: "
        'application/vnd.pgrst.plan+text; for="application/json"'
    )
    assert service_api.last.status_code == 406
    assert service_api.last.headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("code", "authenticated", "status"),
    [
        ("23503", True, 409),
        ("23505", True, 409),
        ("42P01", True, 404),
        ("42501", False, 401),
        ("42501", True, 403),
        ("25006", True, 405),
        ("08006", True, 503),
        ("53300", True, 503),
        ("P0001", True, 400),
        ("42601", True, 400),
        ("22012", True, 400),
        ("23514", True, 400),
        ("XX000", True, 500),
        ("PT418", True, 418),
    ],
)
def test_sqlstate_status_mapping(code: str, authenticated: bool, status: int) -> None:
    assert status_for_sqlstate(code, "", authenticated=authenticated) == status
