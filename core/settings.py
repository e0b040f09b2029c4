"""Settings: the environment, then `.env`, then the TOML config file, then defaults.

Except in a deployment: when `AGENTP_CONFIG` names a file that exists, that file is the only
source of the connection settings (the Supabase URL and key, the YClients URL, tokens and
company), and `.env` is not read at all. A staff member who can write a `.env` in their home or
set a variable must not be able to send the service key to a URL of their choosing. The
environment and `.env` are for development and the single-user CLI.

Every problem becomes one `SettingsError` line that names the setting and where to set it, so
the command line can print it instead of a traceback. Secrets are `SecretStr`: their values
never appear in reprs, logs or error messages.

The sources are read here (`_sources`) rather than by pydantic-settings: that package cost about
a third of the app's own start-up before the login screen could paint.
"""

from __future__ import annotations

import base64
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_origin
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

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


def _env(name: str) -> AliasChoices:
    # An alias escapes the AGENTP_ prefix: SUPABASE_URL in the environment, supabase_url in TOML.
    return AliasChoices(name)


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    # Supabase: the project URL and its service key (Project Settings -> API).
    supabase_url: str | None = Field(default=None, validation_alias=_env("supabase_url"))
    supabase_service_key: SecretStr | None = Field(
        default=None, validation_alias=_env("supabase_service_key")
    )

    # YClients: the partner token is the app's; company ids and user tokens live per tenant in
    # dashboard.tenants. The company/user pair here serves `agentp analytics` without a login.
    yclients_base_url: str = Field(
        default="https://api.yclients.com/api/v1", validation_alias=_env("yclients_base_url")
    )
    yclients_partner_token: SecretStr | None = Field(
        default=None, validation_alias=_env("yclients_partner_token")
    )
    yclients_user_token: SecretStr | None = Field(
        default=None, validation_alias=_env("yclients_user_token")
    )
    yclients_company_id: int | None = Field(
        default=None, gt=0, validation_alias=_env("yclients_company_id")
    )

    # The app.
    language: Literal["ru", "en"] | None = None
    idle_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    bell: bool = True
    # A command pending this long means the bot is not taking commands (status bar, composer).
    bot_pickup_seconds: int = Field(default=60, ge=5, le=24 * 3600)
    theme: str = "textual-dark"
    cache_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)))
    # action id -> key(s), e.g. {"tab.wishlist" = "f1"}; see `?` in the app for the ids.
    keymap: dict[str, str] = Field(default_factory=dict)

    @field_validator("supabase_url", "yclients_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        # A space or a control character would split the request line or a header; the host
        # must be there. The value itself is never repeated in the message.
        usable = (
            value.startswith(("http://", "https://"))
            and len(value) >= 10
            and value.isprintable()
            and not any(char.isspace() for char in value)
        )
        if not usable or not _host_of(value):
            raise ValueError("must be an http(s) URL such as https://xyzcompany.supabase.co")
        return value.rstrip("/")

    @field_validator("supabase_service_key", "yclients_partner_token", "yclients_user_token")
    @classmethod
    def _non_blank_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        stripped = value.get_secret_value().strip()
        if not stripped:
            return None
        # Keys and tokens travel in HTTP headers: printable ASCII without spaces. A pasted
        # key with a line break or a smart quote is refused here, not as a crash on connect.
        if not _HEADER_SAFE.fullmatch(stripped):
            raise ValueError(
                "must be the key as issued: printable ASCII letters, digits and punctuation, "
                "without spaces or line breaks"
            )
        return SecretStr(stripped)

    @field_validator("supabase_service_key")
    @classmethod
    def _a_service_key(cls, value: SecretStr | None) -> SecretStr | None:
        # A publishable key is the public one: with it every read would come back empty (RLS)
        # rather than fail, so it is refused here. The key itself is never repeated.
        if value is not None and value.get_secret_value().startswith(PUBLISHABLE_PREFIX):
            raise ValueError(
                "is a publishable key (sb_publishable_…), which is public; use the secret key "
                "(sb_secret_…) or the legacy service_role key"
            )
        return value

    @field_validator("cache_dir")
    @classmethod
    def _real_path(cls, value: Path) -> Path:
        if "\x00" in str(value):
            raise ValueError("cannot contain a NUL character")
        return value

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


_HEADER_SAFE = re.compile(r"[!-~]+")
PUBLISHABLE_PREFIX = "sb_publishable_"
SECRET_PREFIX = "sb_secret_"  # noqa: S105 (a prefix, not a secret)


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


def _host_of(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


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


def _field_of(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "settings"
    name = str(loc[0])
    if name.startswith("agentp_"):
        name = name.removeprefix("agentp_")
    return name


def load_settings(**overrides: Any) -> Settings:
    """Settings from every source, or a `SettingsError` with one readable line."""
    path = config_file()
    # A link to nowhere (or to itself) is a broken config, not a missing one.
    if path.exists() or path.is_symlink():
        check_toml_file(path)
    try:
        return Settings(**{**_sources(path), **overrides})
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        field = _field_of(tuple(error.get("loc", ())))
        reason = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        raise SettingsError(f"setting {field} is invalid ({reason}): {_where(field)}") from None


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
    for field, info in Settings.model_fields.items():
        value = by_name.get(_env_name(field).lower())
        if value is None:
            continue
        if get_origin(info.annotation) in (dict, list):
            try:
                found[field] = json.loads(value)
            except ValueError:
                raise SettingsError(
                    f"setting {field} is invalid (it cannot be parsed; a table is written as "
                    f'JSON, e.g. {{"tab.wishlist": "f1"}}): {_where(field)}'
                ) from None
        else:
            found[field] = value
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
