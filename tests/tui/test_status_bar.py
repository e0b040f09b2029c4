"""The status bar and the footer at 80 columns, in both languages and every feed state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import product

import pytest

from core.i18n import LANGUAGES, set_language, t
from services.feeds import FeedState, FeedStatus
from widgets.footer import FooterEntry, fit_entries
from widgets.status_bar import StatusInfo, fit, render_status

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
WIDTH = 78  # 80 columns less the bar's padding
LONG_SALON = "Салон красоты и SPA «Лотос» на Ленинском проспекте, 32"
FEEDS = ("wishlist", "commands", "sessions")


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    set_language(request.param)
    yield request.param
    set_language("en")


@pytest.mark.parametrize("states", list(product(FeedState, repeat=3)))
@pytest.mark.parametrize("outbox", [0, 1, 21, 4101])
def test_state_and_outbox_always_fit(
    language: str, states: tuple[FeedState, ...], outbox: int
) -> None:
    info = StatusInfo(
        email="reception.manager@long-salon-name.example",
        role="admin",
        tenant=LONG_SALON,
        timezone="Europe/Moscow",
        feeds={
            name: FeedStatus(state, since=NOW) for name, state in zip(FEEDS, states, strict=True)
        },
        outbox=outbox,
    )
    shown = fit(render_status(info), WIDTH).plain
    assert len(shown) <= WIDTH and "\n" not in shown
    assert "reception.manager" not in shown, "the email is not repeated in the bar"
    whole = render_status(info).plain
    # What is cut is the end (role, salon); the feeds' state and the outbox never are.
    head = whole.split(t("role.admin"))[0].rstrip()
    assert shown.startswith(head), (shown, head)
    if outbox:
        assert t("status.outbox", count=outbox) in shown


def test_read_only_fits_with_mixed_states_and_an_outbox(language: str) -> None:
    info = StatusInfo(
        role="viewer",
        tenant=LONG_SALON,
        read_only=True,
        feeds={
            "wishlist": FeedStatus(FeedState.live, since=NOW),
            "commands": FeedStatus(FeedState.reconnecting, since=NOW),
            "sessions": FeedStatus(FeedState.polling, since=NOW),
        },
        outbox=5,
    )
    shown = fit(render_status(info), WIDTH).plain
    assert t("status.read_only") in shown and t("status.outbox", count=5) in shown


def test_all_live_is_one_word(language: str) -> None:
    info = StatusInfo(
        role="operator",
        tenant="Лотос",
        feeds={name: FeedStatus(FeedState.live, since=NOW) for name in FEEDS},
    )
    assert render_status(info).plain == f"● {t('feed.live')}  {t('role.operator')} · Лотос"


def entries(*labels: str) -> list[FooterEntry]:
    return [FooterEntry(label, label[:2], t(label), True) for label in labels]


@pytest.mark.parametrize(
    "labels",
    [
        ("action.help", "wishlist.action.filter", "wishlist.action.message",
         "wishlist.action.sort", "wishlist.action.older", "action.quit", "action.lock",
         "action.logout"),
        ("action.help", "commands.action.new", "commands.action.send",
         "commands.action.resend", "action.quit", "action.lock", "action.logout"),
        ("action.help", "analytics.action.period", "analytics.action.sync",
         "analytics.action.cancel", "analytics.action.export", "action.quit", "action.lock",
         "action.logout"),
    ],
)  # fmt: skip
def test_the_footer_keeps_help_first_and_drops_whole_entries(
    language: str, labels: tuple[str, ...]
) -> None:
    kept = fit_entries(entries(*labels), WIDTH)
    assert kept[0].label == t("action.help")
    drawn = "  ".join(f"{e.shown} {e.label}" for e in kept)
    assert len(drawn) <= WIDTH
    assert [e.label for e in kept] == [e.label for e in entries(*labels) if e in kept]
