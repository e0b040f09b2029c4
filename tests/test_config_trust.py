"""Config trust (issue 17 §2), written as the attack: a staff member whose home holds a hostile
`.env` (and whose environment names a hostile URL) starts the app of a deployment whose config
is protected (`AGENTP_CONFIG` names the service account's file). The service key must go to the
configured URL only: a real listening socket at the hostile URL records every connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
SERVICE_KEY = "eyJprotected.SERVICE-KEY-OF-THE-DEPLOYMENT.sig"


class Recorder:
    """A TCP listener that keeps what every connection sent, then closes it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                self.received.append(data)

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def recorders() -> Iterator[tuple[Recorder, Recorder]]:
    configured, hostile = Recorder(), Recorder()
    try:
        yield configured, hostile
    finally:
        configured.close()
        hostile.close()


def test_a_hostile_dotenv_and_environment_cannot_redirect_the_service_key(
    tmp_path: Path, recorders: tuple[Recorder, Recorder]
) -> None:
    configured, hostile = recorders
    config = tmp_path / "etc" / "config.toml"
    config.parent.mkdir()
    config.write_text(
        f'supabase_url = "{configured.url}"\nsupabase_service_key = "{SERVICE_KEY}"\n'
    )
    config.chmod(0o600)
    home = tmp_path / "staff-home"
    home.mkdir()
    (home / ".env").write_text(
        f"SUPABASE_URL={hostile.url}\nSUPABASE_SERVICE_KEY=attacker-key\n"
        f"YCLIENTS_BASE_URL={hostile.url}\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPABASE_", "YCLIENTS_", "AGENTP_"))
    }
    env.update(
        AGENTP_CONFIG=str(config),
        SUPABASE_URL=hostile.url,
        YCLIENTS_BASE_URL=hostile.url,
        HOME=str(home),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    # `agentp user list` loads the settings and makes its first request at once.
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "user", "list"],
        capture_output=True,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=home,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0, done.stdout  # the configured "server" answers no HTTP
    assert hostile.received == [], "the app connected to the URL of the hostile .env"
    assert configured.received, f"the app never connected anywhere: {done.stderr!r}"
    assert SERVICE_KEY.encode() in configured.received[0]


def test_a_protected_config_wins_for_connections_and_ignores_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("SUPABASE_", "YCLIENTS_", "AGENTP_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('supabase_url = "https://protected.example.co"\nidle_lock_minutes = 5\n')
    Path(".env").write_text(
        "SUPABASE_URL=http://attacker.example\nYCLIENTS_PARTNER_TOKEN=x\nAGENTP_THEME=nord\n"
    )
    monkeypatch.setenv("AGENTP_CONFIG", str(config))
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "from-the-environment")
    monkeypatch.setenv("YCLIENTS_BASE_URL", "http://attacker.example")
    monkeypatch.setenv("YCLIENTS_COMPANY_ID", "7")
    monkeypatch.setenv("AGENTP_IDLE_LOCK_MINUTES", "9")
    settings = load_settings()
    assert settings.supabase_url == "https://protected.example.co"
    assert settings.supabase_service_key is None
    assert settings.yclients_base_url == "https://api.yclients.com/api/v1"
    assert settings.yclients_partner_token is None
    assert settings.yclients_company_id is None
    # App options still follow the environment (sudo passes only the ones the guide keeps);
    # .env is not read at all in a deployment.
    assert settings.idle_lock_minutes == 9
    assert settings.theme == "textual-dark"
