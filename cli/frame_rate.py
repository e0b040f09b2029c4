"""How often the dashboard may draw: Textual's frame cap, set before Textual is imported.

Textual draws a screen's changes from a timer of 1/`textual.constants.MAX_FPS` seconds, read
once from `TEXTUAL_FPS` when Textual is imported (60 by default). After a quiet spell the first
frame goes out at once, but one that follows a frame by less than a period waits for the
timer's next tick. While the wishlist receives rows, its batches draw about 20 frames a second,
and a key that came just after one waited for the tick before any of its work: up to 16.7 ms
at 60, 8.3 ms at 120 (then the most of a key's way to the screen, bench_keys). At 500 the wait
is at most 2 ms, below what a frame costs to draw, so the cap no longer sets the pace.
Nothing draws more often than something changes (an idle app draws nothing, and the live
feeds are batched at 20 a second), so the higher cap costs CPU and bytes only when changes
come faster than a frame can be drawn.
"""

from __future__ import annotations

from collections.abc import MutableMapping

FRAMES_PER_SECOND = 500
VARIABLE = "TEXTUAL_FPS"


def cap_frames(environ: MutableMapping[str, str]) -> None:
    """The dashboard's frame cap, unless the user set Textual's own."""
    environ.setdefault(VARIABLE, str(FRAMES_PER_SECOND))
