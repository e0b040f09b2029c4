"""How often the dashboard may draw: Textual's frame cap, set before Textual is imported.

Textual draws a screen's changes from a timer of 1/`textual.constants.MAX_FPS` seconds, read
once from `TEXTUAL_FPS` when Textual is imported (60 by default). After a quiet spell the first
frame goes out at once, but one that follows a frame by less than a period waits for the
timer's next tick. While the wishlist receives rows, frames follow each other: a key's echo
then waited up to a whole period (16.7 ms at 60) before any of its work, so the keystroke →
echo figure could not reach one 60 Hz frame. At 120 the wait is at most 8.3 ms. Nothing
draws more often than something changes (an idle app draws nothing), so the cap costs CPU
and bytes only when changes come faster than 60 a second.
"""

from __future__ import annotations

from collections.abc import MutableMapping

FRAMES_PER_SECOND = 120
VARIABLE = "TEXTUAL_FPS"


def cap_frames(environ: MutableMapping[str, str]) -> None:
    """The dashboard's frame cap, unless the user set Textual's own."""
    environ.setdefault(VARIABLE, str(FRAMES_PER_SECOND))
