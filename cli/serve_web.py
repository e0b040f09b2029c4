"""`agentp serve-web`: the same app in a browser through textual-serve.

Each browser tab gets its own app process, which starts at the app's own login screen, so no
data is reachable without a staff login. textual-serve has no TLS and no authentication of its
own: it listens on 127.0.0.1 by default; see docs/deploy-ssh.md for putting it behind TLS.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from typing import Any


def add_serve_web_parser(sub: Any) -> None:
    serve = sub.add_parser("serve-web", help="serve the app to browsers (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--public-url", default=None, help="the URL browsers use, when behind a TLS proxy"
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(read_only: bool) -> str:
    parts = [sys.executable, "-m", "cli.main"]
    if read_only:
        parts.append("--read-only")
    return shlex.join(parts)


def run_serve_web(args: argparse.Namespace) -> int:
    from textual_serve.server import Server

    from core.settings import load_settings

    load_settings().require_supabase()  # fail here, in one line, not in every browser tab
    if not is_loopback(args.host):
        print(
            f"agentp: serving on {args.host}: put a TLS proxy in front (docs/deploy-ssh.md)",
            file=sys.stderr,
        )
    server = Server(
        app_command(args.read_only),
        host=args.host,
        port=args.port,
        title="Agent P",
        public_url=args.public_url,
    )
    server.serve()
    return 0
