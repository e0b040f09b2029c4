"""A salon chain's morning: ten processes on one host open Analytics for the same company at once.

Run: `python -m bench.bench_chain [--processes 10] [--days 365] [--repeats N] [--quick]`.
Each run starts a fresh YClients sandbox on 127.0.0.1 with its real limits (5 req/s and
200 req/min per IP), then:
1. one process alone syncs the period into a fresh cache dir and shows its figures;
2. `--processes` processes, started together, do the same on another fresh cache dir that they
   share, as staff logged in over SSH under one service account do.
Every process runs the Analytics tab's own service path (`TenantAnalytics.sync` then
`figures`) in its own interpreter. Goals (issue 13): requests in all no more than one sync's
(plus one per waiting process at most), no 429 left unretried, and the last process showing
figures within 1.2× the time one process alone needs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from aiohttp import web

from bench import harness
from bench.figures import Figure, Floor, Goal, Samples
from devstack.yclients_sandbox import (
    DEMO_COMPANY_LOTOS,
    DEMO_PARTNER_TOKEN,
    DEMO_USER_TOKENS,
    create_sandbox_app,
    demo_sandbox_config,
    sandbox_of,
)
from devstack.yclients_sandbox.app import Sandbox
from services.secret import SecretStr
from services.tenant_yclients import TenantAnalytics, TenantYClients

BENCH = harness.Bench(
    name="chain",
    title="YClients for a chain: many processes, one host",
    about=(
        "Processes started together on one host open Analytics for the same company, against "
        "the YClients sandbox with its real per-IP limits, sharing the service account's cache "
        "dir: the host-wide limiter and the one-sync-per-company lock. Compared with one "
        "process alone in the same run."
    ),
    doc=__doc__ or "",
    repeats=3,
    quick_repeats=1,
)


@dataclass(frozen=True)
class Settings:
    processes: int
    days: int

    @classmethod
    def of(cls, quick: bool, processes: int | None = None, days: int | None = None) -> Settings:
        return cls(
            processes=harness.pick(processes, 10, 4, quick),
            days=harness.pick(days, 365, 60, quick),
        )


@dataclass(frozen=True)
class Outcome:
    seconds: float  # from the start of all processes to this one's figures
    requests: int
    throttled: int  # 429s this process's client saw and retried
    by_peer: bool
    records: int


def worker(argv: Sequence[str]) -> int:
    """One staff process: ready, then on "go" sync and read the figures; one JSON line back.

    The app is already running when staff open the tab, so the interpreter's start is not
    part of the figure: each worker imports everything, says so, and waits for the signal.
    """
    base_url, cache_dir, first, last = argv
    print("ready", flush=True)
    started = sys.stdin.readline().strip()

    async def run() -> dict[str, object]:
        config = TenantYClients(
            tenant_id=uuid.uuid4(),
            company_id=DEMO_COMPANY_LOTOS,
            base_url=base_url,
            partner_token=SecretStr(DEMO_PARTNER_TOKEN),
            user_token=SecretStr(DEMO_USER_TOKENS[DEMO_COMPANY_LOTOS]),
        )
        period = date.fromisoformat(first), date.fromisoformat(last)
        async with TenantAnalytics(config, Path(cache_dir)) as analytics:
            report = await analytics.sync(*period)
            figures = await analytics.figures(*period)
            client = analytics._client
            throttled = client.stats.throttled if client is not None else 0
        return {
            "seconds": time.time() - float(started),
            "requests": report.requests,
            "throttled": throttled,
            "by_peer": report.by_peer,
            "records": figures.report.records,
        }

    print(json.dumps(asyncio.run(run())), flush=True)
    return 0


def start_processes(
    count: int, base_url: str, cache_dir: Path, period: tuple[date, date]
) -> list[subprocess.Popen[str]]:
    """Starts `count` worker processes, waits until each is ready, then lets them go at once."""
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.bench_chain",
                "--worker",
                base_url,
                str(cache_dir),
                period[0].isoformat(),
                period[1].isoformat(),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a worker did not start")
    started = repr(time.time())
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(started + "\n")
        proc.stdin.flush()
    return procs


async def collect(procs: list[subprocess.Popen[str]]) -> list[Outcome]:
    outcomes = []
    for proc in procs:
        assert proc.stdout is not None
        out = await asyncio.to_thread(proc.stdout.read)
        await asyncio.to_thread(proc.wait)
        if proc.returncode != 0:
            raise RuntimeError(f"a worker failed with exit status {proc.returncode}")
        data = json.loads(out.strip().splitlines()[-1])
        outcomes.append(Outcome(**data))
    return outcomes


@asynccontextmanager
async def fresh_sandbox() -> AsyncIterator[tuple[str, Sandbox]]:
    """A sandbox of its own, so each phase starts with YClients' per-IP windows empty."""
    sub = create_sandbox_app(demo_sandbox_config())
    root = web.Application()
    root.add_subapp("/yclients", sub)
    runner = web.AppRunner(root, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/yclients/api/v1", sandbox_of(sub)
    finally:
        await runner.cleanup()


async def one_run(settings: Settings, runs: Samples) -> None:
    today = date.today()
    period = (today - timedelta(days=settings.days - 1), today)
    with tempfile.TemporaryDirectory() as alone_dir, tempfile.TemporaryDirectory() as shared:
        async with fresh_sandbox() as (base_url, sandbox):
            (alone,) = await collect(start_processes(1, base_url, Path(alone_dir), period))
            alone_requests = sum(1 for e in sandbox.log if e.status == 200)
        print(
            f"  one process alone: {alone.seconds:.1f} s to figures, "
            f"{alone_requests} requests, {alone.records} records",
            flush=True,
        )
        async with fresh_sandbox() as (base_url, sandbox):
            chain = await collect(
                start_processes(settings.processes, base_url, Path(shared), period)
            )
            accepted = sum(1 for e in sandbox.log if e.status == 200)
            refused = sandbox.throttled
            retried = sum(o.throttled for o in chain)
            last = max(o.seconds for o in chain)
            peers = sum(1 for o in chain if o.by_peer)
            times = ", ".join(f"{o.seconds:.1f}" for o in sorted(chain, key=lambda o: o.seconds))
            print(f"  figures shown after (s): {times}", flush=True)
            print(
                f"  {settings.processes} processes together: last figures after {last:.1f} s "
                f"({last / alone.seconds:.2f}x alone), {accepted} requests "
                f"(one sync: {alone_requests}), {peers} read a peer's sync, "
                f"429: {refused}, retried {retried}",
                flush=True,
            )
        if any(o.records != alone.records for o in chain):
            raise RuntimeError("a process of the chain saw other figures than the lone one")
        runs.add("alone_s", alone.seconds)
        runs.add("alone_requests", alone_requests)
        runs.add("chain_s", last)
        runs.add("ratio", last / alone.seconds)
        runs.add("requests", accepted)
        runs.add("extra_requests", accepted - alone_requests)
        runs.add("unretried", refused - retried)
        runs.add("peers", peers)


def run(repeats: int, quick: bool, settings: Settings | None = None) -> list[Figure]:
    settings = settings or Settings.of(quick)
    runs = Samples()
    for index in range(repeats):
        harness.run_header(index, repeats)
        asyncio.run(one_run(settings, runs))
    n = settings.processes
    return [
        Figure(
            f"{n} processes: YClients requests in all",
            "",
            runs["requests"],
            floor=Floor("one sync alone", runs["alone_requests"]),
            note=f"{settings.days} days of one company; each process syncs then reads figures",
        ),
        Figure(
            f"{n} processes: requests beyond one sync's",
            "",
            runs["extra_requests"],
            goal=Goal("<=", n - 1, every_run=True),
            note="a process that waited reads the shared cache; at most one request each",
        ),
        Figure(
            f"{n} processes: 429s left unretried",
            "",
            runs["unretried"],
            goal=Goal("==", 0, every_run=True),
        ),
        Figure(
            f"{n} processes: until the last shows figures",
            "s",
            runs["chain_s"],
            floor=Floor("one process alone", runs["alone_s"]),
        ),
        Figure(
            f"{n} processes: last figures, ratio to one alone",
            "x",
            runs["ratio"],
            goal=Goal("<=", 1.2),
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--worker"]:
        return worker(args_list[1:])
    arguments = harness.parser(BENCH)
    arguments.add_argument("--processes", type=int, help="processes started together (10)")
    arguments.add_argument("--days", type=int, help="days of the period, ending today (365)")

    def settings_of(args: argparse.Namespace) -> Settings:
        return Settings.of(args.quick, args.processes, args.days)

    return harness.main(BENCH, arguments, settings_of, run, args_list)


if __name__ == "__main__":
    sys.exit(main())
