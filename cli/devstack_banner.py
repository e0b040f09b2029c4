"""What `agentp devstack` / `agentp demo` print for a person: where things are and how to log in."""

from __future__ import annotations

from pathlib import Path

from devstack.stack import StackInfo


def banner(info: StackInfo, *, demo: bool, data_dir: Path) -> str:
    lines = [
        f"Agent P devstack is running (Ctrl-C stops it; the data stays in {data_dir}).",
        "",
        f"  Supabase URL   {info.supabase_url}",
        f"  publishable    {info.publishable_key}",
        f"  secret key     {info.secret_key}",
        f"  anon key       {info.anon_key}   (legacy JWT)",
        f"  service key    {info.service_key}   (legacy JWT)",
        f"  Postgres       {info.database_url}",
    ]
    if info.yclients_url:
        lines.append(f"  YClients       {info.yclients_url}")
        if info.yclients_partner_token:
            lines.append(f"    partner token {info.yclients_partner_token}")
        for company in info.yclients_companies:
            lines.append(
                f"    {company.tenant}: company {company.company_id}, "
                f"user token {company.user_token}"
            )
    lines += [
        "",
        "Point the dashboard at it:",
        f"  export SUPABASE_URL={info.supabase_url}",
        f"  export SUPABASE_SERVICE_KEY={info.secret_key}",
    ]
    if demo:
        from devstack.demo_data import DEMO_CREDENTIALS

        lines += ["", "Demo logins (email / password / role / salon):"]
        for cred in DEMO_CREDENTIALS:
            lines.append(f"  {cred.email:<24} {cred.password:<20} {cred.role:<9} {cred.tenant}")
    return "\n".join(lines)
