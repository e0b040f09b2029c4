"""`agentp user add|passwd|deactivate|activate|role|list`: staff accounts from the server's shell.

Passwords come from a prompt, or from stdin when stdin is not a terminal; never from argv,
where every user of the machine could read them in the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from core.settings import load_settings
from services.backend import Backend
from services.errors import ServiceError
from services.passwords import PasswordPolicyError, check_new_password
from services.user_admin import UserAdmin


def add_user_parser(sub: Any) -> None:
    user = sub.add_parser("user", help="manage staff accounts (needs the service key)")
    actions = user.add_subparsers(dest="user_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create an account; the password is asked for")
    add.add_argument("--email", required=True)
    add.add_argument("--tenant", required=True, help="tenant id or exact name")
    add.add_argument("--role", required=True, help="viewer, operator or admin")
    add.add_argument("--name", default=None)

    passwd = actions.add_parser("passwd", help="set a new password; asked for")
    passwd.add_argument("--email", required=True)

    for name, text in (("deactivate", "sign out and refuse logins"), ("activate", "allow again")):
        action = actions.add_parser(name, help=text)
        action.add_argument("--email", required=True)

    role = actions.add_parser("role", help="change an account's role")
    role.add_argument("--email", required=True)
    role.add_argument("--role", required=True)

    listing = actions.add_parser("list", help="list accounts")
    listing.add_argument("--tenant", default=None, help="only this tenant (id or name)")


def read_new_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != password:
            raise PasswordPolicyError("the two passwords differ")
    check_new_password(password)
    return password


async def _run(args: argparse.Namespace) -> int:
    url, key = load_settings().require_supabase()
    backend = await Backend.open(url, key)
    try:
        admin = UserAdmin(backend)
        action = args.user_action
        if action == "add":
            password = read_new_password()
            user = await admin.add(
                email=args.email,
                tenant=args.tenant,
                role=args.role,
                password=password,
                name=args.name,
            )
            print(f"added {user.email} ({user.role.value})")
        elif action == "passwd":
            await admin.set_password(args.email, read_new_password())
            print("password changed")
        elif action in {"activate", "deactivate"}:
            await admin.set_active(args.email, action == "activate")
            print(f"{action}d {args.email.strip().lower()}")
        elif action == "role":
            await admin.set_role(args.email, args.role)
            print(f"role of {args.email.strip().lower()} is now {args.role.strip().lower()}")
        elif action == "list":
            for user in await admin.list(args.tenant):
                state = "active" if user.active else "inactive"
                print(f"{user.email}\t{user.role.value}\t{state}\t{user.name or ''}")
        return 0
    finally:
        await backend.close()


def run_user(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except (ServiceError, PasswordPolicyError) as exc:
        print(f"agentp: {exc}", file=sys.stderr)
        return 1
