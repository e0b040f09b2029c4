"""What the request handlers use of the REST service: the `RestService` (service.py) routes to
them and passes itself, so they type against this protocol instead of importing it back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import asyncpg
from aiohttp import web

from devstack.keys import Keys
from devstack.rest.negotiation import Identity
from devstack.rest.schema_cache import SchemaCache

T = TypeVar("T")


class RestBackend(Protocol):
    keys: Keys
    schemas: tuple[str, ...]
    cache: SchemaCache
    generation: int

    async def reload_if_unchanged(self, generation: int) -> None: ...

    async def run(
        self,
        identity: Identity,
        request: web.Request,
        work: Callable[[asyncpg.Connection], Awaitable[T]],
        *,
        readonly: bool,
    ) -> T: ...
