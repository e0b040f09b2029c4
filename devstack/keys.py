"""API keys of the devstack, both kinds Supabase hands out, all derived from a per-data-dir secret.

Legacy keys: HS256 JWTs with a `role` claim (`anon`, `service_role`). Current keys: opaque
`sb_publishable_…` and `sb_secret_…` strings that Supabase's gateway maps to the same two roles.
User access tokens stay JWTs signed with the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

API_ROLES = ("anon", "authenticated", "service_role")
ISSUER = "supabase-devstack"
STABLE_IAT = 1_764_115_200  # 2025-11-26
STABLE_EXP = 2_079_734_400  # 2035-11-26
PUBLISHABLE_PREFIX = "sb_publishable_"
SECRET_PREFIX = "sb_secret_"  # noqa: S105 (a prefix, not a secret)
OPAQUE_PREFIX = "sb_"


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


def make_opaque_key(secret: str, prefix: str) -> str:
    """`<prefix><22 chars>_<8 chars>` as Supabase writes them; an HMAC of the secret, so stable."""
    digest = hmac.new(secret.encode(), prefix.encode(), hashlib.sha256).digest()
    body = base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
    check = hashlib.sha256((prefix + body).encode()).hexdigest()[:8]
    return f"{prefix}{body}_{check}"


VERIFIED_CACHE = 1024


@dataclass(frozen=True)
class Keys:
    secret: str
    anon: str
    service: str
    publishable: str = ""
    secret_key: str = ""
    # Tokens already verified, with their claims: every REST request carries the same key, and
    # an HS256 check costs about a quarter of a millisecond (PostgREST caches them too).
    verified: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_secret(cls, secret: str) -> Keys:
        # Fixed times make the keys a function of the secret alone: the same data dir gives the
        # same keys on every start, so a .env written once keeps working.
        fixed = {"iat": STABLE_IAT, "exp": STABLE_EXP}
        return cls(
            secret,
            make_key(secret, "anon", **fixed),
            make_key(secret, "service_role", **fixed),
            make_opaque_key(secret, PUBLISHABLE_PREFIX),
            make_opaque_key(secret, SECRET_PREFIX),
        )

    def opaque_claims(self, key: str) -> dict[str, Any] | None:
        """The claims the gateway stands in for an `sb_` key, or None if it is not one of ours."""
        for candidate, role in ((self.publishable, "anon"), (self.secret_key, "service_role")):
            if candidate and hmac.compare_digest(key.encode(), candidate.encode()):
                return {"iss": ISSUER, "role": role, "iat": STABLE_IAT, "exp": STABLE_EXP}
        return None

    def verify_apikey(self, key: str) -> dict[str, Any]:
        """An `apikey` as the gateway takes it: either kind of key (never a user token's rights
        beyond its role claim); InvalidKey otherwise."""
        if key.startswith(OPAQUE_PREFIX):
            claims = self.opaque_claims(key)
            if claims is None:
                raise InvalidKey("Invalid API key")
            return claims
        return self.verify(key)

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid JWT, or InvalidKey with PostgREST's wording."""
        known = self.verified.get(token)
        if known is not None:
            expires = known.get("exp")
            if isinstance(expires, int | float) and expires <= time.time():
                self.verified.pop(token, None)
                raise InvalidKey("JWT expired")
            return dict(known)
        claims = self._verify(token)
        if len(self.verified) >= VERIFIED_CACHE:
            self.verified.clear()  # user tokens come and go; a full cache simply starts over
        self.verified[token] = claims
        return dict(claims)

    def _verify(self, token: str) -> dict[str, Any]:
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
