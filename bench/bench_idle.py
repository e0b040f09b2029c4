"""Cost of keeping the dashboard open: 1, 10 and 30 logged-in apps under ptys on one devstack.

The apps are started and logged in through the login screen one after another, then all left
alone. Per instance: RSS, CPU while idle over a window (default 60 s), bytes written to the terminal
while idle; and, for one INSERT into the wishlist, the time until each app has drawn the new row
(the figure is the last of them). Goals: < 120 MB RSS, < 0.5 % CPU idle, 0 bytes per idle
minute, every instance sees the insert within 500 ms; and one idle logged-in app within 2× the
RSS of a bare one-widget Textual app under the same pty (issue 16). A second peer, the same bare
app that also creates the official Supabase client, shows what the required client costs alone.

Run: `python -m bench.bench_idle [--idle 60] [--counts 1,10,30] [--repeats N] [--quick]`.
Each run measures every count on one devstack with fresh logins; the report's figures are the
medians over runs of each run's worst instance.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import re
import selectors
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import bcrypt

from bench import harness
from bench.figures import Figure, Floor, Goal, Samples
from cli.stack_process import start_devstack

BENCH = harness.Bench(
    name="idle",
    title="Idle cost of open dashboards",
    about=(
        "1, 10 and 30 logged-in apps under ptys (80×24) on one devstack, left alone: per app "
        "the RSS, the CPU used and the bytes written to the terminal over the idle window; then "
        "one wishlist INSERT and the time until the last app has drawn it. Each figure is the "
        "worst app of its run."
    ),
    doc=__doc__ or "",
    repeats=2,
    quick_repeats=1,
)
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password 1"
TICK = os.sysconf("SC_CLK_TCK")
# CSI, OSC and two-byte escape sequences: what is left of a terminal's output is its text.
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")
# The status bar: "● live" when every feed is, else marks and names ("● wishlist, …").
LIVE = re.compile(r"● live\b|● (\w+, )*wishlist")


@dataclass
class Instance:
    proc: subprocess.Popen[bytes]
    fd: int
    seen: bytearray = field(default_factory=bytearray)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


async def make_users(dsn: str, count: int) -> tuple[str, list[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        # A short name: the 80-column status bar must still have room for "wishlist: live",
        # which login_all waits for.
        tenant = await conn.fetchval(
            "insert into dashboard.tenants (name) values ($1) returning id",
            f"bench-{uuid.uuid4().hex[:8]}",
        )
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()
        emails = [f"idle-{i}-{uuid.uuid4().hex[:6]}@bench.test" for i in range(count)]
        for email in emails:
            await conn.execute(
                "insert into dashboard.users (tenant_id, email, encrypted_password, role) "
                "values ($1, $2, $3, 'viewer')",
                tenant,
                email,
                hashed,
            )
        return str(tenant), emails
    finally:
        await conn.close()


# The peer: a bare one-widget Textual app, under the same pty, in the same run.
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App[None]):
    def compose(self):
        yield Static("Hello from a bare Textual app")

Bare().run()
"""

# The second peer: the same bare app, which also creates the official Supabase client that the
# dashboard is required to use (`supabase.acreate_client`), against the same devstack, and does
# nothing with it. What it holds above the bare app is the client's own cost, which any
# dashboard built on it pays before a line of its own code.
CLIENT_APP = """
import os
import httpx
from supabase import AsyncClientOptions, acreate_client
from textual.app import App
from textual.widgets import Static

class Bare(App[None]):
    async def on_mount(self):
        # One HTTP client for all of the client's parts, as the dashboard opens it
        # (services/backend.py): by default each part makes its own, each with a TLS context.
        options = AsyncClientOptions(httpx_client=httpx.AsyncClient())
        self.client = await acreate_client(
            os.environ["SUPABASE_URL"], os.environ["SUPABASE_SERVICE_KEY"], options=options
        )
        self.query_one(Static).update("Hello from a bare Textual app with a client")

    def compose(self):
        yield Static("")

Bare().run()
"""


def launch(
    info: dict[str, str], home: Path, command: Sequence[str] = ("-m", "cli.main")
) -> Instance:
    main, child = pty.openpty()
    # 80×24, as the figures say, not whatever a fresh pty reports (0×0).
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {
        **os.environ,
        "SUPABASE_URL": info["supabase_url"],
        "SUPABASE_SERVICE_KEY": info["service_key"],
        "AGENTP_CONFIG": str(home / "none.toml"),
        "AGENTP_BELL": "false",
        "HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    proc = subprocess.Popen(
        [sys.executable, *command],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(child)
    os.set_blocking(main, False)
    return Instance(proc, main)


def pump(instances: list[Instance], until: float, stop: callable | None = None) -> None:  # type: ignore[valid-type]
    selector = selectors.DefaultSelector()
    for inst in instances:
        selector.register(inst.fd, selectors.EVENT_READ, inst)
    try:
        while time.monotonic() < until:
            if stop is not None and stop():
                return
            for key, _ in selector.select(timeout=max(0.0, min(0.05, until - time.monotonic()))):
                inst = key.data
                with contextlib.suppress(OSError):
                    inst.seen += os.read(inst.fd, 65536)
    finally:
        selector.close()


def type_keys(inst: Instance, text: str) -> None:
    for char in text:
        os.write(inst.fd, char.encode())
        pump([inst], time.monotonic() + 0.05)


def screen_text(inst: Instance, since: int = 0) -> str:
    return ESCAPES.sub(b"", bytes(inst.seen[since:])).decode(errors="replace")


def log_in(inst: Instance, email: str, instances: list[Instance]) -> None:
    """Types one app's login; the others' output is drained meanwhile."""
    pump(instances, time.monotonic() + 60, stop=lambda: b"logs in" in inst.seen)
    mark = len(inst.seen)
    type_keys(inst, email)
    # A loaded machine lags behind the keys: a Tab handled after the first password key sends
    # that key to the email field. So the Tab goes only once the whole email is on screen, and
    # the password once the Tab's repaint (the focus moving) has come back.
    pump(instances, time.monotonic() + 30, stop=lambda: email in screen_text(inst, mark))
    tab_sent = len(inst.seen)
    os.write(inst.fd, b"\t")
    pump(instances, time.monotonic() + 30, stop=lambda: len(inst.seen) > tab_sent)
    pump(instances, time.monotonic() + 0.2)
    type_keys(inst, PASSWORD + "\r")


def start_and_login_all(
    info: dict[str, str], home: Path, emails: list[str], instances: list[Instance]
) -> None:
    """Starts one app per email into `instances`, one after another, and logs each in.

    One after another, as staff arrive: 30 apps started in the same instant on 2 cores left
    some with "the backend is unreachable" from their start-up check, and those wait for F5.
    """
    for email in emails:
        instances.append(launch(info, home))
        log_in(instances[-1], email, instances)

    def live(inst: Instance) -> bool:
        # The status bar says "● live", or groups feeds by state ("● wishlist, …").
        return LIVE.search(screen_text(inst, -4000)) is not None

    pump(instances, time.monotonic() + 120, stop=lambda: all(live(i) for i in instances))
    check_alive(instances)
    waiting = [i for i in instances if not live(i)]
    if waiting:
        # Measuring apps that are not logged in and live would give figures of something else.
        raise RuntimeError(
            f"{len(waiting)} of {len(instances)} apps were not live 120 s after login; "
            f"the last output of one:\n{last_output(waiting[0])}"
        )


def last_output(inst: Instance) -> str:
    """The end of what the app drew, as text: escape sequences dropped, runs of spaces folded."""
    text = ESCAPES.sub(b" ", bytes(inst.seen))
    return re.sub(r"[ \t]{2,}", " ", text.decode(errors="replace"))[-1500:]


def check_alive(instances: list[Instance]) -> None:
    """A crashed app has no RSS or CPU to speak of: fail the run instead of reporting zeros."""
    for inst in instances:
        if inst.proc.poll() is not None:
            raise RuntimeError(
                f"an app exited (status {inst.proc.returncode}) during the run; "
                f"its last output:\n{last_output(inst)}"
            )


def measure(info: dict[str, str], count: int, idle: float, home: Path) -> dict[str, float]:
    tenant, emails = asyncio.run(make_users(info["database_url"], count))
    instances: list[Instance] = []
    try:
        start_and_login_all(info, home, emails, instances)
        # Let the first paints and the feeds' catch-up settle before the idle window.
        pump(instances, time.monotonic() + 5)
        before_cpu = [i.cpu_seconds() for i in instances]
        before_bytes = [len(i.seen) for i in instances]
        start = time.monotonic()
        pump(instances, start + idle)
        elapsed = time.monotonic() - start
        cpu = [
            (i.cpu_seconds() - b) / elapsed * 100
            for i, b in zip(instances, before_cpu, strict=True)
        ]
        written = [
            (len(i.seen) - b) * 60 / elapsed for i, b in zip(instances, before_bytes, strict=True)
        ]
        check_alive(instances)
        rss = [i.rss_mb() for i in instances]

        name = f"Latency{uuid.uuid4().hex[:6]}"
        marks = [len(i.seen) for i in instances]

        async def insert() -> float:
            conn = await asyncpg.connect(info["database_url"])
            try:
                await conn.execute(
                    "insert into public.wishlist_v2 (tenant_id, client_id, client_name) "
                    "values ($1, 'lat', $2)",
                    uuid.UUID(tenant),
                    name,
                )
                return time.monotonic()
            finally:
                await conn.close()

        committed = asyncio.run(insert())
        seen_at: dict[int, float] = {}
        deadline = committed + 10
        while len(seen_at) < count and time.monotonic() < deadline:
            pump(instances, time.monotonic() + 0.01)
            for idx, inst in enumerate(instances):
                if idx not in seen_at and name.encode() in inst.seen[marks[idx] :]:
                    seen_at[idx] = time.monotonic()
        latencies = sorted((t - committed) * 1000 for t in seen_at.values())
        return {
            "instances": count,
            "rss_mb_median": statistics.median(rss),
            "rss_mb_max": max(rss),
            "cpu_idle_pct_median": statistics.median(cpu),
            "cpu_idle_pct_max": max(cpu),
            "bytes_per_idle_minute_max": max(written),
            "saw_insert": len(seen_at),
            "insert_latency_ms_last": latencies[-1] if latencies else float("nan"),
            "insert_latency_ms_median": statistics.median(latencies) if latencies else float("nan"),
        }
    finally:
        for inst in instances:
            inst.proc.send_signal(signal.SIGHUP)
        for inst in instances:
            try:
                inst.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                inst.proc.kill()
            os.close(inst.fd)


def measure_bare(info: dict[str, str], idle: float, home: Path, code: str = BARE_APP) -> float:
    """RSS of a bare Textual app (`code`: BARE_APP or CLIENT_APP) after the same settle time
    and idle window as the apps."""
    inst = launch(info, home, ("-c", code))
    try:
        pump([inst], time.monotonic() + 60, stop=lambda: b"Hello from a bare" in inst.seen)
        if b"Hello from a bare" not in inst.seen:
            raise RuntimeError(f"the bare Textual app did not paint:\n{last_output(inst)}")
        pump([inst], time.monotonic() + 5 + idle)
        check_alive([inst])
        return inst.rss_mb()
    finally:
        inst.proc.send_signal(signal.SIGHUP)
        try:
            inst.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            inst.proc.kill()
        os.close(inst.fd)


@dataclass(frozen=True)
class Settings:
    idle: float  # seconds of idle window per measurement
    counts: tuple[int, ...]

    @classmethod
    def of(
        cls, quick: bool, idle: float | None = None, counts: tuple[int, ...] | None = None
    ) -> Settings:
        return cls(
            idle=harness.pick(idle, 60.0, 5.0, quick),
            counts=harness.pick(counts, (1, 10, 30), (1, 2), quick),
        )


def measure_runs(repeats: int, settings: Settings) -> Samples:
    runs = Samples()
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_devstack(Path(tmp) / "stack", "--bot", "off", "--no-yclients")
        info = stack.info
        try:
            print(f"idle cost, {settings.idle:.0f} s idle window per run, apps under ptys (80×24)")
            for index in range(repeats):
                harness.run_header(index, repeats)
                print(
                    f"{'apps':>5} {'RSS MB med/max':>16} {'CPU% idle med/max':>18} "
                    f"{'B/idle min max':>15} {'insert seen':>12} {'last ms':>8}"
                )
                bare = measure_bare(info, settings.idle, Path(tmp))
                runs.add("bare rss", bare)
                print(f"bare Textual app under the same pty: RSS {bare:.1f} MB")
                client = measure_bare(info, settings.idle, Path(tmp), CLIENT_APP)
                runs.add("client rss", client)
                runs.add("client ratio", client / bare)
                print(f"the same with the official Supabase client created: RSS {client:.1f} MB")
                for count in settings.counts:
                    r = measure(info, count, settings.idle, Path(tmp))
                    print(
                        f"{count:>5} {r['rss_mb_median']:>7.1f}/{r['rss_mb_max']:<8.1f} "
                        f"{r['cpu_idle_pct_median']:>8.2f}/{r['cpu_idle_pct_max']:<9.2f} "
                        f"{r['bytes_per_idle_minute_max']:>15.0f} "
                        f"{r['saw_insert']:>5}/{count:<6} "
                        f"{r['insert_latency_ms_last']:>8.1f}",
                        flush=True,
                    )
                    runs.add(f"{count} rss", r["rss_mb_max"])
                    if count == 1:
                        runs.add("rss ratio", r["rss_mb_max"] / bare)
                    runs.add(f"{count} cpu", r["cpu_idle_pct_max"])
                    runs.add(f"{count} bytes", r["bytes_per_idle_minute_max"])
                    runs.add(f"{count} saw", r["saw_insert"] / count * 100)
                    runs.add(f"{count} last", r["insert_latency_ms_last"])
            print(
                "goals: RSS < 120 MB, CPU idle < 0.5 %, 0 B per idle minute, last insert < 500 ms"
            )
        finally:
            stack.stop()
    return runs


def run(repeats: int, quick: bool, settings: Settings | None = None) -> list[Figure]:
    """Figures over `repeats` runs; `settings` default to the full or quick ones."""
    settings = settings or Settings.of(quick)
    runs = measure_runs(repeats, settings)
    figures = []
    for n in settings.counts:
        apps = "1 app" if n == 1 else f"{n} apps"
        figures += [
            Figure(
                f"{apps}: RSS, largest app",
                "MB",
                runs[f"{n} rss"],
                goal=Goal("<", 120),
                floor=Floor("bare Textual app, same pty", runs["bare rss"]) if n == 1 else None,
            ),
            Figure(
                f"{apps}: CPU while idle, busiest app",
                "%",
                runs[f"{n} cpu"],
                goal=Goal("<", 0.5),
                note=f"over {settings.idle:.0f} s idle",
            ),
            Figure(
                f"{apps}: bytes to the terminal per idle minute, most",
                "B",
                runs[f"{n} bytes"],
                goal=Goal("==", 0, every_run=True),
            ),
            Figure(
                f"{apps}: apps that drew the inserted row",
                "%",
                runs[f"{n} saw"],
                goal=Goal(">=", 100, every_run=True),
                note="within 10 s",
            ),
            Figure(
                f"{apps}: insert → drawn by the last app",
                "ms",
                runs[f"{n} last"],
                goal=Goal("<", 500),
                note="from the INSERT's commit to the row's name in that app's output",
            ),
        ]
    if 1 in settings.counts:
        figures.insert(
            1,
            Figure(
                "1 app: RSS idle and logged in / bare Textual app",
                "×",
                runs["rss ratio"],
                goal=Goal("<=", 2.0),
                note="both under a pty at 80×24, after the same idle window",
            ),
        )
        peer = (
            "the bare app that also runs `supabase.acreate_client` against the same devstack "
            "and does nothing else: what the required client costs on its own"
        )
        figures[2:2] = [
            Figure(
                "peer: bare Textual app with the official Supabase client, RSS",
                "MB",
                runs["client rss"],
                note=peer,
                floor=Floor("bare Textual app, same pty", runs["bare rss"]),
            ),
            Figure(
                "peer: bare Textual app with the official Supabase client / bare Textual app",
                "×",
                runs["client ratio"],
                note="the same peer; the goal of the dashboard's own ratio is ≤ 2×",
            ),
        ]
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    arguments = harness.parser(BENCH)
    arguments.add_argument("--idle", type=float, help="seconds of idle per measurement (60)")
    arguments.add_argument("--counts", help="apps at once, comma-separated (1,10,30)")

    def settings_of(args: argparse.Namespace) -> Settings:
        counts = tuple(int(c) for c in args.counts.split(",")) if args.counts else None
        return Settings.of(args.quick, args.idle, counts)

    return harness.main(BENCH, arguments, settings_of, run, argv)


if __name__ == "__main__":
    sys.exit(main())
