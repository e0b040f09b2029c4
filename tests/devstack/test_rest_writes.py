"""Wire notes §B3 (writes), one test per table row, plus pg-safeupdate, single-on-write
rollback and max-affected, through the real async supabase client."""

from __future__ import annotations

import json

import asyncpg
import httpx
import pytest
from postgrest.exceptions import APIError

from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api


async def test_insert_one_returns_201_and_an_array(
    service_api: Api, todos: str, db: asyncpg.Connection
) -> None:
    res = await service_api.sb.table(todos).insert({"title": "new", "n": 7}).execute()
    assert service_api.last.status_code == 201
    assert service_api.last.request.headers["prefer"] == "return=representation"
    assert isinstance(res.data, list)
    assert res.data[0]["title"] == "new"
    assert res.data[0]["done"] is False  # the column default: the key was absent
    assert await db.fetchval(f'select n from public."{todos}" where title = $1', "new") == 7


async def test_bulk_insert_with_columns_missing_keys_become_null(
    service_api: Api, todos: str
) -> None:
    rows = [{"title": "x1", "note": "s"}, {"title": "x2", "n": 4}]
    res = await service_api.sb.table(todos).insert(rows).execute()
    assert service_api.last.status_code == 201
    assert set(service_api.last.request.url.params["columns"].split(",")) == {
        '"title"',
        '"note"',
        '"n"',
    }
    by_title = {row["title"]: row for row in res.data}
    assert (by_title["x1"]["note"], by_title["x1"]["n"]) == ("s", None)
    assert (by_title["x2"]["note"], by_title["x2"]["n"]) == (None, 4)


async def test_bulk_insert_missing_not_null_key_without_default_to_null_fails(
    service_api: Api, todos: str
) -> None:
    # A key absent from one row is sent as NULL, which a NOT NULL column refuses.
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).insert([{"title": "y1"}, {"n": 4}]).execute()
    assert err.value.code == "23502"
    assert service_api.last.status_code == 400


async def test_insert_returning_minimal_is_201_with_empty_body(
    service_api: Api, todos: str
) -> None:
    res = (
        await service_api.sb.table(todos).insert({"title": "quiet"}, returning="minimal").execute()
    )  # type: ignore[arg-type]
    assert service_api.last.status_code == 201
    assert service_api.last.content == b""
    assert res.data == []


async def test_insert_with_count_exact_sets_content_range(service_api: Api, todos: str) -> None:
    res = (
        await service_api.sb.table(todos)
        .insert([{"title": "c1x"}, {"title": "c2x"}], count="exact")
        .execute()
    )  # type: ignore[arg-type]
    assert res.count == 2
    assert service_api.last.headers["content-range"] == "*/2"


async def test_insert_missing_default_uses_column_defaults(service_api: Api, todos: str) -> None:
    rows = [{"title": "d1", "status": "custom"}, {"title": "d2"}]
    res = await service_api.sb.table(todos).insert(rows, default_to_null=False).execute()
    assert "missing=default" in service_api.last.request.headers["prefer"]
    by_title = {row["title"]: row for row in res.data}
    assert by_title["d1"]["status"] == "custom"
    assert by_title["d2"]["status"] == "new"
    assert by_title["d2"]["done"] is False


async def test_insert_then_select_projects_the_returned_rows(service_api: Api, todos: str) -> None:
    res = await service_api.sb.table(todos).insert({"title": "proj"}).select("id").execute()
    assert service_api.last.request.url.params["select"] == "id"
    assert list(res.data[0]) == ["id"]


async def test_update_returns_200_array_and_minimal_204(
    service_api: Api, todos: str, db: asyncpg.Connection
) -> None:
    res = (
        await service_api.sb.table(todos).update({"done": True, "note": "u"}).eq("id", 1).execute()
    )
    assert service_api.last.status_code == 200
    assert [(r["id"], r["done"], r["note"]) for r in res.data] == [(1, True, "u")]
    quiet = (
        await service_api.sb.table(todos)
        .update({"note": "v"}, returning="minimal")
        .eq(  # type: ignore[arg-type]
            "id", 2
        )
        .execute()
    )
    assert service_api.last.status_code == 204
    assert quiet.data == []
    assert await db.fetchval(f'select note from public."{todos}" where id = 2') == "v"


async def test_upsert_merge_duplicates_updates_the_existing_row(
    service_api: Api, todos: str
) -> None:
    res = await service_api.sb.table(todos).upsert({"id": 1, "title": "A!"}).execute()
    assert "resolution=merge-duplicates" in service_api.last.request.headers["prefer"]
    # PostgREST >= 12: 200 when the upsert only merged into existing rows, 201 once one is new.
    assert service_api.last.status_code == 200
    assert [(r["id"], r["title"], r["n"]) for r in res.data] == [(1, "A!", 1)]
    await (
        service_api.sb.table(todos)
        .upsert([{"id": 1, "title": "A"}, {"id": 50, "title": "z"}])
        .execute()
    )
    assert service_api.last.status_code == 201


async def test_upsert_on_conflict_uses_that_column(service_api: Api, todos: str) -> None:
    rows = [{"code": "c2", "title": "via code"}, {"code": "new-code", "title": "fresh"}]
    res = await service_api.sb.table(todos).upsert(rows, on_conflict="code").execute()
    assert service_api.last.request.url.params["on_conflict"] == "code"
    by_code = {row["code"]: row for row in res.data}
    assert by_code["c2"]["id"] == 2
    assert by_code["c2"]["title"] == "via code"
    assert by_code["new-code"]["id"] > 100


async def test_upsert_ignore_duplicates_returns_only_inserted_rows(
    service_api: Api, todos: str, db: asyncpg.Connection
) -> None:
    rows = [{"id": 1, "title": "ignored"}, {"id": 50, "title": "inserted"}]
    res = await service_api.sb.table(todos).upsert(rows, ignore_duplicates=True).execute()
    assert [r["id"] for r in res.data] == [50]
    assert await db.fetchval(f'select title from public."{todos}" where id = 1') == "a"


async def test_delete_ignores_the_empty_body_and_returns_deleted_rows(
    service_api: Api, todos: str
) -> None:
    res = await service_api.sb.table(todos).delete().eq("id", 3).execute()
    request = service_api.last.request
    assert (request.method, request.content) == ("DELETE", b"{}")
    assert service_api.last.status_code == 200
    assert [r["id"] for r in res.data] == [3]
    quiet = (
        await service_api.sb.table(todos)
        .delete(returning="minimal")
        .eq(  # type: ignore[arg-type]
            "id", 4
        )
        .execute()
    )
    assert service_api.last.status_code == 204
    assert quiet.data == []


@pytest.mark.parametrize("verb", ["update", "delete"])
async def test_unfiltered_update_and_delete_are_refused(
    service_api: Api, todos: str, db: asyncpg.Connection, verb: str
) -> None:
    table = service_api.sb.table(todos)
    query = table.update({"done": True}) if verb == "update" else table.delete()
    with pytest.raises(APIError) as err:
        await query.execute()
    assert err.value.code == "21000"
    assert err.value.message == f"{verb.upper()} requires a WHERE clause"
    assert service_api.last.status_code == 400
    assert await db.fetchval(f'select count(*) from public."{todos}"') == 5


async def test_max_affected_with_strict_handling_rolls_back(
    service_api: Api, todos: str, db: asyncpg.Connection
) -> None:
    with pytest.raises(APIError) as err:
        await (
            service_api.sb.table(todos)
            .update({"note": "all"})
            .gt("id", 0)
            .max_affected(2)
            .execute()
        )
    assert err.value.code == "PGRST124"
    assert err.value.details == "The query affects 5 rows"
    assert await db.fetchval(f'select count(*) from public."{todos}" where note = $1', "all") == 0
    ok = await service_api.sb.table(todos).delete().eq("id", 5).max_affected(1).execute()
    assert [r["id"] for r in ok.data] == [5]


async def test_single_on_a_write_of_two_rows_is_406_and_rolled_back(
    devstack: DevStack, raw: httpx.AsyncClient, todos: str, db: asyncpg.Connection
) -> None:
    # The client has no .single() on writes; PostgREST honours the object Accept there too.
    key = devstack.info.service_key
    response = await raw.post(
        f"/{todos}",
        content=json.dumps([{"title": "s1"}, {"title": "s2"}]),
        headers={
            "apikey": key,
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Prefer": "return=representation",
            "Accept": "application/vnd.pgrst.object+json",
        },
    )
    assert response.status_code == 406
    assert response.json()["code"] == "PGRST116"
    assert response.json()["details"] == "The result contains 2 rows"
    assert await db.fetchval(f'select count(*) from public."{todos}"') == 5
