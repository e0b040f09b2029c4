"""The bot's wishlist for one tenant: clients waiting for a free slot, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from services.backend import Backend
from services.errors import NotFound
from services.keyset import Cursor, newest_first
from services.lookups import by_id, parse_one
from services.models import WishlistEntry, parse_rows
from services.user_session import Permission, UserSession

WISHLIST_COLUMNS = "*"


@dataclass
class WishlistService:
    backend: Backend
    session: UserSession

    async def page(self, *, limit: int = 200, before: Cursor | None = None) -> list[WishlistEntry]:
        self.session.require(Permission.read)
        query = (
            self.backend.table("public", "wishlist_v2")
            .select(WISHLIST_COLUMNS)
            .eq("tenant_id", str(self.session.tenant_id))
        )
        query = newest_first(query, at_column="created_at", before=before)
        rows = (
            await self.backend.run(
                query.limit(max(1, min(limit, 1000))), context="public.wishlist_v2"
            )
        ).data
        return parse_rows(WishlistEntry, rows, source="public.wishlist_v2")

    async def get(self, entry_id: str) -> WishlistEntry:
        self.session.require(Permission.read)
        row = await by_id(
            self.backend,
            self.backend.table("public", "wishlist_v2")
            .select(WISHLIST_COLUMNS)
            .eq("tenant_id", str(self.session.tenant_id)),
            str(entry_id),
            context="public.wishlist_v2",
        )
        if row is None:
            raise NotFound("no such wishlist entry in your salon")
        return parse_one(WishlistEntry, row, what="this wishlist entry")
