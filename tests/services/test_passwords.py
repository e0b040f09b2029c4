from __future__ import annotations

import bcrypt
import pytest

from services.passwords import (
    COST,
    PasswordPolicyError,
    check_new_password,
    hash_cost,
    hash_password,
    needs_rehash,
    verify_password,
)


async def test_new_hashes_use_cost_12_and_verify() -> None:
    stored = await hash_password("лотос-2026!")
    assert hash_cost(stored) == COST == 12
    assert await verify_password("лотос-2026!", stored)
    assert not await verify_password("лотос-2026?", stored)
    assert not needs_rehash(stored)


def test_weaker_or_foreign_hashes_need_rehash() -> None:
    weak = bcrypt.hashpw(b"password1", bcrypt.gensalt(rounds=4)).decode()
    assert needs_rehash(weak)
    assert needs_rehash("plain text")


def test_73_byte_password_is_refused_where_it_is_set() -> None:
    with pytest.raises(PasswordPolicyError, match="73 bytes"):
        check_new_password("a" * 73)
    # 37 Cyrillic letters are 74 bytes: the message speaks of bytes, not characters.
    with pytest.raises(PasswordPolicyError, match="74 bytes"):
        check_new_password("ж" * 37)
    assert check_new_password("a" * 72) == b"a" * 72


def test_short_and_nul_passwords_are_refused() -> None:
    with pytest.raises(PasswordPolicyError):
        check_new_password("short")
    with pytest.raises(PasswordPolicyError):
        check_new_password("long enough\x00")


async def test_overlong_password_fails_a_login_without_crashing() -> None:
    stored = bcrypt.hashpw(b"a" * 72, bcrypt.gensalt(rounds=4)).decode()
    # bcrypt alone would accept any password sharing the 72-byte prefix.
    assert await verify_password("a" * 72, stored)
    assert not await verify_password("a" * 73, stored)
    assert not await verify_password("a" * 10_000, stored)


async def test_unknown_user_and_broken_hash_fail_safely() -> None:
    assert not await verify_password("anything", None)
    assert not await verify_password("anything", "$2b$12$broken")
    assert not await verify_password("with\x00nul", None)
    assert not await verify_password("\udcff lone surrogate", None)


def test_the_dummy_hash_for_unknown_emails_costs_what_a_real_one_costs() -> None:
    # Unknown emails are checked against it: at a lower cost they would answer faster than a
    # wrong password for a real user and reveal which emails exist.
    from services import passwords

    assert hash_cost(passwords._DUMMY_HASH.decode()) == COST
    assert bcrypt.checkpw(b"agentp-dummy-password", passwords._DUMMY_HASH)
