"""`agentp serve-web`: a browser's websocket gets the app, starting at its login screen."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from cli.serve_web import app_command, is_loopback
from tests.tui.conftest import StackProcess

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tui_stack: StackProcess, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "SUPABASE_URL": tui_stack.url,
        "SUPABASE_SERVICE_KEY": tui_stack.service_key,
        "AGENTP_CONFIG": str(tmp_path / "none.toml"),
        "HOME": str(tmp_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve-web", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # textual-serve announces itself once its app is built
            if "Serving" in line:
                break
        else:
            raise RuntimeError("serve-web exited before serving")
        # The listening socket opens right after; httpx's connect retries back off on their own.
        with httpx.Client(transport=httpx.HTTPTransport(retries=5)) as client:
            assert client.get(url, timeout=10).status_code == 200
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


async def test_a_websocket_client_gets_the_login_screen(served: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(served) as page:
            assert page.status == 200
            assert "/ws" in await page.text()
        ws_url = served.replace("http", "ws") + "/ws?width=100&height=30"
        seen = b""
        async with http.ws_connect(ws_url, timeout=aiohttp.ClientWSTimeout(ws_close=10)) as ws:
            while b"logs in" not in seen:
                message = await ws.receive(timeout=30)
                assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen += message.data
        assert b"Agent P" in seen


def test_loopback_by_default_and_read_only_passes_through() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0")  # noqa: S104 - the case being refused
    assert app_command(True).endswith("-m cli.main --read-only")
