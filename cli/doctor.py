"""`agentp doctor`: checks in order, a fix for each failure, `--json` for scripts.

Config file and its permissions → Supabase (URL, key, exposed schema, migrations) → Realtime
(reachable, watched tables published) → YClients for each tenant → the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import stat
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from core.settings import (
    APP_NAME,
    SettingsError,
    check_toml_file,
    config_file,
    load_settings,
    supabase_key_kind,
)
from services.backend import Backend
from services.doctor import (
    CheckResult,
    Status,
    check_bot_event_triggers,
    check_realtime,
    check_supabase,
    check_unknown_tenants,
    check_yclients,
)
from services.private_files import mode_problems

SECRET_KEYS = ("supabase_service_key", "yclients_partner_token", "yclients_user_token")
MARKS = {Status.ok: "ok  ", Status.warn: "warn", Status.fail: "FAIL", Status.skip: "skip"}


def add_doctor_parser(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help="check the config, the backend and the terminal")
    doctor.add_argument("--json", action="store_true", help="one JSON document on stdout")


def check_config_file() -> list[CheckResult]:
    path = config_file()
    if not path.exists():
        return [CheckResult("config.file", Status.skip, f"{path} does not exist (env/.env only)")]
    try:
        # The settings' own check: one line for bad bytes, bad syntax or absurd nesting.
        check_toml_file(path)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except SettingsError as exc:
        return [CheckResult("config.file", Status.fail, str(exc), "fix the file")]
    results = [CheckResult("config.file", Status.ok, str(path))]
    mode = stat.S_IMODE(path.stat().st_mode)
    holds_secret = any(data.get(key) for key in SECRET_KEYS)
    if holds_secret and mode & 0o007:
        results.append(
            CheckResult(
                "config.permissions",
                Status.fail,
                f"{path} holds a secret and is readable by other users (mode {mode:o})",
                f"chmod 600 {path}, or 640 with a group only the app's users are in",
            )
        )
    else:
        results.append(CheckResult("config.permissions", Status.ok, f"mode {mode:o}"))
    return results


def app_folders() -> list[Path]:
    """Where the app writes: its data folder (outbox, logs, exports) and its cache folder."""
    cache = Path(platformdirs.user_cache_dir(APP_NAME))
    # A broken setting is reported by the settings check; the default folder is still checked.
    with contextlib.suppress(SettingsError):
        cache = load_settings().cache_dir
    return [Path(platformdirs.user_data_dir(APP_NAME)), cache]


def check_file_modes(folders: list[Path]) -> list[CheckResult]:
    """Folders 0700 and files 0600: the outbox, the cache and exports hold clients' data."""
    results = []
    for folder in folders:
        name = f"files.{folder.name}"
        problems = mode_problems(folder)
        if not folder.exists():
            results.append(CheckResult(name, Status.skip, f"{folder} does not exist yet"))
        elif not problems:
            results.append(CheckResult(name, Status.ok, f"{folder}: folders 0700, files 0600"))
        else:
            first = problems[0]
            more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
            results.append(
                CheckResult(
                    name,
                    Status.fail,
                    f"{first.path} is mode {first.mode:o}{more}: other local users can read "
                    "clients' data",
                    f"chmod -R go-rwx {folder} (folders 700, files 600)",
                )
            )
    return results


def check_terminal(environ: Mapping[str, str], size: os.terminal_size) -> list[CheckResult]:
    term = environ.get("TERM", "")
    results = []
    if not term or term == "dumb":
        results.append(
            CheckResult(
                "terminal.term", Status.fail, f"TERM={term or '(unset)'}", "use xterm-256color"
            )
        )
    else:
        results.append(CheckResult("terminal.term", Status.ok, f"TERM={term}"))
    colour = environ.get("COLORTERM", "") in {"truecolor", "24bit"} or "256color" in term
    results.append(
        CheckResult("terminal.colours", Status.ok, "256 colours or more")
        if colour or environ.get("NO_COLOR") is not None
        else CheckResult(
            "terminal.colours",
            Status.warn,
            "fewer than 256 colours announced",
            "TERM=xterm-256color (or COLORTERM=truecolor via SendEnv/SetEnv)",
        )
    )
    locale = environ.get("LC_ALL") or environ.get("LC_CTYPE") or environ.get("LANG") or ""
    utf8 = "utf-8" in locale.lower() or "utf8" in locale.lower()
    results.append(
        CheckResult("terminal.locale", Status.ok, locale)
        if utf8
        else CheckResult(
            "terminal.locale",
            Status.fail,
            f"locale {locale or '(unset)'} is not UTF-8: Cyrillic would not show",
            "export LANG=ru_RU.UTF-8 (or C.UTF-8); on the server: locale-gen",
        )
    )
    if size.columns < 80 or size.lines < 24:
        results.append(
            CheckResult(
                "terminal.size",
                Status.warn,
                f"{size.columns}×{size.lines}",
                "the dashboard needs at least 80×24",
            )
        )
    else:
        results.append(CheckResult("terminal.size", Status.ok, f"{size.columns}×{size.lines}"))
    return results


async def _backend_checks() -> list[CheckResult]:
    try:
        settings = load_settings()
        url, key = settings.require_supabase()
    except SettingsError as exc:
        return [CheckResult("settings", Status.fail, str(exc), "see README: Configuration")]
    kind = supabase_key_kind(key.get_secret_value())
    results = [
        CheckResult(
            "settings", Status.ok, f"SUPABASE_URL and SUPABASE_SERVICE_KEY are set (a {kind})"
        )
    ]
    backend = await Backend.open(url, key)
    try:
        supabase = await check_supabase(backend)
        results += supabase
        if any(r.status == Status.fail for r in supabase):
            return results
        results.append(await check_unknown_tenants(backend))
        results.append(await check_bot_event_triggers(backend))
        results += await check_realtime(url, key)
        results += await check_yclients(
            backend, settings.yclients_base_url, settings.yclients_partner_token
        )
    finally:
        await backend.close()
    return results


def run_doctor(args: argparse.Namespace) -> int:
    results = check_config_file()
    if not any(r.status == Status.fail for r in results):
        results += asyncio.run(_backend_checks())
    results += check_file_modes(app_folders())
    results += check_terminal(os.environ, shutil.get_terminal_size((0, 0)))
    failed = any(r.status == Status.fail for r in results)
    if args.json:
        print(
            json.dumps(
                {"ok": not failed, "checks": [r.as_json() for r in results]}, ensure_ascii=False
            )
        )
    else:
        for result in results:
            print(f"[{MARKS[result.status]}] {result.check}: {result.detail}")
            if result.fix and result.status in (Status.fail, Status.warn):
                print(f"       fix: {result.fix}")
        print("all checks passed" if not failed else "some checks failed", file=sys.stderr)
    return 1 if failed else 0
