"""One line at the bottom: who is logged in, the state of each live feed, the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.widgets import Static

from core.i18n import t
from services.bot_health import BotHealth
from services.feed_types import FeedState, FeedStatus
from widgets.literal import literal
from widgets.timefmt import clock_time

_STYLE = {
    FeedState.live: "green",
    FeedState.connecting: "yellow",
    FeedState.reconnecting: "bold yellow",
    FeedState.polling: "bold magenta",
    FeedState.stopped: "dim",
}


@dataclass
class StatusInfo:
    email: str = ""
    role: str = ""
    tenant: str = ""
    timezone: str = "UTC"
    read_only: bool = False
    feeds: dict[str, FeedStatus] = field(default_factory=dict)
    outbox: int = 0
    bot: BotHealth | None = None


def render_status(info: StatusInfo) -> Text:
    line = Text()
    line.append_text(literal(info.email, style="bold", single_line=True))
    line.append(f" · {t('role.' + info.role) if info.role else ''} · ")
    line.append_text(literal(info.tenant, single_line=True))
    if info.read_only:
        line.append(f" · {t('status.read_only')}", style="bold red")
    # Feeds in the same state share one label ("live: wishlist, commands, sessions"), which
    # keeps the line within 80 columns; a fixed order, since the order feeds first report in
    # varies from run to run.
    order = {name: i for i, name in enumerate(("wishlist", "commands", "sessions", "thread"))}
    groups: dict[tuple[str, FeedState], list[str]] = {}
    for name, status in sorted(info.feeds.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])):
        if status.state == FeedState.reconnecting:
            label = t("feed.reconnecting", time=clock_time(status.since, info.timezone))
        else:
            label = t(f"feed.{status.state.value}")
        groups.setdefault((label, status.state), []).append(t("feed." + name))
    for (label, state), names in groups.items():
        line.append("  ")
        line.append(label, style=_STYLE[state])
        line.append(": " + ", ".join(names))
    if info.outbox:
        line.append("  ")
        line.append(t("status.outbox", count=info.outbox), style="bold yellow")
    if info.bot is not None:
        line.append("  ")
        line.append_text(bot_segment(info.bot, info.timezone))
    return line


def bot_segment(health: BotHealth, timezone: str) -> Text:
    """ok, slow (the oldest pending command's age), or not taking commands since HH:MM."""
    state = health.state
    if state == "slow":
        seconds = round(health.pending_seconds or 0)
        return Text(t("bot.health.slow", seconds=seconds), style="yellow")
    if state == "stalled" and health.since is not None:
        return Text(
            t("bot.health.stalled", time=clock_time(health.since, timezone)), style="bold red"
        )
    if state == "silent" and health.since is not None:
        return Text(
            t("bot.health.silent", time=clock_time(health.since, timezone)), style="bold red"
        )
    return Text(t("bot.health.ok"), style="green")


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.info = StatusInfo()

    def show(self, info: StatusInfo) -> None:
        self.info = info
        self.update(render_status(info))
