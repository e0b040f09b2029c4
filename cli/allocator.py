"""One malloc arena for the dashboard's process.

glibc's malloc gives a thread that allocates while another holds the main arena an arena of its
own, and keeps the pages each one touched. The dashboard's extra threads (Textual's input and
writer threads, the short workers that import modules, hash a password or write the outbox)
allocate little and rarely at the same time as the event loop; their arenas held about 1 MB of
an idle app (issue 16: RSS within 2× a bare Textual app). They share the main arena instead.
"""

from __future__ import annotations

import sys

M_ARENA_MAX = -8  # glibc's malloc.h


def one_arena() -> bool:
    """Before any thread starts. False where it does not apply (not glibc): nothing changed."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here only: the dashboard's start pays for it, the commands do not

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False  # musl and others: no mallopt, and no arena per thread either
    return bool(mallopt(M_ARENA_MAX, 1))
