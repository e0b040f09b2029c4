"""Lockout under concurrency: many wrong guesses at once, from many processes, then the right one.

Issue 17 §3: the lock was checked before bcrypt and the failure recorded after it, so guesses
made at the same time all got checked (41 concurrent attempts had 40 guesses checked, and the
right password still logged in). Each run: `--processes` processes (10) each fire
`--per-process` (5) wrong logins at once, all released together, against one account; then the
right password. Figures: how many guesses bcrypt checked against the account's hash (goal ≤ 5,
every run), and whether the right password was let in while locked (goal 0, every run).
Run: `python -m bench.bench_lockout [--processes N] [--per-process N] [--repeats N] [--quick]`.
Starts its own devstack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import harness
from bench.figures import Figure, Goal, Samples
from devstack.stack import DevStack, StackOptions
from services.auth import LOCKOUT_FAILURES, AuthService, LoginFailed
from services.backend import Backend
from services.passwords import hash_password
from services.secret import SecretStr

BENCH = harness.Bench(
    name="lockout",
    title="Lockout under concurrency",
    about=(
        "Wrong passwords for one account fired at once from several processes (each with its "
        "own connection, as several SSH sessions or browser tabs would), then the right one, "
        "through AuthService against the devstack. The lockout allows 5 guesses per 15 "
        "minutes: the figure is how many guesses bcrypt actually checked."
    ),
    doc=__doc__ or "",
    repeats=3,
    quick_repeats=1,
)
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    processes: int
    per_process: int

    @classmethod
    def of(cls, quick: bool, processes: int | None, per_process: int | None) -> Settings:
        return cls(
            processes=harness.pick(processes, 10, 10, quick),
            per_process=harness.pick(per_process, 5, 5, quick),
        )


# -- a worker process -------------------------------------------------------------------------


async def worker(url: str, key: str, email: str, stored: str, attempts: int) -> dict[str, int]:
    """Fire `attempts` wrong logins at once when told to; count the checks against `stored`."""
    import bcrypt

    checked = 0
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        nonlocal checked
        if hashed == stored.encode():
            checked += 1
        return bool(real(password, hashed))

    bcrypt.checkpw = counting  # type: ignore[assignment]
    backend = await Backend.open(url, SecretStr(key))
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # every process released at once

        async def guess(number: int) -> str:
            try:
                await AuthService(backend).authenticate(email, f"wrong guess {number}")
            except LoginFailed as exc:
                return exc.reason
            return "in"

        reasons = await asyncio.gather(*(guess(n) for n in range(attempts)))
    finally:
        await backend.close()
    return {
        "checked": checked,
        "invalid": reasons.count("invalid"),
        "locked": reasons.count("locked"),
        "in": reasons.count("in"),
    }


# -- the run ----------------------------------------------------------------------------------


def start_workers(
    settings: Settings, url: str, key: str, email: str, stored: str
) -> list[subprocess.Popen[str]]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.bench_lockout",
                "--worker",
                json.dumps([url, key, email, stored, settings.per_process]),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(settings.processes)
    ]
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"a worker did not start: {line!r}")
    return procs


async def measure_runs(repeats: int, settings: Settings) -> Samples:
    runs = Samples()
    with tempfile.TemporaryDirectory() as tmp:
        stack = DevStack(StackOptions(data_dir=Path(tmp), yclients=False))
        info = await stack.start()
        try:
            db = await stack.connect()
            tenant = await db.fetchval(
                "insert into dashboard.tenants (name) values ('bench lockout') returning id"
            )
            stored = await hash_password(PASSWORD)
            backend = await Backend.open(info.supabase_url, SecretStr(info.service_key))
            for index in range(repeats):
                harness.run_header(index, repeats)
                email = f"target-{index}@bench.test"
                await db.execute(
                    "insert into dashboard.users (tenant_id, email, encrypted_password, role) "
                    "values ($1, $2, $3, 'operator')",
                    tenant,
                    email,
                    stored,
                )
                procs = await asyncio.to_thread(
                    start_workers, settings, info.supabase_url, info.service_key, email, stored
                )
                started = time.perf_counter()
                for proc in procs:
                    assert proc.stdin is not None
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                totals = {"checked": 0, "invalid": 0, "locked": 0, "in": 0}
                for proc in procs:
                    out, _ = await asyncio.to_thread(proc.communicate)
                    for name, value in json.loads(out.strip().splitlines()[-1]).items():
                        totals[name] += value
                elapsed = time.perf_counter() - started
                right_in = await _let_in(backend, email)
                attempts = settings.processes * settings.per_process
                print(
                    f"{attempts} wrong attempts from {settings.processes} processes in "
                    f"{elapsed:.1f} s: {totals['checked']} guesses checked "
                    f"({totals['invalid']} refused as wrong, {totals['locked']} as locked, "
                    f"{totals['in']} let in); right password then "
                    f"{'LET IN' if right_in else 'refused (locked)'}",
                    flush=True,
                )
                runs.add("checked", float(totals["checked"]))
                runs.add("right_in", float(right_in))
                runs.add("seconds", elapsed)
            await backend.close()
            await db.close()
        finally:
            await stack.stop()
    return runs


async def _let_in(backend: Backend, email: str) -> int:
    """1 if the right password logs in right after the burst, 0 if it is refused."""
    try:
        await AuthService(backend).authenticate(email, PASSWORD)
    except LoginFailed:
        return 0
    return 1


def run(repeats: int, quick: bool, settings: Settings | None = None) -> list[Figure]:
    settings = settings or Settings.of(quick, None, None)
    runs = asyncio.run(measure_runs(repeats, settings))
    attempts = settings.processes * settings.per_process
    return [
        Figure(
            "guesses checked by bcrypt",
            "",
            runs["checked"],
            goal=Goal("<=", LOCKOUT_FAILURES, every_run=True),
            note=f"{attempts} concurrent wrong attempts from {settings.processes} processes",
        ),
        Figure(
            "right password let in while locked",
            "",
            runs["right_in"],
            goal=Goal("==", 0, every_run=True),
            note="1 if the account's password logged in right after the burst",
        ),
        Figure("time for the burst", "s", runs["seconds"], note="all attempts answered"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--worker"]:
        url, key, email, stored, attempts = json.loads(args[1])
        print(json.dumps(asyncio.run(worker(url, key, email, stored, attempts))), flush=True)
        return 0
    arguments = harness.parser(BENCH)
    arguments.add_argument("--processes", type=int, help="processes guessing at once (10)")
    arguments.add_argument("--per-process", type=int, help="wrong attempts per process (5)")

    def settings_of(parsed: argparse.Namespace) -> Settings:
        return Settings.of(parsed.quick, parsed.processes, parsed.per_process)

    return harness.main(BENCH, arguments, settings_of, run, args)


if __name__ == "__main__":
    sys.exit(main())
