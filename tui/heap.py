"""Keeping the garbage collector's full passes short while the dashboard runs.

A full (generation 2) collection walks every tracked object: with Textual, the Supabase client
and pydantic loaded that is about a million objects, and each pass stalled the event loop for
90–160 ms, a dozen times a minute under a live feed (the worst rows of the wishlist's
commit → screen latency). Objects that live as long as the process are moved out of the
collector's sight once they exist; what a session creates is handed back at logout, so a long
day of logins and logouts does not keep old screens alive.
"""

from __future__ import annotations

import gc


def hold() -> None:
    """Start-up: no cyclic collections while the app's modules are imported and its first
    screen is built (they would walk the same new objects again and again: about 25 ms of the
    first paint). `settle` (after the first paint) or `resume` turns them back on."""
    gc.disable()


def resume() -> None:
    gc.enable()


def settle() -> None:
    """Collect what start-up left behind, exempt every survivor from later passes, and let
    the collector run again."""
    gc.collect()
    gc.freeze()
    gc.enable()


def freeze() -> None:
    """Exempt everything alive now (no collection first: it would stall the caller)."""
    gc.freeze()


def release() -> None:
    """Make frozen objects collectable again (a session is ending)."""
    gc.unfreeze()
