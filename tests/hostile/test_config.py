"""The config loader with hostile files and environments: every broken setting is one clear
line (a `SettingsError`), never a traceback, and never the secret it was given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.i18n import detect_language
from core.settings import Settings, SettingsError, load_settings
from tests.hostile.conftest import count
from tests.hostile.corpus import CORPUS, Hostile, storable

ROOT = Path(__file__).resolve().parents[2]
SECRET = "eyJsecret.TOP-SECRET-VALUE.sig"
SETTINGS_ENV = {
    "supabase_url": "SUPABASE_URL",
    "supabase_service_key": "SUPABASE_SERVICE_KEY",
    "yclients_base_url": "YCLIENTS_BASE_URL",
    "yclients_partner_token": "YCLIENTS_PARTNER_TOKEN",
    "yclients_user_token": "YCLIENTS_USER_TOKEN",
    "yclients_company_id": "YCLIENTS_COMPANY_ID",
    "language": "AGENTP_LANGUAGE",
    "idle_lock_minutes": "AGENTP_IDLE_LOCK_MINUTES",
    "bell": "AGENTP_BELL",
    "theme": "AGENTP_THEME",
    "cache_dir": "AGENTP_CACHE_DIR",
    "keymap": "AGENTP_KEYMAP",
}
SECRETS = ("supabase_service_key", "yclients_partner_token", "yclients_user_token")

# Files that are not TOML, or TOML that is not a config.
BROKEN_FILES: dict[str, bytes] = {
    "garbage": b"= nonsense\n",
    "unterminated-string": f'supabase_service_key = "{SECRET}\n'.encode(),
    "unterminated-table": b"[keymap\n",
    "missing-value": b"supabase_url =\n",
    "duplicate-key": b'theme = "a"\ntheme = "b"\n',
    "utf16": 'theme = "x"\n'.encode("utf-16"),
    "latin1": 'theme = "café"\n'.encode("latin-1"),
    "invalid-utf8": b'theme = "\xff\xfe\xfd"\n',
    "lone-continuation": b"\x80\x80\x80",
    "nul-bytes": b'theme = "a\x00b"\n',
    "utf8-bom": b'\xef\xbb\xbftheme = "x"\n',
    "deep-arrays": b"keymap = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "deep-tables": b"keymap = " + b"{a = " * 50_000 + b"1" + b"}" * 50_000 + b"\n",
    "one-megabyte": b'theme = "' + b"a" * 1_048_576 + b'"\n',
    "megabyte-of-garbage": bytes(range(256)) * 4096,
    "binary": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,
    "keymap-not-table": b"keymap = 5\n",
    "keymap-values": b'[keymap]\n"tab.wishlist" = ["f1"]\n',
    "idle-string": b'idle_lock_minutes = "soon"\n',
    "idle-float": b"idle_lock_minutes = 1.5\n",
    "idle-huge": b"idle_lock_minutes = 99999999999999999999\n",
    "idle-inf": b"idle_lock_minutes = inf\n",
    "idle-nan": b"idle_lock_minutes = nan\n",
    "idle-bool": b"idle_lock_minutes = true\n",
    "bell-string": b'bell = "maybe"\n',
    "language-number": b"language = 5\n",
    "language-other": b'language = "de"\n',
    "company-negative": b"yclients_company_id = -3\n",
    "company-float": b"yclients_company_id = 1.5\n",
    "company-huge": b"yclients_company_id = 9223372036854775808\n",
    "url-not-http": b'supabase_url = "javascript:alert(1)"\n',
    "url-spaces": b'supabase_url = "https://evil .example.co"\n',
    "url-newline": b'supabase_url = "https://x.supabase.co\\nHost: evil"\n',
    "url-no-host": b'supabase_url = "https://"\n',
    "key-newline": f'supabase_service_key = "{SECRET}\\r\\nX-Evil: 1"\n'.encode(),
    "key-non-ascii": f'supabase_service_key = "{SECRET}ключ"\n'.encode(),
    "key-array": f'supabase_service_key = ["{SECRET}"]\n'.encode(),
    "key-table": f'supabase_service_key = {{ value = "{SECRET}" }}\n'.encode(),
    "token-control": f'yclients_partner_token = "{SECRET}\\u001b[31m"\n'.encode(),
    "cache-dir-nul": b'cache_dir = "a\\u0000b"\n',
    "cache-dir-number": b"cache_dir = 5\n",
    "theme-table": b"[theme]\nx = 1\n",
}


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (every character escaped that TOML requires)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith(("SUPABASE_", "YCLIENTS_", "AGENTP_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("AGENTP_CONFIG", str(config))
    return config


def load_or_one_line(*secrets: str) -> Settings | None:
    """Settings, or None after checking the SettingsError is one line that echoes no secret."""
    try:
        return load_settings()
    except SettingsError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        assert "Traceback" not in message
        for secret in secrets:
            if len(secret) >= 6:
                assert secret not in message, "the message echoes a secret"
        return None


def usable(settings: Settings) -> None:
    """What the app does with settings right after loading them must not raise either."""
    import httpx

    for name in ("supabase_url", "yclients_base_url"):
        url = getattr(settings, name)
        if url is not None:
            try:
                httpx.URL(url)
            except httpx.InvalidURL:
                raise AssertionError(f"{name} was accepted but httpx cannot use it") from None
    for name in SECRETS:
        value = getattr(settings, name)
        # Secrets travel in HTTP headers: printable ASCII only.
        if value is not None and not (
            value.get_secret_value().isascii() and value.get_secret_value().isprintable()
        ):
            raise AssertionError(f"{name} was accepted but cannot go in an HTTP header")
    if "\x00" in str(settings.cache_dir):
        raise AssertionError("cache_dir was accepted with a NUL in it")


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_a_broken_config_file_is_one_line(clean_env: Path, name: str) -> None:
    count("config.broken-file")
    clean_env.write_bytes(BROKEN_FILES[name])
    settings = load_or_one_line(SECRET)
    if settings is not None:
        usable(settings)


@pytest.mark.parametrize("field", sorted(SETTINGS_ENV))
def test_hostile_values_in_the_config_file(clean_env: Path, field: str) -> None:
    problems = []
    for entry in CORPUS:
        if not storable(entry.text):
            continue  # a TOML file is UTF-8: see the non-UTF-8 tests
        count("config.toml-value")
        value = toml_string(entry.text)
        line = f"[keymap]\n{value} = {value}\n" if field == "keymap" else f"{field} = {value}\n"
        clean_env.write_text(line, encoding="utf-8")
        try:
            settings = load_or_one_line(entry.text)
            if settings is not None:
                usable(settings)
        except (Exception, pytest.fail.Exception) as exc:
            problems.append(f"{entry.name}: {type(exc).__name__}: {str(exc)[:200]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("field", sorted(SETTINGS_ENV))
def test_hostile_values_in_the_environment(monkeypatch: pytest.MonkeyPatch, field: str) -> None:
    problems = []
    entries = [
        *CORPUS,
        # What a non-UTF-8 byte in the environment becomes in Python (surrogateescape).
        Hostile("env-latin1-byte", "encoding", "caf\udce9"),
        Hostile("env-invalid-bytes", "encoding", "\udcff\udcfe"),
    ]
    for entry in entries:
        if "\x00" in entry.text or any(0xD800 <= ord(c) <= 0xDC7F for c in entry.text):
            continue  # the OS cannot hold these in an environment variable
        count("config.env-value")
        with monkeypatch.context() as env:
            env.setenv(SETTINGS_ENV[field], entry.text)
            try:
                settings = load_or_one_line(entry.text)
                if settings is not None:
                    usable(settings)
            except (Exception, pytest.fail.Exception) as exc:
                problems.append(f"{entry.name}: {type(exc).__name__}: {str(exc)[:200]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "content",
    [
        b"SUPABASE_URL=\xff\xfe\n",
        b"SUPABASE_SERVICE_KEY=" + SECRET.encode() + b"\xff\n",
        b"SUPABASE_SERVICE_KEY=" + SECRET.encode() + b"\x00\n",
        b"\x00\x00\x00",
        b"=\n==\n=x\n",
        b"SUPABASE_URL='unterminated\n",
        b"AGENTP_IDLE_LOCK_MINUTES=" + b"9" * 10_000 + b"\n",
        b"SUPABASE_URL=https://x.co\r\nSUPABASE_SERVICE_KEY=" + SECRET.encode() + b"\r\n",
        b"export SUPABASE_SERVICE_KEY=" + SECRET.encode() + b" # comment \x1b[31m\n",
    ],
)
def test_a_hostile_dotenv_is_one_line(content: bytes) -> None:
    count("config.dotenv")
    Path(".env").write_bytes(content)
    settings = load_or_one_line(SECRET)
    if settings is not None:
        usable(settings)


def test_a_config_path_that_is_a_directory_or_unreadable(clean_env: Path) -> None:
    count("config.path", 2)
    clean_env.mkdir()
    assert load_or_one_line() is None
    clean_env.rmdir()
    clean_env.symlink_to(clean_env)  # a link to itself
    assert load_or_one_line() is None


@settings(max_examples=200, deadline=None)
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_as_the_config_file_are_settings_or_one_line(content: bytes) -> None:
    count("config.hypothesis")
    path = Path(os.environ["AGENTP_CONFIG"])
    path.write_bytes(content)
    settings = load_or_one_line()
    if settings is not None:
        usable(settings)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ({"LANG": "C"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "xx_XX.ISO-8859-1"}, "en"),
        ({"LANG": "ru_RU.KOI8-R"}, "ru"),
        ({"LANG": "ru_RU.CP1251"}, "ru"),
        ({"LC_ALL": "ru_RU.UTF-8", "LANG": "C"}, "ru"),
        ({"LANG": "\udcff\udcfe"}, "en"),
        ({"LANG": ""}, "en"),
        ({}, "en"),
    ],
)
def test_any_locale_chooses_a_language(locale: dict[str, str], expected: str) -> None:
    count("config.locale")
    assert detect_language(None, locale) == expected


@pytest.mark.parametrize("lang", ["C", "POSIX", "xx_XX.ISO-8859-1", "ru_RU.KOI8-R"])
def test_the_cli_under_a_non_utf8_locale_prints_one_line(tmp_path: Path, lang: str) -> None:
    """A broken config under a legacy locale (stderr in Latin-1): one line, no traceback."""
    count("config.cli-locale")
    config = tmp_path / "конфиг.toml"
    config.write_bytes(b"theme = \xff\n")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPABASE_", "YCLIENTS_", "AGENTP_", "LC_"))
    }
    env.update(
        LANG=lang,
        PYTHONIOENCODING="latin-1",
        AGENTP_CONFIG=str(config),
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "cli.main"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    err = done.stderr.decode("latin-1")
    assert done.returncode == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("agentp: config file")
