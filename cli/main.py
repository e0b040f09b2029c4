"""The `agentp` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from tui import heap

# core.settings (pydantic) is imported inside the functions: for the dashboard itself, main()
# first holds the garbage collector off (tui/heap.py), and its imports are most of start-up.


def default_data_dir(name: str) -> Path:
    from core.settings import APP_NAME

    return Path(platformdirs.user_data_dir(APP_NAME)) / name


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentp",
        description="Agent P Dashboard: the salon staff's terminal for the Agent P bot.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    parser.add_argument(
        "--read-only", action="store_true", help="hide every action that sends anything to the bot"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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

    from devstack.faults import FAULT_HELP

    fault = sub.add_parser(
        "fault",
        help="inject a fault into a running devstack (for testing)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="faults:\n"
        + "\n".join(f"  {name:<18} {what}" for name, what in FAULT_HELP.items()),
    )
    fault.add_argument(
        "action", choices=list(FAULT_HELP), metavar="FAULT", help="one of the faults above"
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

    from cli.analytics import add_analytics_parser
    from cli.doctor import add_doctor_parser
    from cli.tenant import add_tenant_parser
    from cli.user import add_user_parser

    add_analytics_parser(sub)
    add_tenant_parser(sub)
    add_user_parser(sub)
    add_doctor_parser(sub)
    from cli.serve_web import add_serve_web_parser

    add_serve_web_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        heap.hold()  # the app turns collections back on after its first frame
        try:
            return _main(parser, args)
        finally:
            heap.resume()
    return _main(parser, args)


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from core.settings import SettingsError
    from tui.logs import configure

    # The app and the demo own the terminal: their logs go to a file, never to the screen.
    draws = args.command in (None, "demo") and not getattr(args, "stack_only", False)
    configure(
        verbose=args.verbose,
        log_file=default_data_dir("logs") / "agentp.log" if draws else None,
        stream=sys.stderr,
    )
    try:
        if args.command == "devstack":
            return _run_devstack(args, demo=False)
        if args.command == "demo":
            return _run_demo(args)
        if args.command == "fault":
            return _run_fault(args)
        if args.command == "serve-web":
            from cli.serve_web import run_serve_web

            return run_serve_web(args)
        if args.command == "doctor":
            from cli.doctor import run_doctor

            return run_doctor(args)
        if args.command == "user":
            from cli.user import run_user

            return run_user(args)
        if args.command == "tenant":
            from cli.tenant import run_tenant

            return run_tenant(args)
        if args.command == "analytics":
            from cli.analytics import run_analytics

            return run_analytics(args)
        if args.command is None:
            return _run_app(args)
    except SettingsError as exc:
        print(f"agentp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    parser.print_help(sys.stderr)
    return 2


def _run_app(args: argparse.Namespace) -> int:
    from core.settings import load_settings

    settings = load_settings()
    settings.require_supabase()
    from tui.app import AgentPApp

    return AgentPApp(settings, read_only=args.read_only).run() or 0


def _run_demo(args: argparse.Namespace) -> int:
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
        return _run_devstack(args, demo=True)
    from cli.demo import DemoStackError, run_demo

    try:
        return run_demo(data_dir, bot=args.bot, read_only=args.read_only)
    except DemoStackError as exc:
        print(f"agentp: the demo stack did not start: {exc}", file=sys.stderr)
        return 1


def _run_devstack(args: argparse.Namespace, *, demo: bool) -> int:
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


def _run_fault(args: argparse.Namespace) -> int:
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


if __name__ == "__main__":
    sys.exit(main())
