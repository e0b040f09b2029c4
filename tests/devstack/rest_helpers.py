"""Helpers for the REST tests: the real async supabase client, watched through httpx hooks.

The client hides HTTP statuses and headers; an httpx response hook records each response so
tests can check them while still going through the client's own request path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from supabase import AsyncClient, AsyncClientOptions, acreate_client

from tests.jsclient import run_js


@dataclass
class Api:
    """A supabase client plus the HTTP responses it received."""

    sb: AsyncClient
    http: httpx.AsyncClient
    seen: list[httpx.Response] = field(default_factory=list)

    @property
    def last(self) -> httpx.Response:
        return self.seen[-1]


async def make_api(url: str, key: str, *, bearer: str | None = None) -> Api:
    seen: list[httpx.Response] = []

    async def record(response: httpx.Response) -> None:
        seen.append(response)

    http = httpx.AsyncClient(event_hooks={"response": [record]}, timeout=30)
    sb = await acreate_client(url, key, options=AsyncClientOptions(httpx_client=http))
    if bearer is not None:
        sb.postgrest.auth(bearer)
    return Api(sb, http, seen)


# The head of a supabase-js script: a client on the devstack, with the `ws` transport that
# Node 20 needs. The script's body uses `sb` and ends with `done(result)`, which prints the
# result as the last JSON line and exits (the client's auth timers would keep Node alive).
JS_CLIENT = """
import { createClient } from '@supabase/supabase-js'
import ws from 'ws'
const sb = createClient(process.env.URL, process.env.KEY, { realtime: { transport: ws } })
const done = (value) => { console.log(JSON.stringify(value)); process.exit(0) }
"""


async def run_supabase_js(url: str, key: str, body: str) -> Any:
    """Run `body` after JS_CLIENT in a thread: the devstack serves it on this event loop."""
    env = {"URL": url, "KEY": key}
    return await asyncio.to_thread(run_js, JS_CLIENT + body, env=env)
