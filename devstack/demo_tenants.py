"""The two demo salons and their staff accounts: shared by the seed, the bot simulator, the
YClients sandbox (which serves the same company ids and user tokens) and `agentp demo`, which
prints the credentials.

These are demo values for a local development double, never production secrets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTenant:
    key: str  # a short ASCII slug: e-mail domains and per-tenant random streams
    name: str
    timezone: str
    company_id: int
    user_token: str


@dataclass(frozen=True)
class DemoCredential:
    email: str
    password: str
    role: str  # viewer | operator | admin
    tenant: str  # DemoTenant.name


LOTOS = DemoTenant(
    key="lotos",
    name="Салон «Лотос»",
    timezone="Europe/Moscow",
    company_id=100001,
    user_token="demo-user-token-lotos",  # noqa: S106 - a sandbox token, see the module docstring
)
BARKHAT = DemoTenant(
    key="barkhat",
    name="Студия «Бархат»",
    timezone="Asia/Yekaterinburg",
    company_id=100002,
    user_token="demo-user-token-barkhat",  # noqa: S106
)

DEMO_TENANTS: tuple[DemoTenant, ...] = (LOTOS, BARKHAT)

ROLES: tuple[str, ...] = ("viewer", "operator", "admin")

# One memorable password per role, the same in both salons: whoever runs the demo reads them
# off the screen once. Each distinct password is hashed once by the seed.
ROLE_PASSWORDS: dict[str, str] = {
    "viewer": "viewer-demo-2026",
    "operator": "operator-demo-2026",
    "admin": "admin-demo-2026",
}

# Staff display names per (tenant key, role): what the dashboard shows as the logged-in user.
STAFF_NAMES: dict[tuple[str, str], str] = {
    ("lotos", "viewer"): "Ирина Смирнова",
    ("lotos", "operator"): "Ольга Кузнецова",
    ("lotos", "admin"): "Анна Лебедева",
    ("barkhat", "viewer"): "Дарья Волкова",
    ("barkhat", "operator"): "Светлана Морозова",
    ("barkhat", "admin"): "Екатерина Павлова",
}

DEMO_CREDENTIALS: list[DemoCredential] = [
    DemoCredential(
        email=f"{role}@{tenant.key}.demo",
        password=ROLE_PASSWORDS[role],
        role=role,
        tenant=tenant.name,
    )
    for tenant in DEMO_TENANTS
    for role in ROLES
]

# A deactivated account per salon, so the admin's user list shows one; it cannot log in.
INACTIVE_USER_EMAILS: dict[str, str] = {
    "lotos": "former@lotos.demo",
    "barkhat": "former@barkhat.demo",
}
