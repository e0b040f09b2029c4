"""The TUI's figures: startup, commit → visible-row latency, loop stalls in a burst, RSS.

    python -m bench.bench_tui [--seconds 10] [--rss-rows 50000] [--repeats N] [--quick]

Starts its own devstack in a child process (like tests/tui/conftest.py) and drives the real
app headless (`run_test`), logged in through the login screen, in a fresh child process per run
(so one run's heap does not weigh on the next run's RSS):

* startup: wall time from spawning `python -m bench.bench_tui --startup-child agentp|bare` to
  the child's first painted screen (the login screen; a one-Static bare Textual app next to
  it), median of several launches per run; the child exits right after that first paint.
* RSS: a salon with `--rss-rows` wishlist rows; the app loads the newest 500 from the feed,
  then pages every older one in with the tab's `o` action (1,000 per page) until all are in
  the table; RSS is read from /proc/self/status (the whole process: app, bench, drivers).
* latency: autocommit INSERTs at 100 rows/s from another connection; from the moment each
  INSERT returns (committed) to the first screen refresh after its row is in the table, or
  held above the rows on screen and counted on the tab's `▲ N new entries` line (the newest
  one named), which is how a long list shows a new row until Home.
* stall: one INSERT of 2,000 rows; a probe task sleeping 5 ms measures how late it wakes up
  (the event loop's lag) until every row has reached the tab.
* sockets: the app logged in with its feeds live and 5 conversations open (as the thread
  screen opens each); the devstack lists its open realtime websockets with the client's
  address, and the app process's own TCP connections to the stack are read from /proc (fd
  inodes against /proc/self/net/tcp): those the devstack lists are websockets, the rest HTTP.
Goals (issues 5 and 16): startup within 1.3× of bare, p99 < 150 ms, no stall > 100 ms, RSS
< 200 MB; (issue 14) one realtime websocket per app, however many conversations are open.
The report's figures are medians over runs of each run's figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness
from bench.figures import Figure, Floor, Goal, Samples
from cli.stack_process import start_devstack

BENCH = harness.Bench(
    name="tui",
    title="The TUI: startup, live rows, stalls, memory",
    about=(
        "The real app, headless, logged in through its login screen against a devstack. Startup "
        "is timed from spawning the process to the first painted login screen, next to a bare "
        "one-widget Textual app (the peer); then rows committed at 100/s are timed until they "
        "are on screen, a 2,000-row burst is watched for event-loop stalls, and RSS is read "
        "with 50,000 wishlist rows paged into the table."
    ),
    doc=__doc__ or "",
    repeats=3,
    quick_repeats=1,
)
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password 2026"
STARTUP_RUNS = 5


@dataclass(frozen=True)
class Settings:
    seconds: float  # length of the 100 rows/s run
    rss_rows: int
    startup_runs: int  # launches of each app per run

    @classmethod
    def of(cls, quick: bool, seconds: float | None = None, rss_rows: int | None = None) -> Settings:
        return cls(
            seconds=harness.pick(seconds, 10.0, 1.0, quick),
            rss_rows=harness.pick(rss_rows, 50_000, 2_000, quick),
            startup_runs=harness.pick(None, STARTUP_RUNS, 2, quick),
        )


# -- startup (child side: keep imports inside, they are what is measured) ---------------------
def startup_child(kind: str) -> int:
    if kind == "agentp":
        # What `agentp` does first (cli/main.py main): no garbage collections until the app's
        # first frame. The bare app keeps Python's defaults.
        from tui import heap

        heap.hold()
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    app: App[Any]
    if kind == "bare":

        class Bare(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("Hello")

        app = Bare()
        ready: Callable[[], bool] = lambda: True  # noqa: E731
    else:
        from core.settings import Settings
        from screens.login import LoginScreen
        from services.secret import SecretStr
        from tui.app import AgentPApp

        settings = Settings(
            supabase_url=os.environ["BENCH_SUPABASE_URL"],
            supabase_service_key=SecretStr(os.environ["BENCH_SERVICE_KEY"]),
            language="en",
        )
        app = AgentPApp(settings, data_dir=Path(tempfile.mkdtemp()))
        ready = lambda: isinstance(app.screen, LoginScreen)  # noqa: E731

    async def first_paint(pilot: Any) -> None:
        while not ready():
            await pilot.pause()
        # The screen is mounted; the next refresh is its first paint.
        painted = asyncio.get_running_loop().create_future()
        app.call_after_refresh(lambda: painted.set_result(time.time()))
        print(json.dumps({"painted": await painted}), flush=True)
        app.exit()

    app.run(headless=True, auto_pilot=first_paint, size=(80, 24))
    return 0


def measure_startup(kind: str, env: dict[str, str]) -> float:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_tui", "--startup-child", kind],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    ).stdout
    painted = next(json.loads(line) for line in out.splitlines() if line.startswith("{"))
    return (float(painted["painted"]) - start) * 1000


# -- the devstack and a salon --------------------------------------------------------------
async def create_salon(db: Any, name: str) -> tuple[Any, str]:
    import bcrypt

    # Tenant names are unique, and each run's process makes its salons on the same stack.
    tenant = await db.fetchval(
        "insert into dashboard.tenants (name, timezone) values ($1, 'Europe/Moscow') returning id",
        f"{name} {os.getpid()}",
    )
    email = f"bench-{tenant.hex[:8]}@salon.test"
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()
    await db.execute(
        "insert into dashboard.users (tenant_id, email, name, encrypted_password, role) "
        "values ($1, $2, 'Bench', $3, 'operator')",
        tenant,
        email,
        hashed,
    )
    return tenant, email


def make_app(info: dict[str, Any], data_dir: Path) -> Any:
    from core.settings import Settings
    from services.secret import SecretStr
    from tests.tui.observed import ObservedApp  # the App plus `wait_for`, as the tests use it

    settings = Settings(
        supabase_url=info["supabase_url"],
        supabase_service_key=SecretStr(info["service_key"]),
        language="en",
        bell=False,
        cache_dir=data_dir / "cache",
    )
    return ObservedApp(settings, data_dir=data_dir / "app")


async def login(pilot: Any, email: str) -> None:
    from screens.login import LoginScreen
    from screens.main import MainScreen
    from services.feeds import FeedState

    app = pilot.app
    await app.wait_for(lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen))
    app.screen.query_one("#email").focus()
    await pilot.press(*email, "tab", *PASSWORD, "enter")
    await app.wait_for(lambda: isinstance(app.screen, MainScreen), 30)
    await app.wait_for(
        lambda: (
            (status := app.ctx.feed_status.get("wishlist")) is not None
            and status.state == FeedState.live
        ),
        30,
    )


def wishlist_tab(app: Any) -> Any:
    from tabs.wishlist_tab import WishlistTab

    return app.screen.query_one(WishlistTab)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# -- the phases ----------------------------------------------------------------------------
async def bench_rss(info: dict[str, Any], db: Any, rows: int, tmp: Path) -> dict[str, float]:
    from tabs.wishlist_tab import WishlistTab

    tenant, email = await create_salon(db, "Bench RSS")
    await db.execute(
        "insert into public.wishlist_v2 (tenant_id, client_id, client_name, client_phone, "
        "service_title, comment, created_at) select $1, 'tg:' || n, 'Клиентка номер ' || n, "
        "'+7 912 000-' || lpad((n % 10000)::text, 4, '0'), 'Маникюр с покрытием', "
        "'после 18:00, пожалуйста', now() - n * interval '1 minute' "
        "from generate_series(1, $2) n",
        tenant,
        rows,
    )
    WishlistTab.PAGE_SIZE = 1000
    app = make_app(info, tmp / "rss")
    async with app.run_test(size=(120, 40)) as pilot:
        gc.collect()
        before = rss_mb()
        await login(pilot, email)
        tab = wishlist_tab(app)
        await app.wait_for(lambda: tab.table.row_count >= min(rows, 500), 30)
        started = time.perf_counter()
        pages = 0
        while tab.table.row_count < rows and not tab.exhausted:
            tab.action_load_older()
            pages += 1
            await app.wait_for(lambda: not tab.loading_older, 60)
        elapsed = time.perf_counter() - started
        gc.collect()
        after = rss_mb()
        print(
            f"RSS with {tab.table.row_count:,} wishlist rows in the table: {after:.0f} MB "
            f"(app before login {before:.0f} MB; paged in with `o`, {pages} pages of 1,000 "
            f"in {elapsed:.1f} s)   goal < 200 MB",
            flush=True,
        )
        loaded = tab.table.row_count
    WishlistTab.PAGE_SIZE = 200
    return {"rss": after, "rss_before": before, "rss_loaded": loaded, "rss_pages": pages}


async def bench_latency_and_stall(
    info: dict[str, Any], db: Any, seconds: float, tmp: Path
) -> dict[str, float]:
    from services.feeds import FeedBatch

    tenant, email = await create_salon(db, "Bench Live")
    app = make_app(info, tmp / "live")
    committed: dict[str, float] = {}
    visible: dict[str, float] = {}
    burst_seen = 0
    burst_batches = 0

    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, email)
        tab = wishlist_tab(app)
        original = tab.apply_batch

        def observed(batch: FeedBatch[Any]) -> None:
            nonlocal burst_seen, burst_batches
            original(batch)
            burst = [e for e in batch.upserts if e.client_id.startswith("burst:")]
            if burst:
                burst_seen += len(burst)
                burst_batches += 1
            shown = set(tab.table.all_keys)  # the rows and the held ones the info line counts
            keys = [e.key for e in batch.upserts if e.key in shown and e.key not in visible]

            def stamp() -> None:
                now = time.perf_counter()
                for key in keys:
                    visible.setdefault(key, now)

            app.call_after_refresh(stamp)

        tab.apply_batch = observed  # the App calls it through MainScreen.apply_batch

        rate, total = 100, int(100 * seconds)
        start = time.perf_counter()
        for index in range(total):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            row_id = await db.fetchval(
                "insert into public.wishlist_v2 (tenant_id, client_id, client_name, service_title)"
                " values ($1, $2, $3, 'Стрижка') returning id",
                tenant,
                f"tg:live{index}",
                f"Клиент {index}",
            )
            committed[str(row_id)] = time.perf_counter()
        await app.wait_for(lambda: all(key in visible for key in committed), 30)
        latencies = [(visible[key] - at) * 1000 for key, at in committed.items()]
        print(
            f"commit → visible row at {rate} rows/s ({total} rows): "
            f"p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
            f"max {max(latencies):.1f} ms   goal p99 < 150 ms",
            flush=True,
        )

        lags: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            loop = asyncio.get_running_loop()
            while not done.is_set():
                before = loop.time()
                await asyncio.sleep(0.005)
                lags.append((loop.time() - before - 0.005) * 1000)

        probe_task = asyncio.create_task(probe())
        began = time.perf_counter()
        await db.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, service_title) "
            "select $1, 'burst:' || n, 'Клиент ' || n, 'Окрашивание' "
            "from generate_series(1, 2000) n",
            tenant,
        )
        await app.wait_for(lambda: burst_seen >= 2000, 60)
        await pilot.pause()
        arrived = time.perf_counter() - began
        done.set()
        await probe_task
        print(
            f"2,000-row burst: worst event-loop stall {max(lags):.1f} ms "
            f"(p99 {percentile(lags, 99):.1f} ms), {burst_batches} batches (diffs), "
            f"all rows in {arrived * 1000:.0f} ms; the table keeps the newest "
            f"{len(tab.table.all_keys)}   goal: no stall > 100 ms",
            flush=True,
        )
    return {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "rows": total,
        "stall": max(lags),
        "batches": burst_batches,
        "burst_ms": arrived * 1000,
    }


def connections_to(port: int) -> set[int]:
    """Local ports of this process's established TCP connections to `port` on this host."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if state == "01" and inode in inodes and int(remote.rsplit(":", 1)[1], 16) == port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


async def devstack_socket_peers(info: dict[str, Any]) -> set[int]:
    """Client ports of the realtime websockets open on the devstack, as it lists them."""
    import httpx

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            info["supabase_url"].rstrip("/") + "/_devstack/realtime/sockets",
            headers={"apikey": info["service_key"]},
        )
        response.raise_for_status()
    return {int(s["peer"][1]) for s in response.json()["sockets"] if s["peer"]}


async def count_connections(info: dict[str, Any]) -> tuple[int, int]:
    """(realtime websockets, HTTP connections) of this process to the devstack."""
    from urllib.parse import urlparse

    port = urlparse(info["supabase_url"]).port or 80
    peers = await devstack_socket_peers(info)
    ours = connections_to(port)  # the listing's own connection is closed by now
    return len(ours & peers), len(ours - peers)


async def bench_sockets(info: dict[str, Any], db: Any, tmp: Path) -> dict[str, float]:
    from services.feeds import FeedState

    tenant, email = await create_salon(db, "Bench Sockets")
    threads = [
        await db.fetchval(
            "insert into public.conversation_sessions_v2 (tenant_id, client_id, client_name) "
            "values ($1, $2, $3) returning id",
            tenant,
            f"tg:sockets{n}",
            f"Клиентка {n}",
        )
        for n in range(5)
    ]
    app = make_app(info, tmp / "sockets")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, email)
        statuses = app.ctx.feed_status
        await app.wait_for(
            lambda: bool(statuses) and all(s.state == FeedState.live for s in statuses.values()),
            30,
        )
        feeds_only, _ = await count_connections(info)
        services = app.ctx.require_services()
        feeds = len(services._feeds)
        opened = [
            await services.watch_thread(str(thread), lambda batch: None, lambda status: None)
            for thread in threads
        ]
        await app.wait_for(lambda: all(f.status.state == FeedState.live for f in opened), 30)
        websockets, http = await count_connections(info)
        print(
            f"realtime websockets of the logged-in app: {websockets} with its {feeds} "
            f"feeds and {len(opened)} conversations open ({feeds_only} with the feeds alone); "
            f"HTTP connections to the stack: {http}   goal: 1 websocket",
            flush=True,
        )
        for feed in opened:
            await services.stop_feed(feed)
    return {"websockets": websockets, "websockets_feeds_only": feeds_only, "http": http}


async def live_child(info: dict[str, Any], settings: Settings) -> dict[str, float]:
    """One run's in-app phases, in a process of its own."""
    import asyncpg

    with tempfile.TemporaryDirectory(prefix="bench-tui-run-") as tmp_name:
        tmp = Path(tmp_name)
        db = await asyncpg.connect(info["database_url"])
        try:
            # Latency first: the 50,000-row heap of the RSS run would otherwise be
            # garbage collected in the middle of it.
            figures = await bench_latency_and_stall(info, db, settings.seconds, tmp)
            figures |= await bench_sockets(info, db, tmp)
            gc.collect()
            figures |= await bench_rss(info, db, settings.rss_rows, tmp)
        finally:
            await db.close()
    return figures


def measure_runs(repeats: int, settings: Settings) -> Samples:
    runs = Samples()
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp_name:
        tmp = Path(tmp_name)
        stack = start_devstack(tmp / "stack", "--bot", "0")
        info = stack.info
        try:
            env = {
                **os.environ,
                "BENCH_SUPABASE_URL": info["supabase_url"],
                "BENCH_SERVICE_KEY": info["service_key"],
            }
            for index in range(repeats):
                harness.run_header(index, repeats)
                n = settings.startup_runs
                bare = [measure_startup("bare", env) for _ in range(n)]
                agentp = [measure_startup("agentp", env) for _ in range(n)]
                ratio = statistics.median(agentp) / statistics.median(bare)
                print(
                    f"startup to first paint (median of {n}): agentp login screen "
                    f"{statistics.median(agentp):.0f} ms, bare Textual app "
                    f"{statistics.median(bare):.0f} ms, ratio {ratio:.2f}×   goal ≤ 1.3×",
                    flush=True,
                )
                runs.add("startup", statistics.median(agentp))
                runs.add("startup bare", statistics.median(bare))
                runs.add("startup ratio", ratio)
                out = tmp / f"run-{index}.json"
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.bench_tui",
                        "--live-child",
                        str(out),
                        "--seconds",
                        str(settings.seconds),
                        "--rss-rows",
                        str(settings.rss_rows),
                    ],
                    cwd=ROOT,
                    env={**os.environ, "BENCH_STACK_INFO": json.dumps(info)},
                    check=True,
                    timeout=900,
                )
                for key, value in json.loads(out.read_text()).items():
                    runs.add(key, value)
        finally:
            stack.stop()
    return runs


def run(repeats: int, quick: bool, settings: Settings | None = None) -> list[Figure]:
    """Figures over `repeats` runs; `settings` default to the full or quick ones."""
    settings = settings or Settings.of(quick)
    runs = measure_runs(repeats, settings)
    rows = f"{settings.seconds * 100:.0f} rows at 100 rows/s per run"
    return [
        Figure(
            "startup to the first painted login screen",
            "ms",
            runs["startup"],
            floor=Floor("bare Textual app", runs["startup bare"]),
            note=f"median of {settings.startup_runs} launches of each per run",
        ),
        Figure(
            "startup, agentp / bare Textual app",
            "×",
            runs["startup ratio"],
            goal=Goal("<=", 1.3),
        ),
        Figure("commit → visible row, p50", "ms", runs["p50"], note=rows),
        Figure(
            "commit → visible row, p99",
            "ms",
            runs["p99"],
            goal=Goal("<", 150),
            note=f"{rows}; visible: in the table, or counted on the “▲ N new” line",
        ),
        Figure("commit → visible row, max", "ms", runs["max"], note=rows),
        Figure(
            "2,000-row burst: worst event-loop stall",
            "ms",
            runs["stall"],
            goal=Goal("<", 100),
            note="lag of a 5 ms probe until every row reached the tab",
        ),
        Figure("2,000-row burst: all rows in the tab", "ms", runs["burst_ms"]),
        Figure(
            f"RSS with {settings.rss_rows:,} wishlist rows in the table",
            "MB",
            runs["rss"],
            goal=Goal("<", 200),
            floor=Floor("the same process before login", runs["rss_before"]),
            note="whole process: app, bench and drivers",
        ),
        Figure(
            "realtime websockets per logged-in app, 5 conversations open",
            "",
            runs["websockets"],
            goal=Goal("==", 1, every_run=True),
            note="counted on the devstack: its open websockets whose client is the app",
        ),
        Figure(
            "HTTP connections per logged-in app",
            "",
            runs["http"],
            note="the app process's open TCP connections to the stack, websockets excluded",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = harness.parser(BENCH)
    arguments.add_argument("--seconds", type=float, help="length of the 100/s run (10)")
    arguments.add_argument("--rss-rows", type=int, help="rows for the RSS figure (50,000)")
    arguments.add_argument("--startup-child", choices=["agentp", "bare"], help=argparse.SUPPRESS)
    arguments.add_argument("--live-child", type=Path, help=argparse.SUPPRESS)
    args, _ = arguments.parse_known_args(argv)
    if args.startup_child:
        return startup_child(args.startup_child)
    if args.live_child:
        settings = Settings.of(False, args.seconds, args.rss_rows)
        info = json.loads(os.environ["BENCH_STACK_INFO"])
        figures = asyncio.run(live_child(info, settings))
        args.live_child.write_text(json.dumps(figures))
        return 0

    def settings_of(args: argparse.Namespace) -> Settings:
        return Settings.of(args.quick, args.seconds, args.rss_rows)

    return harness.main(BENCH, arguments, settings_of, run, argv)


if __name__ == "__main__":
    sys.exit(main())
