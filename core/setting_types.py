"""Each setting's check (`CHECKS`): the types as pydantic's lax mode accepted them, with its
messages word for word (users and the doctor read them; tests/test_settings.py), then the
settings' own rules (URLs, keys, themes, keymaps).

pydantic itself is not imported on the way to the login screen: it was about a fifth of the
start-up (tests/test_startup_imports.py keeps it off that path). One difference is deliberate:
pydantic-core reads "0-24" as -24 (a range error); here it is not an integer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from services.secret import SecretStr


class Invalid(ValueError):
    """A value is not of its setting's type; `str()` is the reason, never the value."""


_NOT_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"
# Rust's whitespace (what pydantic-core trims): Python's str.strip() also takes \x1c-\x1f.
_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
# pydantic's str → int: an optional sign, ASCII digits (underscores between them), and a
# fraction of zeros only.
_INT_TEXT = re.compile(r"[+-]?([0-9]+(?:_[0-9]+)*)(?:\.0+)?")


def _unicode(value: str) -> str:
    # A variable with a byte that is not UTF-8 reaches Python as a lone surrogate.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(_NOT_UNICODE) from None
    return value


def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("Input should be a valid string")
    return value


def as_secret(value: Any) -> SecretStr:
    # pydantic's SecretStr (a caller outside the app) is taken as well as a plain string.
    if hasattr(value, "get_secret_value") and not isinstance(value, str):
        return SecretStr(as_str(value.get_secret_value()))
    return SecretStr(as_str(value))


def as_int(
    value: Any, *, gt: int | None = None, ge: int | None = None, le: int | None = None
) -> int:
    number = _int(value)
    if gt is not None and not number > gt:
        raise Invalid(f"Input should be greater than {gt}")
    if ge is not None and not number >= ge:
        raise Invalid(f"Input should be greater than or equal to {ge}")
    if le is not None and not number <= le:
        raise Invalid(f"Input should be less than or equal to {le}")
    return number


def _int(value: Any) -> int:
    if isinstance(value, int):  # bool too: True is 1, as pydantic's lax mode has it
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("Input should be a finite number")
        if not value.is_integer():
            raise Invalid("Input should be a valid integer, got a number with a fractional part")
        return int(value)
    if isinstance(value, str):
        found = _INT_TEXT.fullmatch(_unicode(value).strip(_SPACE))
        if found is None:
            raise Invalid("Input should be a valid integer, unable to parse string as an integer")
        text = found.group(0).split(".")[0]
        try:
            return int(text)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise Invalid(
                "Unable to parse input string as an integer, exceeded maximum size"
            ) from None
    raise Invalid("Input should be a valid integer")


_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}
_NOT_BOOL = "Input should be a valid boolean, unable to interpret input"


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value in (0, 1):
            return bool(value)
        raise Invalid(_NOT_BOOL)
    if isinstance(value, float) and value.is_integer():
        if value in (0.0, 1.0):
            return bool(value)
        raise Invalid(_NOT_BOOL)
    if isinstance(value, str):
        word = _unicode(value).lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise Invalid(_NOT_BOOL)
    raise Invalid("Input should be a valid boolean")


def as_choice(value: Any, choices: tuple[str, ...]) -> str:
    if isinstance(value, str):
        _unicode(value)
        if value in choices:
            return value
    listed = [repr(choice) for choice in choices]
    raise Invalid(
        "Input should be "
        + (f"{', '.join(listed[:-1])} or {listed[-1]}" if len(listed) > 1 else listed[0])
    )


def as_path(value: Any) -> Path:
    if isinstance(value, Path):
        return value
    if isinstance(value, str):
        return Path(value)
    raise Invalid("Input is not a valid path for <class 'pathlib.Path'>")


def as_str_table(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise Invalid("Input should be a valid dictionary")
    return {as_str(key): as_str(item) for key, item in value.items()}


_HEADER_SAFE = re.compile(r"[!-~]+")
_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
KEY_CHOICES = (
    "a letter, digit or character (a, 5, /), a character's name (slash, question_mark), "
    "f1-f24, enter, escape, tab, space, backspace, insert, delete, home, end, pageup, "
    "pagedown, up, down, left, right; ctrl+, shift+ or alt+ in front, several joined by commas"
)


def is_key_name(key: str) -> bool:
    """A key as Textual names it in bindings: `f1`, `ctrl+s`, `slash`, `?`."""
    from textual.keys import REPLACED_KEYS, Keys, key_to_character

    *modifiers, base = key.split("+")
    if not base or any(m not in _MODIFIERS for m in modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    named = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")}
    return base in named or base in REPLACED_KEYS or key_to_character(base) is not None


PUBLISHABLE_PREFIX = "sb_publishable_"
SECRET_PREFIX = "sb_secret_"  # noqa: S105 (a prefix, not a secret)


def _http_url(raw: Any) -> str:
    value = as_str(raw).strip()
    # A space or a control character would split the request line or a header; the host
    # must be there. The value itself is never repeated in the message.
    usable = (
        value.startswith(("http://", "https://"))
        and len(value) >= 10
        and value.isprintable()
        and not any(char.isspace() for char in value)
    )
    if not usable or not _host_of(value):
        raise Invalid("must be an http(s) URL such as https://xyzcompany.supabase.co")
    return value.rstrip("/")


def _secret(value: Any) -> SecretStr | None:
    stripped = as_secret(value).get_secret_value().strip()
    if not stripped:
        return None
    # Keys and tokens travel in HTTP headers: printable ASCII without spaces. A pasted
    # key with a line break or a smart quote is refused here, not as a crash on connect.
    if not _HEADER_SAFE.fullmatch(stripped):
        raise Invalid(
            "must be the key as issued: printable ASCII letters, digits and punctuation, "
            "without spaces or line breaks"
        )
    return SecretStr(stripped)


def _service_key(value: Any) -> SecretStr | None:
    key = _secret(value)
    # A publishable key is the public one: with it every read would come back empty (RLS)
    # rather than fail, so it is refused here. The key itself is never repeated.
    if key is not None and key.get_secret_value().startswith(PUBLISHABLE_PREFIX):
        raise Invalid(
            "is a publishable key (sb_publishable_…), which is public; use the secret key "
            "(sb_secret_…) or the legacy service_role key"
        )
    return key


def _known_theme(raw: Any) -> str:
    value = as_str(raw)
    # Textual falls back to its default on an unknown name without a word: a typo in the
    # config would go unnoticed. The import is here so only a set theme pays for it.
    from textual.theme import BUILTIN_THEMES

    # The value is never repeated: it may be a secret pasted into the wrong line.
    if value not in BUILTIN_THEMES:
        raise Invalid("not a theme name; the themes are: " + ", ".join(sorted(BUILTIN_THEMES)))
    return value


def _keymap(value: Any) -> dict[str, str]:
    table = as_str_table(value)
    from core.actions import ACTIONS

    ids = [spec.id for spec in ACTIONS]
    for action_id, keys in table.items():
        if action_id not in ids:
            raise Invalid("an entry names no action; the actions are: " + ", ".join(ids))
        for key in keys.split(","):
            if not is_key_name(key.strip()):
                # The action id is one of ours, so it is named; the key is not repeated.
                raise Invalid(f"the key for {action_id} is not a key name; keys are {KEY_CHOICES}")
    return table


def _real_path(value: Any) -> Path:
    path = as_path(value)
    if "\x00" in str(path):
        raise Invalid("cannot contain a NUL character")
    return path


# Each setting's check, in the order of the fields (the first wrong one is reported).
CHECKS: dict[str, Callable[[Any], Any]] = {
    "supabase_url": _http_url,
    "supabase_service_key": _service_key,
    "yclients_base_url": _http_url,
    "yclients_partner_token": _secret,
    "yclients_user_token": _secret,
    "yclients_company_id": lambda value: as_int(value, gt=0),
    "language": lambda value: as_choice(value, ("ru", "en")),
    "idle_lock_minutes": lambda value: as_int(value, ge=1, le=24 * 60),
    "bell": as_bool,
    "bot_pickup_seconds": lambda value: as_int(value, ge=5, le=24 * 3600),
    "theme": _known_theme,
    "cache_dir": _real_path,
    "keymap": _keymap,
}
OPTIONAL = {
    "supabase_url",
    "supabase_service_key",
    "yclients_partner_token",
    "yclients_user_token",
    "yclients_company_id",
    "language",
}
UNCHECKED_DEFAULTS: dict[str, Any] = {"theme": "textual-dark", "keymap": {}}
# Settings written as JSON in the environment (a table).
TABLES = {"keymap"}


def _host_of(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
