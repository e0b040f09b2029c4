"""Wire notes §B1 (reads) and §B2 (single / maybe_single), one test per table row,
through the real async supabase client."""

from __future__ import annotations

import pytest
from postgrest.exceptions import APIError

from tests.devstack.rest_helpers import Api


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [row["id"] for row in rows]


async def test_select_star_and_select_without_columns(service_api: Api, todos: str) -> None:
    star = await service_api.sb.table(todos).select("*").order("id").execute()
    bare = await service_api.sb.table(todos).select().order("id").execute()
    assert star.data == bare.data
    assert ids(star.data) == [1, 2, 3, 4, 5]
    first = star.data[0]
    # Types rendered by Postgres like PostgREST: timestamptz with offset, numeric, nested jsonb.
    assert first["at"] == "2025-11-03T09:32:55+00:00"
    assert first["amount"] == 1.5
    assert first["meta"] == {"x": 1, "deep": {"k": [1, 2]}}
    assert first["tags"] == ["a", "b"]
    assert service_api.last.headers["content-type"] == "application/json; charset=utf-8"
    assert service_api.last.request.headers["accept"] == "*/*"


async def test_select_column_list_strips_whitespace_and_keeps_quoted_names(
    service_api: Api, todos: str
) -> None:
    res = await service_api.sb.table(todos).select("id, title", "done").eq("id", 1).execute()
    assert res.data == [{"id": 1, "title": "a", "done": False}]
    quoted = (
        await service_api.sb.table(todos).select('id,"my col",label:title').eq("id", 1).execute()
    )
    assert quoted.data == [{"id": 1, "my col": "m1", "label": "a"}]


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", 2, [2]),
        ("neq", 2, [1, 3, 5]),
        ("gt", 2, [3, 5]),
        ("gte", 2, [2, 3, 5]),
        ("lt", 2, [1]),
        ("lte", 2, [1, 2]),
    ],
)
async def test_comparison_filters(
    service_api: Api, todos: str, op: str, value: int, expected: list[int]
) -> None:
    query = getattr(service_api.sb.table(todos).select("id"), op)("n", value)
    res = await query.order("id").execute()
    assert ids(res.data) == expected


async def test_filter_values_bool_and_json_are_serialised_like_the_client(
    service_api: Api, todos: str
) -> None:
    done = await service_api.sb.table(todos).select("id").eq("done", True).order("id").execute()
    assert ids(done.data) == [2, 5]
    meta = {"x": 1, "deep": {"k": [1, 2]}}
    by_json = await service_api.sb.table(todos).select("id").eq("meta", meta).execute()
    assert ids(by_json.data) == [1]
    assert "meta=eq.%7B%22x%22%3A1" in str(service_api.last.request.url)


async def test_like_and_ilike_with_percent_and_star_wildcards(service_api: Api, todos: str) -> None:
    like = await service_api.sb.table(todos).select("id").like("title", "%pp%").execute()
    assert ids(like.data) == [4]
    ilike = (
        await service_api.sb.table(todos).select("id").ilike("title", "A%").order("id").execute()
    )
    assert ids(ilike.data) == [1, 4, 5]
    star = await service_api.sb.table(todos).select("id").like("title", "*ric*").execute()
    assert ids(star.data) == [5]


async def test_is_null_true_false(service_api: Api, todos: str) -> None:
    table = service_api.sb.table(todos)
    assert ids((await table.select("id").is_("done", None).execute()).data) == [3]
    assert ids((await table.select("id").is_("done", True).order("id").execute()).data) == [2, 5]
    assert ids((await table.select("id").is_("done", False).order("id").execute()).data) == [1, 4]


async def test_in_with_quoted_elements(service_api: Api, todos: str) -> None:
    res = (
        await service_api.sb.table(todos)
        .select("id")
        .in_("title", ["a", "b,c", 'q"uote', "has space"])
        .order("id")
        .execute()
    )
    assert ids(res.data) == [1, 2, 3]
    assert service_api.last.request.url.params["title"] == 'in.(a,"b,c","q\\"uote",has space)'


async def test_or_with_nested_and(service_api: Api, todos: str) -> None:
    res = (
        await service_api.sb.table(todos)
        .select("id")
        .or_('n.eq.1,and(n.gt.2,title.like.a*),title.eq."b,c"')
        .order("id")
        .execute()
    )
    assert ids(res.data) == [1, 2, 5]
    assert service_api.last.request.url.params["or"].startswith("(n.eq.1,and(")


async def test_not_prefix_on_eq_in_is_and_or(service_api: Api, todos: str) -> None:
    table = service_api.sb.table(todos)
    assert ids((await table.select("id").not_.eq("n", 3).order("id").execute()).data) == [1, 2, 5]
    assert ids((await table.select("id").not_.in_("id", [1, 2, 3]).order("id").execute()).data) == [
        4,
        5,
    ]
    assert ids((await table.select("id").not_.is_("note", None).order("id").execute()).data) == [
        2,
        4,
    ]
    negated = await table.select("id").not_.or_("id.eq.1,id.eq.2").order("id").execute()
    assert ids(negated.data) == [3, 4, 5]
    assert "not.or" in service_api.last.request.url.params


async def test_order_several_columns_with_nulls(service_api: Api, todos: str) -> None:
    table = service_api.sb.table(todos)
    first = await table.select("id").order("n", desc=True, nullsfirst=True).execute()
    assert ids(first.data) == [4, 5, 3, 2, 1]
    last = await table.select("id").order("done", nullsfirst=False).order("id", desc=True).execute()
    assert ids(last.data) == [4, 1, 5, 2, 3]
    assert service_api.last.request.url.params["order"] == "done.asc.nullslast,id.desc"


async def test_limit_and_offset(service_api: Api, todos: str) -> None:
    res = await service_api.sb.table(todos).select("id").order("id").limit(2).offset(1).execute()
    assert ids(res.data) == [2, 3]


async def test_range_becomes_offset_and_limit(service_api: Api, todos: str) -> None:
    res = await service_api.sb.table(todos).select("id").order("id").range(3, 9).execute()
    assert ids(res.data) == [4, 5]
    assert "range" not in service_api.last.request.headers


async def test_count_exact_with_content_range_and_206(service_api: Api, todos: str) -> None:
    res = (
        await service_api.sb.table(todos).select("id", count="exact").order("id").limit(2).execute()
    )
    assert res.count == 5
    assert service_api.last.status_code == 206
    assert service_api.last.headers["content-range"] == "0-1/5"
    full = await service_api.sb.table(todos).select("id", count="exact").execute()
    assert full.count == 5
    assert service_api.last.status_code == 200
    empty = await service_api.sb.table(todos).select("id", count="exact").eq("id", 99).execute()
    assert (empty.data, empty.count) == ([], 0)
    assert service_api.last.headers["content-range"] == "*/0"


async def test_without_count_content_range_has_a_star(service_api: Api, todos: str) -> None:
    res = await service_api.sb.table(todos).select("id").limit(2).execute()
    assert res.count is None
    assert service_api.last.headers["content-range"] == "0-1/*"


@pytest.mark.parametrize("method", ["planned", "estimated"])
async def test_count_planned_and_estimated(service_api: Api, todos: str, method: str) -> None:
    res = await service_api.sb.table(todos).select("id", count=method).execute()  # type: ignore[arg-type]
    assert isinstance(res.count, int)
    assert res.count >= 0
    if method == "estimated":
        assert res.count == 5  # small tables are counted exactly


async def test_head_returns_count_and_no_body(service_api: Api, todos: str) -> None:
    res = (
        await service_api.sb.table(todos)
        .select("*", count="exact", head=True)
        .gt("id", 2)
        .execute()
    )
    assert res.data == []
    assert res.count == 3
    assert service_api.last.request.method == "HEAD"
    assert service_api.last.content == b""


async def test_repeated_keys_are_anded_and_plus_is_a_space(service_api: Api, todos: str) -> None:
    res = (
        await service_api.sb.table(todos)
        .select("id")
        .gt("id", 0)
        .lt("id", 10)
        .gte("id", 1)
        .lte("id", 9)
        .neq("title", "x")
        .eq("title", "has space")
        .execute()
    )
    assert ids(res.data) == [3]
    assert "has+space" in str(service_api.last.request.url)


async def test_single_returns_a_bare_object(service_api: Api, todos: str) -> None:
    res = await service_api.sb.table(todos).select("id, title").eq("id", 2).single().execute()
    assert res.data == {"id": 2, "title": "b,c"}
    assert service_api.last.headers["content-type"] == (
        "application/vnd.pgrst.object+json; charset=utf-8"
    )


@pytest.mark.parametrize(("flt", "rows"), [(("id", 99), 0), (("done", True), 2)])
async def test_single_on_zero_or_many_rows_is_pgrst116(
    service_api: Api, todos: str, flt: tuple[str, object], rows: int
) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(todos).select("*").eq(*flt).single().execute()
    assert err.value.code == "PGRST116"
    assert err.value.message == "Cannot coerce the result to a single JSON object"
    assert err.value.details == f"The result contains {rows} rows"
    assert service_api.last.status_code == 406


async def test_single_with_strip_nulls(service_api: Api, todos: str) -> None:
    res = (
        await service_api.sb.table(todos)
        .select("id, note")
        .eq("id", 1)
        .strip_nulls()
        .single()
        .execute()
    )
    assert res.data == {"id": 1}
    stripped = (
        await service_api.sb.table(todos).select("id, note").eq("id", 1).strip_nulls().execute()
    )
    assert stripped.data == [{"id": 1}]


async def test_maybe_single(service_api: Api, todos: str) -> None:
    table = service_api.sb.table(todos)
    assert await table.select("id").eq("id", 99).maybe_single().execute() is None
    one = await table.select("id").eq("id", 1).maybe_single().execute()
    assert one is not None
    assert one.data == {"id": 1}
    with pytest.raises(APIError) as err:
        await table.select("id").eq("done", True).maybe_single().execute()
    assert err.value.code == "406"  # raised by the client itself, from a normal array answer
    assert service_api.last.status_code == 200


async def test_beyond_the_wire_notes_quantifiers_and_containment(
    service_api: Api, todos: str
) -> None:
    # Not in §B1's table, but cheap and used by the client's helpers.
    table = service_api.sb.table(todos)
    assert ids(
        (await table.select("id").ilike_any_of("title", "a*,*space").order("id").execute()).data
    ) == [1, 3, 4, 5]
    assert ids((await table.select("id").like_all_of("title", "a*,*t").execute()).data) == [5]
    assert ids((await table.select("id").contains("tags", ["a"]).execute()).data) == [1]
    assert ids((await table.select("id").contains("meta", {"x": 1}).execute()).data) == [1]
    assert ids(
        (await table.select("id").filter("done", "isdistinct", "true").order("id").execute()).data
    ) == [1, 3, 4]
