"""One line at the bottom: who is logged in, the state of each live feed, the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.widget import Widget

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
# One mark per state: with several states at once the line shows marks and feed names only,
# and `?` explains the marks (help.legend.*).
SYMBOL = {
    FeedState.reconnecting: "↻",
    FeedState.polling: "◐",
    FeedState.connecting: "◌",
    FeedState.stopped: "○",
    FeedState.live: "●",
}
OUTBOX_SYMBOL = "✉"
_FEED_ORDER = ("wishlist", "commands", "sessions", "thread")


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


def fit(line: Text, width: int) -> Text:
    """The line cut to `width` cells with "…": one row, whatever the terminal."""
    fitted = line.copy()
    fitted.truncate(max(1, width), overflow="ellipsis")
    return fitted


def render_status(info: StatusInfo) -> Text:
    """What matters first: the feeds' state, read-only, the outbox; then role and salon.

    The line is cut at the end with "…" when the terminal is narrow, so a long salon name is
    what gives way; the email is on the lock screen and not repeated here.
    """
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    order = {name: i for i, name in enumerate(_FEED_ORDER)}
    # A fixed order, since the order feeds first report in varies from run to run.
    groups: dict[FeedState, list[tuple[str, FeedStatus]]] = {}
    for name, status in sorted(info.feeds.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])):
        groups.setdefault(status.state, []).append((name, status))
    parts: list[Text] = []
    for state in SYMBOL:
        members = groups.get(state)
        if not members:
            continue
        part = Text(SYMBOL[state] + " ", style=_STYLE[state])
        since = min(status.since for _, status in members)
        if len(groups) == 1:
            if state == FeedState.reconnecting:
                label = t("feed.reconnecting", time=clock_time(since, info.timezone))
            else:
                label = t(f"feed.{state.value}")
            part.append(label, style=_STYLE[state])
        else:
            if state == FeedState.reconnecting:
                part.append(clock_time(since, info.timezone) + " ", style=_STYLE[state])
            part.append(", ".join(t(f"feed.{name}") for name, _ in members))
        parts.append(part)
    # Feed groups sit one space apart, the other elements two: the marks set them apart.
    states = Text(" ").join(parts)
    parts = [states] if states else []
    if info.read_only:
        parts.append(Text(t("status.read_only"), style="bold red"))
    if info.outbox:
        parts.append(
            Text(f"{OUTBOX_SYMBOL} " + t("status.outbox", count=info.outbox), style="bold yellow")
        )
    if info.bot is not None:
        parts.append(bot_segment(info.bot, info.timezone))
    who = Text(t("role." + info.role) if info.role else "")
    if info.tenant:
        if info.role:
            who.append(" · ")
        who.append_text(literal(info.tenant, single_line=True))
    if who:
        parts.append(who)
    for i, part in enumerate(parts):
        if i:
            line.append("  ")
        line.append_text(part)
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


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = StatusInfo()
        self._rendered = Text()

    def show(self, info: StatusInfo) -> None:
        self.info = info
        self._rendered = render_status(info)
        self.refresh()

    def render(self) -> Text:
        return fit(self._rendered, self.content_size.width)
