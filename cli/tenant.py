"""`agentp tenant add|list|rename|yclients`: the salons the dashboard knows, from a shell.

The bot owns the tenant ids; `add` gives one of them a name, a time zone and (with `yclients`)
its YClients company. Bad input is one line on stderr naming what is wrong, exit status 2, and
nothing written. The YClients user token is read from stdin (or a prompt), never from argv,
where every user of the machine could read it in the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from core.settings import load_settings
from services.backend import Backend
from services.errors import ServiceError
from services.secret import SecretStr
from services.tenant_admin import (
    DEFAULT_TIMEZONE,
    TenantAdmin,
    TenantInputError,
    parse_company_id,
)

BAD_INPUT = 2


def add_tenant_parser(sub: Any) -> None:
    tenant = sub.add_parser(
        "tenant", help="the salons the dashboard serves (needs the service key)"
    )
    actions = tenant.add_subparsers(dest="tenant_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a salon for a tenant id the bot already uses")
    add.add_argument("--id", required=True, help="the bot's tenant id (a UUID)")
    add.add_argument("--name", required=True, help="the salon's name, unique")
    add.add_argument(
        "--timezone", default=DEFAULT_TIMEZONE, help=f"IANA time zone (default {DEFAULT_TIMEZONE})"
    )

    listing = actions.add_parser(
        "list", help="salons: time zone, YClients, users, the bot's rows seen for each"
    )
    listing.add_argument(
        "--unknown",
        action="store_true",
        help="instead: tenant ids in the bot's tables that have no salon here",
    )
    listing.add_argument("--json", action="store_true", help="one JSON document on stdout")

    rename = actions.add_parser("rename", help="give a salon a new name")
    rename.add_argument("--tenant", required=True, help="tenant id or exact name")
    rename.add_argument("--name", required=True, help="the new name")

    yclients = actions.add_parser(
        "yclients", help="set a salon's YClients company id and user token (token from stdin)"
    )
    yclients.add_argument("--tenant", required=True, help="tenant id or exact name")
    which = yclients.add_mutually_exclusive_group(required=True)
    which.add_argument("--company-id", help="the YClients company id (a number)")
    which.add_argument("--clear", action="store_true", help="remove the company id and token")


def read_user_token() -> SecretStr:
    if sys.stdin.isatty():
        return SecretStr(getpass.getpass("YClients user token: "))
    return SecretStr(sys.stdin.readline().removesuffix("\n").removesuffix("\r"))


async def _run(args: argparse.Namespace) -> int:
    url, key = load_settings().require_supabase()
    backend = await Backend.open(url, key)
    try:
        admin = TenantAdmin(backend)
        action = args.tenant_action
        if action == "add":
            tenant = await admin.add(tenant_id=args.id, name=args.name, timezone=args.timezone)
            print(f"added {tenant.name} ({tenant.id}, {tenant.timezone})")
        elif action == "rename":
            tenant = await admin.rename(args.tenant, args.name)
            print(f"renamed {tenant.id} to {tenant.name}")
        elif action == "yclients" and args.clear:
            tenant = await admin.clear_yclients(args.tenant)
            print(f"YClients cleared for {tenant.name}")
        elif action == "yclients":
            # Checked before the token is asked for: a typo in the id costs no paste.
            tenant = await admin.resolve(args.tenant)
            parse_company_id(args.company_id)
            tenant = await admin.set_yclients(str(tenant.id), args.company_id, read_user_token())
            print(f"YClients company {tenant.yclients_company_id} set for {tenant.name}")
        elif action == "list" and args.unknown:
            unknown = await admin.unknown()
            if args.json:
                print(json.dumps([{**vars(u), "id": str(u.id)} for u in unknown]))
            for row in unknown if not args.json else []:
                print(f"{row.id}\twishlist {row.wishlist_rows}\tconversations {row.session_rows}")
        elif action == "list":
            summaries = await admin.overview()
            if args.json:
                print(
                    json.dumps(
                        [{**vars(s), "id": str(s.id)} for s in summaries], ensure_ascii=False
                    )
                )
            else:
                print("id\tname\ttimezone\tyclients\tusers\twishlist\tconversations")
                for s in summaries:
                    yclients = f"yes ({s.company_id})" if s.yclients_set else "no"
                    print(
                        f"{s.id}\t{s.name}\t{s.timezone}\t{yclients}\t{s.users}\t"
                        f"{s.wishlist_rows}\t{s.session_rows}"
                    )
        return 0
    finally:
        await backend.close()


def run_tenant(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except TenantInputError as exc:
        print(f"agentp: {exc}", file=sys.stderr)
        return BAD_INPUT
    except ServiceError as exc:
        print(f"agentp: {exc}", file=sys.stderr)
        return 1
