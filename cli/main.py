"""The `agentp` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cli.allocator import one_arena
from cli.frame_rate import cap_frames
from cli.paths import default_data_dir
from services.private_files import restrict_umask
from tui import heap

if TYPE_CHECKING:
    from tui.app import AgentPApp

# core.settings is imported inside the functions: for the dashboard itself, main() first holds
# the garbage collector off (tui/heap.py), and its imports are most of start-up.


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The command line; without `commands`, the dashboard's own options only."""
    parser = argparse.ArgumentParser(
        prog="agentp",
        description="Agent P Dashboard: the salon staff's terminal for the Agent P bot.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    parser.add_argument(
        "--read-only", action="store_true", help="hide every action that sends anything to the bot"
    )
    if not commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from cli.devstack import add_devstack_parsers

    add_devstack_parsers(sub)
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


# What `agentp` alone may be given: the dashboard's own options, no command.
_DASHBOARD_WORDS = {"-v", "--verbose", "--read-only"}


def parse_arguments(
    argv: Sequence[str] | None = None,
) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    words = list(sys.argv[1:] if argv is None else argv)
    # The dashboard itself is parsed without the commands' parsers: their modules import the
    # service layer (the Supabase client, httpx, pydantic), about 350 ms before the login screen
    # could paint. Anything else (a command, --help, a typo) gets the whole command line.
    parser = build_parser(commands=not set(words) <= _DASHBOARD_WORDS)
    return parser, parser.parse_args(words)


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything imports Textual, which reads it once (cli/frame_rate.py).
    cap_frames(os.environ)
    parser, args = parse_arguments(argv)
    # Whatever the app or a library creates (outbox, cache, log, export, SQLite's side files)
    # is the running account's alone: on a shared server other local users read none of it.
    previous = restrict_umask()
    try:
        if args.command is None:
            one_arena()
            heap.hold()  # the app turns collections back on after its first frame
            try:
                return _main(parser, args)
            finally:
                heap.resume()
        return _main(parser, args)
    finally:
        os.umask(previous)  # a caller in the same process (a test) keeps its own


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
        if args.command in ("devstack", "demo", "fault"):
            from cli.devstack import run

            return run(args)
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


def dashboard(args: argparse.Namespace) -> AgentPApp:
    """The dashboard as `agentp` runs it (tests/test_startup_imports.py runs it headless)."""
    from core.settings import load_settings

    settings = load_settings()
    settings.require_supabase()
    from tui import optional_deps

    optional_deps.decline()
    from tui.app import AgentPApp

    return AgentPApp(settings, read_only=args.read_only)


def _run_app(args: argparse.Namespace) -> int:
    return dashboard(args).run() or 0


if __name__ == "__main__":
    sys.exit(main())
