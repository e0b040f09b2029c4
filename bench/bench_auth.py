"""Login timing: an unknown email against a wrong password, over many trials.

The two must be indistinguishable (goal, issue 4: medians within 20% of each other); a correct
login is shown for scale. Run: `python -m bench.bench_auth [--trials N] [--repeats N] [--quick]`.
Starts its own devstack. Each run makes `--trials` interleaved attempts of each kind; a run's
figures are the medians of its attempts, the report's the medians over runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import harness
from bench.figures import Figure, Floor, Goal, Samples
from devstack.stack import DevStack, StackOptions
from services.auth import AuthService, LoginFailed
from services.backend import Backend
from services.passwords import hash_password
from services.secret import SecretStr

BENCH = harness.Bench(
    name="auth",
    title="Login timing",
    about=(
        "Time of a login attempt with an unknown email next to one with a known email and a "
        "wrong password, through AuthService against the devstack (bcrypt cost 12). They must "
        "not tell an attacker which emails exist: the ratio of their medians is the figure."
    ),
    doc=__doc__ or "",
    repeats=3,
    quick_repeats=2,
)
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Settings:
    trials: int

    @classmethod
    def of(cls, quick: bool, trials: int | None = None) -> Settings:
        return cls(trials=harness.pick(trials, 30, 3, quick))


async def timed(auth: AuthService, email: str, password: str) -> float:
    start = time.perf_counter()
    with contextlib.suppress(LoginFailed):
        await auth.authenticate(email, password)
    return time.perf_counter() - start


def report(trials: int, unknown: list[float], wrong: list[float], right: list[float]) -> float:
    med_unknown, med_wrong = statistics.median(unknown), statistics.median(wrong)
    ratio = max(med_unknown, med_wrong) / min(med_unknown, med_wrong)
    print(f"login timing over {trials} interleaved trials (bcrypt cost 12, devstack)")
    for name, samples in (
        ("unknown email", unknown),
        ("wrong password", wrong),
        ("correct", right),
    ):
        print(
            f"  {name:<15} median {statistics.median(samples) * 1000:7.1f} ms  "
            f"stdev {statistics.pstdev(samples) * 1000:6.1f} ms"
        )
    verdict = "ok" if ratio <= 1.2 else "OVER GOAL"
    print(f"  unknown/wrong ratio {ratio:.3f} (goal <= 1.20: {verdict})", flush=True)
    return ratio


async def measure_runs(repeats: int, settings: Settings) -> Samples:
    runs = Samples()
    with tempfile.TemporaryDirectory() as tmp:
        stack = DevStack(StackOptions(data_dir=Path(tmp), yclients=False))
        info = await stack.start()
        try:
            db = await stack.connect()
            tenant = await db.fetchval(
                "insert into dashboard.tenants (name) values ('bench') returning id"
            )
            await db.execute(
                "insert into dashboard.users (tenant_id, email, encrypted_password, role) "
                "values ($1, 'known@bench.test', $2, 'operator')",
                tenant,
                await hash_password(PASSWORD),
            )
            backend = await Backend.open(info.supabase_url, SecretStr(info.service_key))
            auth = AuthService(backend)
            for index in range(repeats):
                harness.run_header(index, repeats)
                unknown: list[float] = []
                wrong: list[float] = []
                right: list[float] = []
                for i in range(settings.trials):
                    # Interleaved, and each email only 3 failures deep, so no lockout kicks in.
                    await db.execute("delete from dashboard.login_attempts")
                    unknown.append(await timed(auth, f"nobody{index}-{i}@bench.test", PASSWORD))
                    wrong.append(await timed(auth, "known@bench.test", "wrong horse battery"))
                    right.append(await timed(auth, "known@bench.test", PASSWORD))
                ratio = report(settings.trials, unknown, wrong, right)
                runs.add("unknown", statistics.median(unknown) * 1000)
                runs.add("wrong", statistics.median(wrong) * 1000)
                runs.add("right", statistics.median(right) * 1000)
                runs.add("ratio", ratio)
            await backend.close()
            await db.close()
        finally:
            await stack.stop()
    return runs


def run(repeats: int, quick: bool, settings: Settings | None = None) -> list[Figure]:
    """Figures over `repeats` runs; `settings` default to the full or quick ones."""
    settings = settings or Settings.of(quick)
    runs = asyncio.run(measure_runs(repeats, settings))
    per_run = f"median of {settings.trials} attempts per run"
    return [
        Figure(
            "unknown email, login time",
            "ms",
            runs["unknown"],
            floor=Floor("known email, wrong password", runs["wrong"]),
            note=per_run,
        ),
        Figure(
            "unknown vs wrong password, slower/faster",
            "×",
            runs["ratio"],
            goal=Goal("<=", 1.2),
            note="the larger median over the smaller, in each run",
        ),
        Figure("correct login, for scale", "ms", runs["right"], note=per_run),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = harness.parser(BENCH)
    arguments.add_argument("--trials", type=int, help="attempts of each kind per run")

    def settings_of(args: argparse.Namespace) -> Settings:
        return Settings.of(args.quick, args.trials)

    return harness.main(BENCH, arguments, settings_of, run, argv)


if __name__ == "__main__":
    sys.exit(main())
