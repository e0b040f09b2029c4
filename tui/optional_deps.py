"""Optional extras the dashboard's process declines, so their modules never load.

Each is imported by a library only if it is installed, and the library works without it:

- `cryptography`: PyJWT's RSA and EC algorithms (the `pyjwt[crypto]` extra). supabase_auth
  imports PyJWT for `get_claims` on asymmetric keys, which the dashboard never calls: it holds
  the service key and staff log in through an RPC. About 9 MB of an idle app's RSS (it carries
  its own OpenSSL), more than a quarter of a bare Textual app.
- `click` (and pygments behind it): httpx's command line (the `httpx[cli]` extra). About 3 MB.
- `h2`: HTTP/2 for httpcore (the `httpx[http2]` extra). The dashboard's httpx clients speak
  HTTP/1.1: services/backend.py hands its own client to every part of the Supabase client, and
  the parts that would make HTTP/2 clients of their own (storage, edge functions) are never
  used; if one ever were, httpx would refuse at once, naming the missing `h2`. About 1.4 MB.

`sys.modules[name] = None` is Python's own way to make `import name` fail with
ModuleNotFoundError, as if the extra were not installed; nothing in the libraries is replaced
or patched, and the Supabase client runs its own code. storage3, supabase_functions and the
sync clients are not optional (`supabase` imports them unconditionally), so they stay: faking
them would be replacing the client's code, and together they weigh about 1 MB.

Only the dashboard's own process declines them (cli/main.py): the devstack, the other commands
and the tests' own processes import them as usual.
"""

from __future__ import annotations

import sys

DECLINED = ("cryptography", "click", "h2")


def decline() -> None:
    for name in DECLINED:
        # One already imported (a test's process, a caller) is left alone.
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # the documented import block
