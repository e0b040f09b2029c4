"""Resource embedding as PostgREST 12/13 serves it, through supabase-py and supabase-js.

Relationships come from the foreign keys: many-to-one, one-to-many, one-to-one, many-to-many
through a junction whose primary key holds both keys, and self references. The error bodies
(PGRST200/201/108/118/119/120) are PostgREST's own texts.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from postgrest.exceptions import APIError

from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api, run_supabase_js


@dataclass(frozen=True)
class Names:
    countries: str
    cities: str
    capitals: str
    films: str
    actors: str
    roles: str
    addresses: str
    orders: str
    staff: str


@pytest.fixture(scope="module")
async def names(devstack: DevStack) -> AsyncIterator[Names]:
    s = uuid.uuid4().hex[:6]
    n = Names(*(f"{base}_{s}" for base in Names.__dataclass_fields__))
    conn = await devstack.connect()
    await conn.execute(
        f"""
        create table {n.countries} (id int primary key, name text not null);
        create table {n.cities} (id int primary key, name text not null,
            country_id int references {n.countries} (id));
        create table {n.capitals} (country_id int primary key references {n.countries} (id),
            capital text);
        create table {n.films} (id int primary key, title text);
        create table {n.actors} (id int primary key, name text);
        create table {n.roles} (film_id int references {n.films} (id),
            actor_id int references {n.actors} (id), character text,
            primary key (film_id, actor_id));
        create table {n.addresses} (id int primary key, city text);
        create table {n.orders} (id int primary key,
            billing int constraint {n.orders}_billing_fkey references {n.addresses} (id),
            shipping int constraint {n.orders}_shipping_fkey references {n.addresses} (id));
        create table {n.staff} (id int primary key, name text,
            manager_id int references {n.staff} (id));
        insert into {n.countries} values (1, 'Algeria'), (2, 'France'), (3, 'Empty');
        insert into {n.cities} values (1, 'Algiers', 1), (2, 'Oran', 1), (3, 'Paris', 2),
            (4, 'Nowhere', null);
        insert into {n.capitals} values (1, 'Algiers'), (2, 'Paris');
        insert into {n.films} values (1, 'F1'), (2, 'F2');
        insert into {n.actors} values (1, 'A1'), (2, 'A2');
        insert into {n.roles} values (1, 1, 'c'), (1, 2, 'd'), (2, 2, 'e');
        insert into {n.addresses} values (1, 'Oran'), (2, 'Lyon');
        insert into {n.orders} values (1, 1, 2);
        insert into {n.staff} values (1, 'boss', null), (2, 'ann', 1), (3, 'bob', 1);
        create function {n.countries}_all() returns setof {n.countries} language sql
            as $$ select * from {n.countries} $$;
        """
    )
    await devstack.rest.reload_schema()
    yield n
    await conn.execute(f"drop function {n.countries}_all()")
    for table in reversed(list(Names.__dataclass_fields__)):
        await conn.execute(f"drop table if exists {getattr(n, table)} cascade")
    await conn.close()


async def test_many_to_one_is_an_object_and_alias_renames_it(
    service_api: Api, names: Names
) -> None:
    data = (
        await service_api.sb.table(names.cities)
        .select(f"name, country:{names.countries}(name)")
        .order("id")
        .execute()
    ).data
    assert data == [
        {"name": "Algiers", "country": {"name": "Algeria"}},
        {"name": "Oran", "country": {"name": "Algeria"}},
        {"name": "Paris", "country": {"name": "France"}},
        {"name": "Nowhere", "country": None},
    ]


async def test_one_to_many_is_an_array_empty_when_none(service_api: Api, names: Names) -> None:
    data = (
        await service_api.sb.table(names.countries)
        .select(f"name, {names.cities}(name)")
        .order("id")
        .order("id", foreign_table=names.cities)
        .execute()
    ).data
    c = names.cities
    assert data == [
        {"name": "Algeria", c: [{"name": "Algiers"}, {"name": "Oran"}]},
        {"name": "France", c: [{"name": "Paris"}]},
        {"name": "Empty", c: []},
    ]


async def test_one_to_one_is_an_object_from_both_sides(service_api: Api, names: Names) -> None:
    data = (
        await service_api.sb.table(names.countries)
        .select(f"name, {names.capitals}(capital)")
        .order("id")
        .execute()
    ).data
    assert [row[names.capitals] for row in data] == [
        {"capital": "Algiers"},
        {"capital": "Paris"},
        None,
    ]


async def test_many_to_many_through_the_junction(service_api: Api, names: Names) -> None:
    data = (
        await service_api.sb.table(names.films)
        .select(f"title, {names.actors}(name)")
        .order("id")
        .order("name", desc=True, foreign_table=names.actors)
        .execute()
    ).data
    a = names.actors
    assert data == [
        {"title": "F1", a: [{"name": "A2"}, {"name": "A1"}]},
        {"title": "F2", a: [{"name": "A2"}]},
    ]


async def test_inner_join_filters_parents_left_keeps_them(service_api: Api, names: Names) -> None:
    c = names.cities
    inner = (
        await service_api.sb.table(names.countries)
        .select(f"name, {c}!inner(name)")
        .eq(f"{c}.name", "Oran")
        .execute()
    ).data
    assert inner == [{"name": "Algeria", c: [{"name": "Oran"}]}]
    left = (
        await service_api.sb.table(names.countries)
        .select(f"name, {c}!left(name)")
        .eq(f"{c}.name", "Oran")
        .order("id")
        .execute()
    ).data
    assert left == [
        {"name": "Algeria", c: [{"name": "Oran"}]},
        {"name": "France", c: []},
        {"name": "Empty", c: []},
    ]


async def test_or_limit_and_offset_on_an_embedded_resource(service_api: Api, names: Names) -> None:
    c = names.cities
    data = (
        await service_api.sb.table(names.countries)
        .select(f"name, {c}(name)")
        .or_("name.eq.Oran,name.eq.Paris,name.eq.Algiers", reference_table=c)
        .order("name", foreign_table=c)
        .range(1, 1, foreign_table=c)
        .order("id")
        .execute()
    ).data
    assert data == [
        {"name": "Algeria", c: [{"name": "Oran"}]},
        {"name": "France", c: []},
        {"name": "Empty", c: []},
    ]


async def test_order_by_a_to_one_embedded_column(service_api: Api, names: Names) -> None:
    data = (
        await service_api.sb.table(names.cities)
        .select(f"name, {names.countries}(name)")
        .not_.is_("country_id", None)
        .order(f"{names.countries}(name)", desc=True)
        .order("id")
        .execute()
    ).data
    assert [row["name"] for row in data] == ["Paris", "Algiers", "Oran"]


async def test_null_filter_on_an_embedded_resource(service_api: Api, names: Names) -> None:
    c = names.cities
    data = (
        await service_api.sb.table(names.countries)
        .select(f"name, {c}(name)")
        .eq(f"{c}.name", "Paris")
        .not_.is_(c, None)
        .execute()
    ).data
    assert data == [{"name": "France", c: [{"name": "Paris"}]}]


async def test_hints_pick_the_foreign_key(service_api: Api, names: Names) -> None:
    a = names.addresses
    data = (
        await service_api.sb.table(names.orders)
        .select(f"id, bill:{a}!{names.orders}_billing_fkey(city), ship:{a}!shipping(city)")
        .execute()
    ).data
    assert data == [{"id": 1, "bill": {"city": "Oran"}, "ship": {"city": "Lyon"}}]
    by_column = (
        await service_api.sb.table(names.orders).select("id, billing(city)").execute()
    ).data
    assert by_column == [{"id": 1, "billing": {"city": "Oran"}}]


async def test_self_reference_by_column_and_by_table(service_api: Api, names: Names) -> None:
    data = (
        await service_api.sb.table(names.staff)
        .select(f"name, boss:manager_id(name), reports:{names.staff}(name)")
        .order("id")
        .order("id", foreign_table="reports")
        .execute()
    ).data
    assert data == [
        {"name": "boss", "boss": None, "reports": [{"name": "ann"}, {"name": "bob"}]},
        {"name": "ann", "boss": {"name": "boss"}, "reports": []},
        {"name": "bob", "boss": {"name": "boss"}, "reports": []},
    ]


async def test_spread_of_a_to_one_resource(service_api: Api, names: Names) -> None:
    data = (
        await service_api.sb.table(names.cities)
        .select(f"name, ...{names.countries}(country:name)")
        .eq("id", 3)
        .execute()
    ).data
    assert data == [{"name": "Paris", "country": "France"}]


async def test_nested_embedding_and_embedding_on_a_write(service_api: Api, names: Names) -> None:
    data = (
        await service_api.sb.table(names.roles)
        .select(f"character, {names.films}(title, {names.actors}(name))")
        .eq("character", "e")
        .execute()
    ).data
    assert data == [
        {"character": "e", names.films: {"title": "F2", names.actors: [{"name": "A2"}]}}
    ]
    written = (
        await service_api.sb.table(names.cities)
        .insert({"id": 9, "name": "Lyon", "country_id": 2})
        .select(f"name, {names.countries}(name)")
        .execute()
    ).data
    assert written == [{"name": "Lyon", names.countries: {"name": "France"}}]
    await service_api.sb.table(names.cities).delete().eq("id", 9).execute()


async def test_ambiguous_embedding_is_300_pgrst201_with_postgrest_hint(
    service_api: Api, names: Names
) -> None:
    a, o = names.addresses, names.orders
    with pytest.raises(APIError) as err:
        await service_api.sb.table(o).select(f"id, {a}(city)").execute()
    assert service_api.last.status_code == 300
    assert err.value.code == "PGRST201"
    assert err.value.message == (
        f"Could not embed because more than one relationship was found for '{o}' and '{a}'"
    )
    assert err.value.hint == (
        f"Try changing '{a}' to one of the following: '{a}!{o}_billing_fkey', "
        f"'{a}!{o}_shipping_fkey'. Find the desired relationship in the 'details' key."
    )
    assert err.value.details == [
        {
            "cardinality": "many-to-one",
            "embedding": f"{o} with {a}",
            "relationship": f"{o}_billing_fkey using {o}(billing) and {a}(id)",
        },
        {
            "cardinality": "many-to-one",
            "embedding": f"{o} with {a}",
            "relationship": f"{o}_shipping_fkey using {o}(shipping) and {a}(id)",
        },
    ]


async def test_no_relationship_is_400_pgrst200_with_a_suggestion(
    service_api: Api, names: Names
) -> None:
    c = names.countries
    with pytest.raises(APIError) as err:
        await service_api.sb.table(c).select(f"name, {names.cities}x(name)").execute()
    assert service_api.last.status_code == 400
    assert err.value.code == "PGRST200"
    assert err.value.message == (
        f"Could not find a relationship between '{c}' and '{names.cities}x' in the schema cache"
    )
    assert err.value.details == (
        f"Searched for a foreign key relationship between '{c}' and '{names.cities}x' in the "
        "schema 'public', but no matches were found."
    )
    assert err.value.hint == f"Perhaps you meant '{names.cities}' instead of '{names.cities}x'."


@pytest.mark.parametrize(
    ("build", "code"),
    [
        # a filter on a resource the select does not embed
        (lambda t, n: t.select("name").eq(f"{n.cities}.name", "x"), "PGRST108"),
        # a related order through a to-many relationship
        (lambda t, n: t.select(f"name, {n.cities}(name)").order(f"{n.cities}(name)"), "PGRST118"),
        # a spread of a to-many relationship
        (lambda t, n: t.select(f"name, ...{n.cities}(name)"), "PGRST119"),
        # an operator other than is null on an embedded resource
        (lambda t, n: t.select(f"name, {n.cities}(name)").eq(n.cities, "x"), "PGRST120"),
        # aggregates are off on Supabase projects
        (lambda t, n: t.select("count()"), "PGRST123"),
    ],
)
async def test_embedding_refusals_carry_postgrest_codes(
    service_api: Api, names: Names, build: object, code: str
) -> None:
    table = service_api.sb.table(names.countries)
    with pytest.raises(APIError) as err:
        await build(table, names).execute()  # type: ignore[operator]
    assert err.value.code == code
    assert service_api.last.status_code == 400


@pytest.mark.parametrize("key", ["service_key", "secret_key"])
async def test_embedding_through_supabase_js(key: str, devstack: DevStack, names: Names) -> None:
    n = names
    body = f"""
const out = {{}}
out.o2m = (await sb.from('{n.countries}').select('name, {n.cities}(name)').order('id')
  .order('id', {{ referencedTable: '{n.cities}' }})).data
out.inner = (await sb.from('{n.countries}').select('name, {n.cities}!inner(name)')
  .eq('{n.cities}.name', 'Oran')).data
out.m2o = (await sb.from('{n.cities}').select('name, country:{n.countries}(name)').eq('id', 3)).data
out.m2m = (await sb.from('{n.films}').select('title, {n.actors}(name)').eq('id', 2)).data
out.limited = (await sb.from('{n.countries}').select('name, {n.cities}(name)').eq('id', 1)
  .order('name', {{ referencedTable: '{n.cities}', ascending: false }})
  .limit(1, {{ referencedTable: '{n.cities}' }})).data
out.or = (await sb.from('{n.countries}').select('name, {n.cities}(name)').eq('id', 1)
  .or('name.eq.Oran', {{ referencedTable: '{n.cities}' }})).data
out.rpc = (await sb.rpc('{n.countries}_all').select('name, {n.cities}(name)').eq('id', 2)).data
const amb = await sb.from('{n.orders}').select('id, {n.addresses}(city)')
out.ambiguous = [amb.status, amb.error.code, amb.error.hint]
done(out)
"""
    out = await run_supabase_js(devstack.info.supabase_url, getattr(devstack.info, key), body)
    c = n.cities
    assert out["o2m"] == [
        {"name": "Algeria", c: [{"name": "Algiers"}, {"name": "Oran"}]},
        {"name": "France", c: [{"name": "Paris"}]},
        {"name": "Empty", c: []},
    ]
    assert out["inner"] == [{"name": "Algeria", c: [{"name": "Oran"}]}]
    assert out["m2o"] == [{"name": "Paris", "country": {"name": "France"}}]
    assert out["m2m"] == [{"title": "F2", n.actors: [{"name": "A2"}]}]
    assert out["limited"] == [{"name": "Algeria", c: [{"name": "Oran"}]}]
    assert out["or"] == [{"name": "Algeria", c: [{"name": "Oran"}]}]
    assert out["rpc"] == [{"name": "France", c: [{"name": "Paris"}]}]
    assert out["ambiguous"][:2] == [300, "PGRST201"]
    assert out["ambiguous"][2].startswith(f"Try changing '{n.addresses}' to one of the following")


async def test_a_filter_by_table_name_on_an_aliased_embed_is_pgrst108(
    service_api: Api, names: Names
) -> None:
    with pytest.raises(APIError) as err:
        await (
            service_api.sb.table(names.cities)
            .select(f"name, country:{names.countries}(name)")
            .eq(f"{names.countries}.name", "France")
            .execute()
        )
    assert err.value.code == "PGRST108"
    assert err.value.details == "Target names are not allowed in filters if they have an alias"
