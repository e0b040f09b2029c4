"""API keys of the devstack: HS256 JWTs with a `role` claim, signed with a per-data-dir secret."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

API_ROLES = ("anon", "authenticated", "service_role")
ISSUER = "supabase-devstack"
STABLE_IAT = 1_764_115_200  # 2025-11-26
STABLE_EXP = 2_079_734_400  # 2035-11-26


class InvalidKey(Exception):
    """A key or token that the gateway or PostgREST would refuse; the message is safe to show."""


def load_or_create_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def make_key(secret: str, role: str, *, ttl_years: int = 10, **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "role": role,
        "iat": now,
        "exp": now + ttl_years * 365 * 24 * 3600,
        **claims,
    }
    return jwt.encode(body, secret, algorithm="HS256")


@dataclass(frozen=True)
class Keys:
    secret: str
    anon: str
    service: str

    @classmethod
    def for_secret(cls, secret: str) -> Keys:
        # Fixed times make the keys a function of the secret alone: the same data dir gives the
        # same keys on every start, so a .env written once keeps working.
        fixed = {"iat": STABLE_IAT, "exp": STABLE_EXP}
        return cls(
            secret,
            make_key(secret, "anon", **fixed),
            make_key(secret, "service_role", **fixed),
        )

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid token, or InvalidKey with PostgREST's wording."""
        if token.count(".") != 2:
            raise InvalidKey(f"Expected 3 parts in JWT; got {token.count('.') + 1}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"require": ["role"]}
            )
        except jwt.ExpiredSignatureError:
            raise InvalidKey("JWT expired") from None
        except jwt.InvalidTokenError:
            raise InvalidKey("JWSError JWSInvalidSignature") from None
        if claims.get("role") not in API_ROLES:
            raise InvalidKey(f'role "{claims.get("role")}" does not exist')
        return claims
