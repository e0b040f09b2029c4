"""The bot's wishlist for one tenant: clients waiting for a free slot, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from services.backend import Backend
from services.errors import NotFound
from services.keyset import Cursor, newest_first
from services.models import WishlistEntry
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
        return [WishlistEntry.model_validate(row) for row in rows]

    async def get(self, entry_id: str) -> WishlistEntry:
        self.session.require(Permission.read)
        rows = (
            await self.backend.run(
                self.backend.table("public", "wishlist_v2")
                .select(WISHLIST_COLUMNS)
                .eq("tenant_id", str(self.session.tenant_id))
                .eq("id", str(entry_id))
                .limit(1),
                context="public.wishlist_v2",
            )
        ).data
        if not rows:
            raise NotFound("no such wishlist entry in your salon")
        return WishlistEntry.model_validate(rows[0])
