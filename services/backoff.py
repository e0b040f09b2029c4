"""The one exponential backoff: the app's reconnects, the feeds' and YClients' retries."""

from __future__ import annotations


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds before retry number `attempt` (1, 2, …): base, 2·base, 4·base … up to `cap`.
    Callers that many clients share add their own jitter below this ceiling."""
    return float(min(cap, base * 2.0 ** (attempt - 1)))
