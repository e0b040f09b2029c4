"""The faults a running devstack can be told to inject: names and what each one does.

A module of its own, free of imports, so `agentp`'s parser can list them without loading the
stack (devstack.control applies them).
"""

from __future__ import annotations

FAULT_HELP = {
    "drop-sockets": "every realtime websocket is cut (1006); clients reconnect at once",
    "refuse-sockets": "new realtime websockets get 503 for --seconds; open ones stay up",
    "restart-realtime": "realtime is stopped (sockets closed 1012) and started again",
    "restart-postgres": "Postgres stops, stays down --seconds (default 0), starts on the same port",
    "rest-unavailable": "every /rest/v1 request gets the API gateway's 503 for --seconds",
    "yclients-errors": "the next --count YClients requests answer --status (a 5xx)",
    "yclients-throttle": "the next --count YClients requests answer 429, Retry-After --seconds",
    "yclients-hang": "the next --count YClients requests answer nothing for --seconds, then 503",
    "stop-bot": "the bot simulator stops taking commands (until start-bot, or for --seconds)",
    "start-bot": "the bot simulator takes commands again",
}
FAULTS = tuple(FAULT_HELP)
# What `agentp fault` sends when --seconds is not given (the faults that read it).
DEFAULT_SECONDS = {
    "refuse-sockets": 10.0,
    "rest-unavailable": 10.0,
    "yclients-throttle": 1.0,
    "yclients-hang": 10.0,
}
