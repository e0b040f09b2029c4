"""The REST service survives Postgres going away: 503 PGRST000 meanwhile, then service as
before, with the LISTEN connection back (NOTIFY reloads the schema cache again)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from postgrest.exceptions import APIError

from devstack.rest.service import RestService
from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api

TIMEOUT = 15.0


async def until_cached(rest: RestService, name: str) -> None:
    while rest.cache.relation("public", name) is None:
        await rest.wait_for_generation(rest.generation)


async def test_requests_during_an_outage_get_503_then_work_again(
    devstack: DevStack, service_api: Api
) -> None:
    table = service_api.sb.table("wishlist_v2")
    await devstack.pg.stop()
    try:
        # GETs would be retried by the client on 503 (1, 2, 4 s); switch that off to see it.
        with pytest.raises(APIError) as err:
            await table.select("id").limit(1).retry(False).execute()
        assert err.value.code == "PGRST000"
        assert service_api.last.status_code == 503
        with pytest.raises(APIError) as write:
            await table.insert({"tenant_id": str(uuid.uuid4()), "client_id": "c"}).execute()
        assert write.value.code == "PGRST000"
    finally:
        await devstack.pg.start()
    res = await table.select("id").limit(1).retry(False).execute()
    assert service_api.last.status_code == 200
    assert isinstance(res.data, list)


async def test_postgres_restart_mid_run(devstack: DevStack, service_api: Api) -> None:
    tenants = service_api.sb.schema("dashboard").table("tenants")
    await tenants.select("id").limit(1).execute()
    generation = devstack.rest.generation
    await devstack.restart_postgres()
    # The first request after the restart meets dead pooled connections and must not fail.
    await tenants.select("id").limit(1).retry(False).execute()
    assert service_api.last.status_code == 200
    inserted = (
        await service_api.sb.table("wishlist_v2")
        .insert({"tenant_id": str(uuid.uuid4()), "client_id": "after-restart"})
        .execute()
    )
    assert inserted.data[0]["client_id"] == "after-restart"

    # The LISTEN connection comes back and reloads once (changes made while it was away were
    # announced to nobody); after that, a NOTIFY makes a new table appear in the cache.
    await asyncio.wait_for(devstack.rest.wait_for_generation(generation), TIMEOUT)
    name = f"after_{uuid.uuid4().hex[:8]}"
    conn = await devstack.connect()
    try:
        await conn.execute(f"create table public.{name} (id int primary key)")
        await conn.execute("notify pgrst, 'reload schema'")
        await asyncio.wait_for(until_cached(devstack.rest, name), TIMEOUT)
        assert (await service_api.sb.table(name).select("*").execute()).data == []
    finally:
        await conn.execute(f"drop table if exists public.{name}")
        await conn.close()
