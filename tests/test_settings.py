"""Settings: sources, precedence, and one clear line for every broken setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import SettingsError, load_settings, supabase_key_kind

ALL_ENV = [
    "SUPABASE_URL",
    "SUPABASE_SERVICE_KEY",
    "YCLIENTS_BASE_URL",
    "YCLIENTS_PARTNER_TOKEN",
    "YCLIENTS_USER_TOKEN",
    "YCLIENTS_COMPANY_ID",
    "AGENTP_LANGUAGE",
    "AGENTP_IDLE_LOCK_MINUTES",
    "AGENTP_BELL",
    "AGENTP_CONFIG",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    config = tmp_path / "config.toml"
    monkeypatch.setenv("AGENTP_CONFIG", str(config))
    return config


def test_defaults_without_any_source() -> None:
    settings = load_settings()
    assert settings.supabase_url is None
    assert settings.idle_lock_minutes == 15
    assert settings.bell is True
    assert settings.yclients_base_url == "https://api.yclients.com/api/v1"


def test_environment_beats_dotenv_beats_toml(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    # The user's own config file (development, the single-user CLI); a deployment's file named
    # by AGENTP_CONFIG wins instead (tests/test_config_trust.py).
    monkeypatch.delenv("AGENTP_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(clean_env.parent / "xdg"))
    clean_env = clean_env.parent / "xdg" / "agentp" / "config.toml"
    clean_env.parent.mkdir(parents=True)
    clean_env.write_text(
        'supabase_url = "https://toml.example.co"\nidle_lock_minutes = 5\nlanguage = "en"\n'
    )
    Path(".env").write_text("SUPABASE_URL=https://dotenv.example.co\nAGENTP_IDLE_LOCK_MINUTES=7\n")
    monkeypatch.setenv("AGENTP_IDLE_LOCK_MINUTES", "9")
    settings = load_settings()
    assert settings.supabase_url == "https://dotenv.example.co"
    assert settings.idle_lock_minutes == 9
    assert settings.language == "en"


def test_os_locale_variables_are_not_mistaken_for_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # GNU's LANGUAGE looks like `en_US:en`; only AGENTP_LANGUAGE is ours.
    monkeypatch.setenv("LANGUAGE", "en_US:en")
    monkeypatch.setenv("THEME", "nonsense")
    settings = load_settings()
    assert settings.language is None
    assert settings.theme == "textual-dark"


def test_keymap_table_from_toml(clean_env: Path) -> None:
    clean_env.write_text('[keymap]\n"tab.wishlist" = "f1"\n')
    assert load_settings().keymap == {"tab.wishlist": "f1"}


def test_secrets_never_show_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "super-secret-value")
    monkeypatch.setenv("YCLIENTS_PARTNER_TOKEN", "partner-secret-value")
    settings = load_settings()
    assert "super-secret-value" not in repr(settings)
    assert "partner-secret-value" not in str(settings.model_dump())
    assert settings.supabase_service_key is not None
    assert settings.supabase_service_key.get_secret_value() == "super-secret-value"


def test_missing_supabase_setting_names_it_and_where(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "https://x.supabase.co")
    with pytest.raises(SettingsError) as caught:
        load_settings().require_supabase()
    message = str(caught.value)
    assert "supabase_service_key is missing" in message
    assert "SUPABASE_SERVICE_KEY" in message
    assert "\n" not in message


def test_blank_secret_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "https://x.supabase.co")
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "   ")
    with pytest.raises(SettingsError, match="supabase_service_key is missing"):
        load_settings().require_supabase()


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("SUPABASE_URL", "ftp://nope", "supabase_url"),
        ("AGENTP_IDLE_LOCK_MINUTES", "abc", "idle_lock_minutes"),
        ("AGENTP_IDLE_LOCK_MINUTES", "0", "idle_lock_minutes"),
        ("AGENTP_LANGUAGE", "de", "language"),
        ("YCLIENTS_COMPANY_ID", "-3", "yclients_company_id"),
        ("AGENTP_BELL", "maybe", "bell"),
    ],
)
def test_malformed_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert f"setting {field} is invalid" in message
    assert name in message or field in message
    assert "\n" not in message


def test_broken_toml_names_the_file(clean_env: Path) -> None:
    clean_env.write_text("supabase_url = [\n")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(clean_env) in str(caught.value)
    assert "not valid TOML" in str(caught.value)


def test_wrong_type_in_toml_is_reported(clean_env: Path) -> None:
    clean_env.write_text('idle_lock_minutes = "soon"\n')
    with pytest.raises(SettingsError, match="idle_lock_minutes is invalid"):
        load_settings()


def test_non_utf8_dotenv_is_reported() -> None:
    Path(".env").write_bytes(b"SUPABASE_URL=\xff\xfe\n")
    with pytest.raises(SettingsError, match="UTF-8"):
        load_settings()


def test_cli_prints_one_line_for_a_broken_config(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    clean_env.write_text("= nonsense\n")
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("agentp: config file")
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1


SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
PUBLISHABLE_KEY = "sb_publishable_ZC3wKgQ3yDf0u8ViKcGlRw_1a2B3c4d"
LEGACY_SERVICE = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.mark.parametrize("key", [SECRET_KEY, LEGACY_SERVICE])
def test_either_kind_of_service_key_is_taken(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("SUPABASE_URL", "https://x.supabase.co")
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", key)
    _, taken = load_settings().require_supabase()
    assert taken.get_secret_value() == key


def test_a_publishable_key_is_refused_as_the_service_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", PUBLISHABLE_KEY)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "setting supabase_service_key is invalid" in message
    assert "publishable key" in message and "sb_secret_" in message
    assert PUBLISHABLE_KEY not in message
    assert "\n" not in message


def test_key_kind_names_the_kind_never_the_key() -> None:
    assert supabase_key_kind(SECRET_KEY) == "secret key (sb_secret_…)"
    assert supabase_key_kind(PUBLISHABLE_KEY) == "publishable key (sb_publishable_…)"
    assert supabase_key_kind(LEGACY_SERVICE) == "legacy service_role key (JWT)"
    assert "unknown kind" in supabase_key_kind("something-else")
    for key in (SECRET_KEY, PUBLISHABLE_KEY, LEGACY_SERVICE):
        assert key not in supabase_key_kind(key)
