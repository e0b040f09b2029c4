"""`agentp analytics`: booking figures from YClients for scripts, without a dashboard login.

Reads yclients_base_url, yclients_partner_token, yclients_user_token and yclients_company_id
(or --company-id) from the settings, as the app does: the environment (YCLIENTS_*), .env or the
TOML config file. Records are kept in the local cache, so a second run over the same period
costs one incremental request. Failures print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cli.analytics_bot import bot_report, bot_table, tenant_id
from core.settings import SettingsError, load_settings, missing_message
from services.analytics import AnalyticsReport, compute_analytics, write_csv
from services.bot_analytics import BotReport
from services.errors import ServiceError
from services.yclients.cache import RecordCache, cache_path
from services.yclients.client import YClientsClient
from services.yclients.errors import YClientsError

EXIT_FAILURE = 1
EXIT_USAGE = 2
PROG = "agentp analytics"


class _UsageError(Exception):
    pass


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_analytics_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "analytics",
        help="booking figures from YClients for a period",
        description=(
            "Print revenue, visits, no-shows and breakdowns by staff, service and day for "
            "[--from, --to] (company-local dates, both inclusive). Credentials come from "
            "YCLIENTS_BASE_URL, YCLIENTS_PARTNER_TOKEN, YCLIENTS_USER_TOKEN and "
            "YCLIENTS_COMPANY_ID, in the environment, .env or the config file."
        ),
    )
    parser.add_argument("--from", dest="period_from", type=_day, required=True, metavar="DATE")
    parser.add_argument("--to", dest="period_to", type=_day, required=True, metavar="DATE")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    parser.add_argument("--company-id", type=int, default=None, metavar="N")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where the local record cache lives (default: the user cache directory)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="read everything from YClients, keep nothing"
    )
    parser.add_argument(
        "--tenant",
        default=None,
        metavar="UUID",
        help=(
            "also the bot's figures for this salon (key `bot` in JSON); reads Supabase with "
            "SUPABASE_URL and the secret key"
        ),
    )
    parser.set_defaults(handler=run_analytics)


def run_analytics(args: argparse.Namespace) -> int:
    secrets: list[str] = []
    try:
        settings = _settings(args, secrets)
        tenant = tenant_id(args.tenant) if args.tenant is not None else None
        report, tz, raw = asyncio.run(_collect(args, settings))
        bot = (
            asyncio.run(bot_report(tenant, report.period_from, report.period_to, tz, raw))
            if tenant is not None
            else None
        )
    except (_UsageError, ValueError, SettingsError) as exc:
        _fail(str(exc), secrets)
        return EXIT_USAGE
    except (YClientsError, ServiceError) as exc:
        _fail(str(exc), secrets)
        return EXIT_FAILURE
    except (sqlite3.Error, OSError) as exc:
        _fail(f"the local cache failed: {exc}", secrets)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _fail("interrupted", secrets)
        return 130
    except Exception as exc:  # a script gets one line, never a traceback
        _fail(f"unexpected {type(exc).__name__}: {exc}", secrets)
        return EXIT_FAILURE
    sys.stdout.write(render(report, args.format, bot))
    sys.stdout.flush()
    return 0


def render(report: AnalyticsReport, fmt: str, bot: BotReport | None = None) -> str:
    if fmt == "json":
        data = report.to_json_dict()
        if bot is not None:
            data["bot"] = bot.to_json_dict()
        return json.dumps(data, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        write_csv(report, buffer)
        return buffer.getvalue()
    table = _table(report)
    return table + "\n".join(bot_table(bot)) + "\n" if bot is not None else table


def _settings(args: argparse.Namespace, secrets: list[str]) -> dict[str, Any]:
    # The same sources as the app (README, "Configuration"): the environment, .env and the
    # TOML file, or in a deployment the protected file alone.
    settings = load_settings()
    partner, user = settings.yclients_partner_token, settings.yclients_user_token
    secrets.extend(s.get_secret_value() for s in (partner, user) if s is not None)
    for name, value in (("yclients_partner_token", partner), ("yclients_user_token", user)):
        if value is None:
            raise _UsageError(missing_message(name))
    assert partner is not None and user is not None
    company_id = args.company_id if args.company_id is not None else settings.yclients_company_id
    if company_id is None:
        raise _UsageError(
            f"no company: pass --company-id, or {missing_message('yclients_company_id')}"
        )
    if company_id <= 0:
        raise _UsageError(f"the company id must be positive, not {company_id}")
    if args.period_to < args.period_from:
        raise _UsageError(f"--to ({args.period_to}) is before --from ({args.period_from})")
    return {
        "base_url": settings.yclients_base_url,
        "partner_token": partner,
        "user_token": user,
        "company_id": company_id,
        "cache_dir": settings.cache_dir,
    }


async def _collect(
    args: argparse.Namespace, settings: dict[str, Any]
) -> tuple[AnalyticsReport, ZoneInfo, list[str]]:
    """The figures, the company's zone and its raw records (the bot's bookings match them)."""
    period_from: date = args.period_from
    period_to: date = args.period_to
    show_progress = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"\r{PROG}: syncing page {done}/{total}")
        sys.stderr.flush()

    connection = {key: value for key, value in settings.items() if key != "cache_dir"}
    async with YClientsClient(**connection) as client:
        if args.no_cache:
            records = await client.fetch_records(period_from, period_to)
            tz: ZoneInfo = await client.company_timezone()
            raw: list[str] = []
        else:
            cache_dir = args.cache_dir or settings["cache_dir"]
            path = cache_path(cache_dir, settings["base_url"], settings["company_id"])
            async with RecordCache(path, settings["company_id"]) as cache:
                await cache.sync(
                    client, period_from, period_to, progress=progress if show_progress else None
                )
                if show_progress:
                    sys.stderr.write("\n")
                records = await cache.load(period_from, period_to)
                state = await cache.state()
                tz = ZoneInfo(state.timezone_name or "UTC")
                raw = await cache.load_raw(period_from, period_to)
    report = compute_analytics(records, period_from=period_from, period_to=period_to, tz=tz)
    return report, tz, raw


def _fail(message: str, secrets: list[str]) -> None:
    for secret in secrets:
        message = message.replace(secret, "***")
    sys.stderr.write(f"{PROG}: {message}\n")


def _table(report: AnalyticsReport) -> str:
    data = report.to_json_dict()
    lines = [f"YClients analytics {report.period_from} .. {report.period_to}", ""]
    summary = (
        ("Records", data["records"]),
        ("Visits", data["visits"]),
        ("No-shows", data["no_shows"]),
        ("Pending", data["pending"]),
        ("Confirmed", data["confirmed"]),
        ("Deleted", data["deleted"]),
        ("Revenue", data["revenue"]),
        ("Average check", data["average_check"]),
        ("No-show rate", f"{report.no_show_rate:.2%}"),
        ("Unique clients", data["unique_clients"]),
        ("Returning clients", data["returning_clients"]),
    )
    width = max(len(k) for k, _ in summary)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in summary]
    lines += [
        "",
        *_grid(
            ("Staff", "Visits", "Revenue"),
            [
                (s["name"] or f"#{s['staff_id']}", s["visits"], s["revenue"])
                for s in data["by_staff"]
            ],
        ),
    ]
    lines += [
        "",
        *_grid(
            ("Service", "Lines", "Revenue"),
            [
                (s["title"] or f"#{s['service_id']}", s["lines"], s["revenue"])
                for s in data["by_service"]
            ],
        ),
    ]
    lines += [
        "",
        *_grid(
            ("Day", "Visits", "Revenue"),
            [(d["date"], d["visits"], d["revenue"]) for d in data["by_day"]],
        ),
    ]
    return "\n".join(lines) + "\n"


def _grid(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))
        return "  " + "  ".join((first, *rest))

    return [line(cells[0]), "  " + "  ".join("-" * w for w in widths), *map(line, cells[1:])]
