"""bcrypt hashing, always off the event loop.

bcrypt only reads the first 72 bytes of a password; longer ones would silently match their
72-byte prefix, so they are refused where a password is set and simply fail where one is checked.
"""

from __future__ import annotations

import asyncio
import re

import bcrypt

BCRYPT_MAX_BYTES = 72
COST = 12
_HASH = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
# Verified when the email is unknown, so unknown and known users cost the same time. A
# constant (hashpw(b"agentp-dummy-password"), cost 12) rather than hashed at import, which
# would cost every process start a bcrypt run; it must stay at COST (a test checks).
_DUMMY_HASH = b"$2b$12$xwp2icjsR9TRr/nKyJCoO.1cVlKu6KOuqZYp8Qr7vZHGrkW32uVJ6"


class PasswordPolicyError(ValueError):
    """A password that cannot be set; the message is for the person typing it, `code` names
    the rule (too_long, too_short, nul, email, mismatch, same) for a translated one."""

    def __init__(self, message: str, code: str = "invalid", size: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.size = size  # the byte length, for too_long


def check_new_password(password: str, email: str | None = None) -> bytes:
    """The rules for a password being set (command line and app alike); `email` is its
    account's, which the password must not be."""
    encoded = password.encode("utf-8")
    if len(encoded) > BCRYPT_MAX_BYTES:
        raise PasswordPolicyError(
            f"the password is {len(encoded)} bytes long; at most {BCRYPT_MAX_BYTES} bytes "
            "(fewer characters for Cyrillic or emoji) are allowed",
            "too_long",
            len(encoded),
        )
    if len(password) < 8:
        raise PasswordPolicyError("the password must have at least 8 characters", "too_short")
    if "\x00" in password:
        raise PasswordPolicyError("the password cannot contain a NUL character", "nul")
    if email is not None and password.strip().lower() == email.strip().lower():
        raise PasswordPolicyError("the password must not be the account's email address", "email")
    return encoded


async def hash_password(password: str, *, cost: int = COST) -> str:
    encoded = check_new_password(password)
    hashed: bytes = await asyncio.to_thread(bcrypt.hashpw, encoded, bcrypt.gensalt(rounds=cost))
    return hashed.decode("ascii")


def hash_cost(stored: str) -> int | None:
    match = _HASH.match(stored)
    return int(match.group(1)) if match else None


def needs_rehash(stored: str) -> bool:
    cost = hash_cost(stored)
    return cost is None or cost < COST


def _verify_sync(password: str, stored: str | None) -> bool:
    encoded = password.encode("utf-8", errors="surrogatepass")
    usable = stored is not None and hash_cost(stored) is not None
    target = stored.encode("ascii") if usable and stored is not None else _DUMMY_HASH
    # Over-long and NUL-carrying passwords still pay for one bcrypt run, then fail.
    candidate = encoded[:BCRYPT_MAX_BYTES].replace(b"\x00", b"?")
    try:
        ok = bcrypt.checkpw(candidate, target)
    except ValueError:
        return False
    return ok and usable and len(encoded) <= BCRYPT_MAX_BYTES and b"\x00" not in encoded


async def verify_password(password: str, stored: str | None) -> bool:
    """True if `password` matches `stored`; with `stored=None` it burns a dummy check and fails."""
    return await asyncio.to_thread(_verify_sync, password, stored)


# No lookalikes (0/O, 1/l/I): a generated password is read off a screen and typed elsewhere.
_GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 16


def generate_password() -> str:
    """A random first password (about 92 bits), shown once for the user to change."""
    import secrets

    return "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(GENERATED_LENGTH))
