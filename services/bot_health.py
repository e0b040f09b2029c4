"""Is the bot picking commands up? Inferred from the command queue, a heartbeat where offered.

The bot moves `dashboard.bot_commands` rows from `pending` to `processing`; a command left
pending tells how long the bot has not looked. So:
- **ok**: nothing pending, or the oldest pending command is younger than a normal poll;
- **slow**: the oldest pending command is older than that, but younger than the threshold
  (`bot_pickup_seconds` in the settings, 60 by default);
- **stalled**: a command has been pending for the threshold or longer: "not taking commands
  since" its creation.

A bot may also write a heartbeat (`dashboard.bot_heartbeat`, docs/bot-commands.md). Where there
is one, a heartbeat older than the threshold with nothing pending is `silent` ("no sign of the
bot since"); where the table or the salon's row is missing, nothing is inferred from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.backend import Backend
from services.errors import BackendMisconfigured
from services.user_session import Permission, UserSession

DEFAULT_PICKUP_SECONDS = 60.0
# The simulator and the reference bot poll every few seconds; under this a pending command is
# simply waiting for the next poll.
NORMAL_POLL_SECONDS = 15.0


class BotState(StrEnum):
    ok = "ok"
    slow = "slow"
    stalled = "stalled"
    silent = "silent"
    unknown = "unknown"


@dataclass(frozen=True, slots=True)
class BotHealth:
    state: BotState
    # ok/slow: age of the oldest pending command; stalled: since when; silent: last heartbeat.
    pending_seconds: float | None = None
    since: datetime | None = None

    @property
    def taking_commands(self) -> bool:
        return self.state not in {BotState.stalled, BotState.silent}


def judge(
    *,
    now: datetime,
    oldest_pending: datetime | None,
    heartbeat: datetime | None,
    threshold: float = DEFAULT_PICKUP_SECONDS,
) -> BotHealth:
    """The state from the two timestamps; pure, so each boundary is tested on its own."""
    if oldest_pending is not None:
        age = max(0.0, (now - oldest_pending).total_seconds())
        if age >= threshold:
            return BotHealth(BotState.stalled, age, oldest_pending)
        if age >= min(NORMAL_POLL_SECONDS, threshold / 2):
            return BotHealth(BotState.slow, age)
        return BotHealth(BotState.ok, age)
    if heartbeat is not None and now - heartbeat >= timedelta(seconds=threshold):
        return BotHealth(BotState.silent, since=heartbeat)
    return BotHealth(BotState.ok)


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@dataclass
class BotHealthService:
    backend: Backend
    session: UserSession
    threshold: float = DEFAULT_PICKUP_SECONDS
    # None until the first read; False once the backend said there is no heartbeat table.
    _heartbeat_table: bool | None = None

    async def check(self, now: datetime) -> BotHealth:
        self.session.require(Permission.read)
        tenant = str(self.session.tenant_id)
        rows = (
            await self.backend.run(
                self.backend.table("dashboard", "bot_commands")
                .select("created_at")
                .eq("tenant_id", tenant)
                .eq("status", "pending")
                .order("created_at")
                .limit(1),
                context="dashboard.bot_commands",
            )
        ).data
        oldest = _parse(rows[0].get("created_at")) if rows else None
        return judge(
            now=now,
            oldest_pending=oldest,
            heartbeat=await self._heartbeat(tenant),
            threshold=self.threshold,
        )

    async def _heartbeat(self, tenant: str) -> datetime | None:
        if self._heartbeat_table is False:
            return None
        try:
            rows = (
                await self.backend.run(
                    self.backend.table("dashboard", "bot_heartbeat")
                    .select("at")
                    .eq("tenant_id", tenant)
                    .limit(1),
                    context="dashboard.bot_heartbeat",
                )
            ).data
        except BackendMisconfigured:
            # The heartbeat is optional: a project whose migrations predate it has no table.
            self._heartbeat_table = False
            return None
        self._heartbeat_table = True
        return _parse(rows[0].get("at")) if rows else None
