"""Configuration of the YClients sandbox, and the two demo salons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from devstack.demo_tenants import BARKHAT, DEMO_TENANTS, LOTOS


@dataclass(frozen=True, slots=True)
class SandboxCompany:
    company_id: int
    # Demo credentials of a local double, plain strings for the devstack's --json line, but
    # kept out of reprs all the same.
    user_token: str = field(repr=False)
    timezone_name: str = "Europe/Moscow"
    name: str = ""
    seed: int = 0
    # Average bookings per day over the whole salon (a handful of masters).
    records_per_day: int = 30


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    partner_token: str = field(repr=False)
    companies: tuple[SandboxCompany, ...] = ()
    # Last day of the generated year; None means "today" in each company's timezone, so the
    # demo always has fresh data. Tests pin it for deterministic figures.
    anchor: date | None = None
    days_back: int = 365
    days_ahead: int = 30
    # The documented limits (per client IP). None disables a window.
    rate_per_second: int | None = 5
    rate_per_minute: int | None = 200
    default_page_size: int = 50
    max_page_size: int = 1000
    deleted_share: float = 0.03


# Demo-only credentials of the local sandbox; they open nothing anywhere else. The companies
# and user tokens are the demo tenants' own (devstack.demo_tenants), which the seed stores in
# dashboard.tenants, so a demo login reaches its salon's sandbox company.
DEMO_PARTNER_TOKEN = "sandbox-partner-token-agentp-demo"  # noqa: S105
DEMO_COMPANY_LOTOS = LOTOS.company_id
DEMO_COMPANY_BARHAT = BARKHAT.company_id
DEMO_USER_TOKENS = {tenant.company_id: tenant.user_token for tenant in DEMO_TENANTS}


def demo_sandbox_config(anchor: date | None = None) -> SandboxConfig:
    """The demo salons the devstack seeds into `dashboard.tenants`."""
    return SandboxConfig(
        partner_token=DEMO_PARTNER_TOKEN,
        companies=(
            SandboxCompany(
                company_id=DEMO_COMPANY_LOTOS,
                user_token=DEMO_USER_TOKENS[DEMO_COMPANY_LOTOS],
                timezone_name=LOTOS.timezone,
                name=LOTOS.name,
                seed=1,
            ),
            SandboxCompany(
                company_id=DEMO_COMPANY_BARHAT,
                user_token=DEMO_USER_TOKENS[DEMO_COMPANY_BARHAT],
                timezone_name=BARKHAT.timezone,
                name=BARKHAT.name,
                seed=2,
                records_per_day=22,
            ),
        ),
        anchor=anchor,
    )


DEMO_SANDBOX_CONFIG = demo_sandbox_config()
