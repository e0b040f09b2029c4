"""Settings: the environment, then `.env`, then the TOML config file, then defaults.

Except in a deployment: when `AGENTP_CONFIG` names a file that exists, that file is the only
source of the connection settings (the Supabase URL and key, the YClients URL, tokens and
company), and `.env` is not read at all. A staff member who can write a `.env` in their home or
set a variable must not be able to send the service key to a URL of their choosing. The
environment and `.env` are for development and the single-user CLI.

Every problem becomes one `SettingsError` line that names the setting and where to set it, so
the command line can print it instead of a traceback. Secrets are `SecretStr`: their values
never appear in reprs, logs or error messages.

The sources are read here (`_sources`) rather than by pydantic-settings, and the values are
checked by hand (core/setting_types.py) rather than by a pydantic model: the settings are read
before the login screen paints, and pydantic was about a fifth of that start-up.
"""

from __future__ import annotations

import base64
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

from core.setting_types import (
    CHECKS,
    OPTIONAL,
    PUBLISHABLE_PREFIX,
    SECRET_PREFIX,
    TABLES,
    UNCHECKED_DEFAULTS,
    Invalid,
)
from services.secret import SecretStr

APP_NAME = "agentp"
CONFIG_ENV = "AGENTP_CONFIG"


# Where the app connects and with what: in a deployment these come from the protected file only.
CONNECTION_FIELDS = (
    "supabase_url",
    "supabase_service_key",
    "yclients_base_url",
    "yclients_partner_token",
    "yclients_user_token",
    "yclients_company_id",
)


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def config_file() -> Path:
    """The TOML file in use: `$AGENTP_CONFIG` if set, else the user's config dir."""
    chosen = os.environ.get(CONFIG_ENV)
    return Path(chosen).expanduser() if chosen else default_config_file()


def protected_config() -> Path | None:
    """The deployment's config file: named by `$AGENTP_CONFIG` and present (None otherwise).

    A missing file is no deployment (tests and development point AGENTP_CONFIG at nothing to
    keep a personal config out); it holds no secret either, so nothing is there to protect."""
    chosen = os.environ.get(CONFIG_ENV)
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    return path if path.exists() or path.is_symlink() else None


class SettingsError(Exception):
    """A setting is missing or malformed; `str()` is one line fit for the terminal."""


class SettingInvalid(ValueError):
    """One setting's value is wrong: `field` names it, `reason` says why (never the value)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


@dataclass
class Settings:
    """Every value is checked as it is set at construction (`__post_init__`), in this order: the
    first wrong one is the one reported. Defaults are not checked, as pydantic did not."""

    # Supabase: the project URL and its service key (Project Settings -> API).
    supabase_url: str | None = None
    supabase_service_key: SecretStr | None = None

    # YClients: the partner token is the app's; company ids and user tokens live per tenant in
    # dashboard.tenants. The company/user pair here serves `agentp analytics` without a login.
    yclients_base_url: str = "https://api.yclients.com/api/v1"
    yclients_partner_token: SecretStr | None = None
    yclients_user_token: SecretStr | None = None
    yclients_company_id: int | None = None

    # The app.
    language: Literal["ru", "en"] | None = None
    idle_lock_minutes: int = 15
    bell: bool = True
    # A command pending this long means the bot is not taking commands (status bar, composer).
    bot_pickup_seconds: int = 60
    theme: str = "textual-dark"
    cache_dir: Path = field(default_factory=_default_cache_dir)
    # action id -> key(s), e.g. {"tab.wishlist" = "f1"}; see `?` in the app for the ids.
    keymap: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, check in CHECKS.items():
            value = getattr(self, name)
            if value is None and name in OPTIONAL:
                continue
            if name in UNCHECKED_DEFAULTS and value == UNCHECKED_DEFAULTS[name]:
                continue  # the default theme and an empty keymap need no import to check
            try:
                setattr(self, name, check(value))
            except Invalid as exc:
                raise SettingInvalid(name, str(exc)) from None

    def model_dump(self) -> dict[str, Any]:
        """Every setting by name (secrets stay `SecretStr`), as pydantic's model gave it."""
        return {name: getattr(self, name) for name in CHECKS}

    def require_supabase(self) -> tuple[str, SecretStr]:
        missing = [
            name
            for name, value in (
                ("supabase_url", self.supabase_url),
                ("supabase_service_key", self.supabase_service_key),
            )
            if value is None
        ]
        if missing:
            raise SettingsError(missing_message(missing[0]))
        assert self.supabase_url is not None and self.supabase_service_key is not None
        return self.supabase_url, self.supabase_service_key


def supabase_key_kind(key: str) -> str:
    """Which kind of Supabase key this is, in words safe to show (the key is never shown).

    Supabase hands out `sb_secret_…` / `sb_publishable_…` keys and, until they retire, the
    legacy JWT keys whose `role` claim says anon or service_role."""
    if key.startswith(SECRET_PREFIX):
        return "secret key (sb_secret_…)"
    if key.startswith(PUBLISHABLE_PREFIX):
        return "publishable key (sb_publishable_…)"
    parts = key.split(".")
    if len(parts) == 3:
        try:
            padded = parts[1] + "=" * (-len(parts[1]) % 4)
            role = json.loads(base64.urlsafe_b64decode(padded)).get("role")
        except (ValueError, AttributeError):
            role = None
        if isinstance(role, str) and role.isidentifier():
            return f"legacy {role} key (JWT)"
        return "legacy key (JWT)"
    return "key of an unknown kind (neither sb_secret_… nor a JWT)"


def _shown(path: Path) -> str:
    """A path for a one-line message: a control character in it (or an undecodable byte)
    is written as an escape, so the message stays one line on any terminal."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in str(path)
    )


def _env_name(field: str) -> str:
    # App options carry the AGENTP_ prefix; the Supabase and YClients names are the services'.
    name = field.upper()
    return name if field.startswith(("supabase", "yclients")) else f"AGENTP_{name}"


def _where(field: str) -> str:
    env_name = _env_name(field)
    if field in CONNECTION_FIELDS and protected_config() is not None:
        return f"`{field} = ...` in {_shown(config_file())}"
    return (
        f"set {env_name} in the environment or in .env, or `{field} = ...` in "
        f"{_shown(config_file())}"
    )


def missing_message(field: str) -> str:
    """One line: the setting is missing, and where to set it."""
    return f"setting {field} is missing: {_where(field)}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from every source, or a `SettingsError` with one readable line."""
    path = config_file()
    # A link to nowhere (or to itself) is a broken config, not a missing one.
    if path.exists() or path.is_symlink():
        check_toml_file(path)
    values = {**_sources(path), **overrides}
    try:
        # Anything else in the file or the overrides is ignored, as it always was.
        return Settings(**{name: values[name] for name in CHECKS if name in values})
    except SettingInvalid as exc:
        raise SettingsError(
            f"setting {exc.field} is invalid ({exc.reason}): {_where(exc.field)}"
        ) from None


def _sources(path: Path) -> dict[str, Any]:
    """The TOML file, `.env` over it, the environment over both: field name -> raw value.

    In a deployment (`protected_config()`), `.env` is not read and the environment cannot set
    the connection settings: the protected file alone says where the app connects."""
    values: dict[str, Any] = {}
    if path.exists():
        with path.open("rb") as toml:
            values.update(tomllib.load(toml))
    protected = protected_config() is not None
    dotenv = Path(".env")
    if not protected and dotenv.is_file():
        from dotenv import dotenv_values

        try:
            values.update(_from_environment(dotenv_values(dotenv, encoding="utf-8")))
        except UnicodeDecodeError:
            raise SettingsError(".env is not valid UTF-8: save it as UTF-8") from None
    environment = _from_environment(os.environ)
    if protected:
        environment = {k: v for k, v in environment.items() if k not in CONNECTION_FIELDS}
    values.update(environment)
    return values


def _from_environment(variables: Mapping[str, str | None]) -> dict[str, Any]:
    """The settings among environment variables (any case); a table is written as JSON."""
    by_name = {name.lower(): value for name, value in variables.items() if value is not None}
    found: dict[str, Any] = {}
    for name in CHECKS:
        value = by_name.get(_env_name(name).lower())
        if value is None:
            continue
        if name in TABLES:
            try:
                found[name] = json.loads(value)
            except ValueError:
                raise SettingsError(
                    f"setting {name} is invalid (it cannot be parsed; a table is written as "
                    f'JSON, e.g. {{"tab.wishlist": "f1"}}): {_where(name)}'
                ) from None
        else:
            found[name] = value
    return found


def check_toml_file(path: Path) -> None:
    """The config file parses as TOML, or one line saying what is wrong with it."""
    shown = _shown(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"config file {shown} cannot be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"config file {shown} is not valid UTF-8 (byte {exc.start + 1}): save it as UTF-8"
        ) from None
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {shown} is not valid TOML: {exc}") from None
    except RecursionError:
        # tomllib recurses per nesting level; thousands of `[[[` are no config anyone wrote.
        raise SettingsError(
            f"config file {shown} is not valid TOML: arrays or tables nested too deeply"
        ) from None
