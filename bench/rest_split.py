"""Where bench_rest's select of 50 rows spends its time: the client, the HTTP server, the devstack.

    python -m bench.rest_split [--calls 500] [--rounds 3]

A tool, not a figure of the report (bench/__main__.py does not run it). Starts its own devstack
with bench_rest's table and times five ways of getting the same 50 rows, round by round, so
load on the machine hits each alike:

  * supabase-py → devstack       what bench_rest measures;
  * supabase-py → canned         the same client against a bare aiohttp route answering the
                                 devstack's bytes and headers: the client and HTTP alone;
  * raw socket → devstack        the request bytes written to a socket and the answer read back
                                 by Content-Length: the devstack alone (aiohttp, handler, SQL);
  * raw socket → canned          the bare aiohttp route alone;
  * asyncpg                      the same SQL straight to Postgres (bench_rest's floor).

For each: p50 of the calls' wall time, and CPU per call of this process (client and devstack
share it) and of the Postgres server processes (from /proc, in clock ticks: coarse).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import httpx
from aiohttp import web
from supabase import AsyncClient, acreate_client

from bench.bench_rest import TABLE, seed_items
from devstack.stack import DevStack, StackOptions

Call = Callable[[], Awaitable[object]]


def postgres_cpu(pg_dir: Path) -> float:
    """CPU seconds used so far by the postmaster and its children (Linux /proc)."""
    master = int((pg_dir / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == master or int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def raw_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> Call:
    async def call() -> bytes:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
        return await reader.readexactly(length)

    return call


async def measure(calls: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rest-split-") as tmp:
        stack = DevStack(StackOptions(data_dir=Path(tmp), yclients=False))
        info = await stack.start()
        runner: web.AppRunner | None = None
        try:
            conn = await stack.connect()
            tenants = await seed_items(stack, conn)
            tenant = str(tenants[2])
            auth = {"apikey": info.service_key, "Authorization": f"Bearer {info.service_key}"}
            async with httpx.AsyncClient() as http:
                sample = await http.get(
                    f"{info.supabase_url}/rest/v1/{TABLE}",
                    params={
                        "select": "*",
                        "tenant_id": f"eq.{tenant}",
                        "order": "id.asc",
                        "limit": 50,
                    },
                    headers=auth,
                )
            body = sample.content
            kept = {"content-type", "content-range"}
            headers = {k: v for k, v in sample.headers.items() if k.lower() in kept}

            async def canned(_request: web.Request) -> web.Response:
                return web.Response(body=body, headers=headers)

            app = web.Application()
            app.router.add_get("/rest/v1/{name}", canned)
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            canned_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            devstack_client = await acreate_client(info.supabase_url, info.service_key)
            canned_client = await acreate_client(canned_url, info.service_key)

            def supabase_select(client: AsyncClient) -> Call:
                async def call() -> object:
                    res = (
                        await client.table(TABLE)
                        .select("*")
                        .eq("tenant_id", tenant)
                        .order("id")
                        .limit(50)
                        .execute()
                    )
                    assert len(res.data) == 50
                    return res

                return call

            host_port = info.supabase_url.removeprefix("http://")
            request = (
                f"GET {sample.request.url.raw_path.decode()} HTTP/1.1\r\nHost: {host_port}\r\n"
                f"Accept: */*\r\napikey: {info.service_key}\r\n"
                f"Authorization: Bearer {info.service_key}\r\nAccept-Profile: public\r\n\r\n"
            ).encode()
            host, port = host_port.split(":")
            to_devstack = raw_client(*await asyncio.open_connection(host, int(port)), request)
            canned_port = runner.addresses[0][1]
            to_canned = raw_client(*await asyncio.open_connection(host, canned_port), request)
            sql = f"select * from public.{TABLE} where tenant_id = $1 order by id limit 50"

            async def asyncpg_select() -> object:
                return await conn.fetch(sql, tenants[2])

            ways: list[tuple[str, Call]] = [
                ("supabase-py → devstack", supabase_select(devstack_client)),
                ("supabase-py → canned", supabase_select(canned_client)),
                ("raw socket → devstack", to_devstack),
                ("raw socket → canned", to_canned),
                ("asyncpg, same SQL", asyncpg_select),
            ]
            pg_dir = Path(tmp) / "pg"
            print(f"{calls} calls per way and round, {rounds} rounds (after 50 warm-up calls)")
            for index in range(rounds):
                print(f"round {index + 1}:")
                for label, call in ways:
                    for _ in range(50):
                        await call()
                    walls = []
                    pg_before, cpu_before = postgres_cpu(pg_dir), time.process_time()
                    for _ in range(calls):
                        start = time.perf_counter()
                        await call()
                        walls.append(time.perf_counter() - start)
                    cpu = (time.process_time() - cpu_before) / calls * 1000
                    pg = (postgres_cpu(pg_dir) - pg_before) / calls * 1000
                    print(
                        f"  {label:24} p50 {statistics.median(walls) * 1000:6.3f} ms"
                        f"   CPU/call: this process {cpu:6.3f} ms, Postgres {pg:6.3f} ms"
                    )
            await conn.close()
        finally:
            if runner is not None:
                await runner.cleanup()
            await stack.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=500, help="timed calls per way and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the five ways")
    args = parser.parse_args(argv)
    asyncio.run(measure(args.calls, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
