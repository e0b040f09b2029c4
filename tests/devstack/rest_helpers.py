"""Helpers for the REST tests: the real async supabase client, watched through httpx hooks.

The client hides HTTP statuses and headers; an httpx response hook records each response so
tests can check them while still going through the client's own request path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from supabase import AsyncClient, AsyncClientOptions, acreate_client


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
