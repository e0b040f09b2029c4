"""The terminal as a person over SSH meets it: key echo under load, bytes per row, burst logins.

Run: `python -m bench.bench_keys [--tries 50] [--keys 200] [--rows 20] [--repeats N] [--quick]
[--only login|echo|bytes] [--gap 60]` (`--only` measures one part alone; the default is all three).
Each run starts a devstack and the real `agentp` under a pseudo-terminal, read through pyte:
1. login typed in one burst (email, Tab, password, Enter in one write, as a password manager
   types it) as soon as the login screen is drawn → the main screen: the time and the share of
   tries that reach it (a fresh app per try);
2. keystroke → echo: a key and a Backspace one at a time, each timed from the write to the
   arrival at the terminal of the bytes that show the change (a reader process stamps each
   chunk as it comes off the pty; pyte parses it afterwards and says which chunk showed it),
   while the wishlist receives 100 rows/s from a feeder process: in a message's text (the
   composer, `m` on a row) and in the wishlist's own filter. The same keys timed to when pyte
   had parsed the echo are reported beside them. Two peers in the same run: the same keys with
   no rows arriving (what the pty and this machine cost alone), and a bare Textual app (an
   Input and its counter) under the same pty;
3. bytes written to the terminal per live wishlist row (one INSERT at a time, each drawn before
   the next) at 120×40 and 80×24, and over an idle window (goal 0 B). The salon's wishlist
   already holds more rows than a screen (as in a working salon, and as the echo part leaves
   it), so a new row is held above the rows on screen and announced on the tab's info line
   (`▲ 3 new entries: Name — Home`): a row counts as drawn when its name is on screen, in the
   table or on that line.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import harness
from bench.bench_idle import LIVE, PASSWORD, make_users
from bench.figures import Figure, Floor, Goal, Samples
from bench.pty_terminal import Feeder, Term
from cli.stack_process import start_devstack

BENCH = harness.Bench(
    name="keys",
    title="Terminal fidelity: key echo, bytes per row, burst login",
    about=(
        "The real app under a pty read with a terminal emulator (pyte): keystroke → echo on "
        "screen while the wishlist receives 100 rows/s; bytes written per live wishlist row at "
        "120×40 and 80×24 and while idle; a login typed in one write → the main screen."
    ),
    doc=__doc__ or "",
    repeats=2,
    quick_repeats=1,
)
# The three measurements, in the order they run.
PARTS = ("login", "echo", "bytes")
# Rows already in the wishlist when bytes per row are counted: more than a 120×40 screen shows.
FILL_ROWS = 100
PARSED_NOTE = (
    "the same keys, timed to when pyte (pure Python) had parsed the echo: the bench's own "
    "parsing of the frames before it counts too, as a slow terminal would add it"
)
BYTES_NOTE = (
    "{rows} rows, one INSERT at a time, into a wishlist fuller than the screen: each held "
    "above the rows on screen and named on the “▲ N new” line"
)


@dataclass(frozen=True)
class Settings:
    tries: int
    keys: int
    rows: int
    parts: tuple[str, ...] = PARTS
    gap: float = 60.0

    @classmethod
    def of(
        cls,
        quick: bool,
        tries: int | None = None,
        keys: int | None = None,
        rows: int | None = None,
        only: str | None = None,
        gap: float | None = None,
    ) -> Settings:
        return cls(
            tries=harness.pick(tries, 50, 10, quick),
            keys=harness.pick(keys, 200, 60, quick),
            rows=harness.pick(rows, 20, 8, quick),
            parts=(only,) if only else PARTS,
            gap=60.0 if gap is None else gap,
        )


# The peer: a bare Textual app with one Input and a counter under it, as the composer has.
BARE_APP = """
from textual.app import App
from textual.widgets import Input, Static

class Bare(App[None]):
    def compose(self):
        yield Input(id="text")
        yield Static(" 0 / 4,096", id="count")

    def on_input_changed(self, event):
        self.query_one("#count", Static).update(f" {len(event.value)} / 4,096")

Bare().run()
"""


def log_in(term: Term, email: str) -> float | None:
    """The burst; seconds to the main screen with the wishlist live, None if it never came."""
    started = time.perf_counter()
    term.write(f"{email}\t{PASSWORD}\r")
    if not term.until(lambda: LIVE.search(term.text()) is not None, 20):
        return None
    return time.perf_counter() - started


def burst_logins(info: dict[str, str], email: str, home: Path, tries: int) -> tuple[float, float]:
    """A fresh app per try: the burst comes as soon as the login screen is drawn."""
    times: list[float] = []
    for _ in range(tries):
        term = Term(info, home, (120, 40))
        try:
            if not term.until(lambda term=term: "logs in" in term.text(), 30):  # type: ignore[misc]
                continue
            seconds = log_in(term, email)
            if seconds is not None:
                times.append(seconds)
        finally:
            term.close()
    median = sorted(times)[len(times) // 2] * 1000 if times else float("nan")
    return median, len(times) / tries * 100


def time_keys(term: Term, keys: int, key: str, shown_text: str, gap: float) -> tuple[float, float]:
    """p99 ms from a key's write to its echo: `key` and a Backspace in turn, one at a time.

    Two ends for each key: when the bytes that show the echo reached the terminal (the figure:
    the app's latency through the pty), and when the bench's emulator had parsed them (what a
    slow terminal would show; the figure before the reads got a process of their own).
    After each echo the next key waits `gap` ms (±50 %, so keys fall at every phase of the
    app's frames and batches), as a person's keys come: 60 ms is faster than a fast typist.
    With no gap each key is written the moment the last one shows, and every echo waits for
    the app's next frame: Textual paints at most TEXTUAL_FPS times a second (`agentp` sets
    500, cli/frame_rate.py; the bare peer keeps Textual's 60), so that measures its frame
    interval (2 or 16.7 ms) more than the key's way to the screen.
    """
    pace = random.Random(15)
    arrived: list[float] = []
    parsed: list[float] = []
    for index in range(keys):
        if gap:
            term.until(lambda: False, pace.uniform(0.5, 1.5) * gap / 1000)
        typing = index % 2 == 0
        started = time.perf_counter()
        term.write(key if typing else "\x7f")
        shown = term.until(
            (lambda: shown_text in term.text())
            if typing
            else (lambda: shown_text not in term.text()),
            5,
        )
        done = time.perf_counter()
        arrived.append((term.arrived - started) * 1000 if shown else float("inf"))
        parsed.append((done - started) * 1000 if shown else float("inf"))
    p99s = []
    for name, latencies in (("arrived", arrived), ("parsed", parsed)):
        latencies.sort()
        p50, p90, p99 = (
            latencies[min(len(latencies) - 1, int(len(latencies) * q))] for q in (0.5, 0.9, 0.99)
        )
        print(f"  ({len(latencies)} keys, {name}: p50 {p50:.1f}, p90 {p90:.1f}, p99 {p99:.1f} ms)")
        p99s.append(p99)
    return p99s[0], p99s[1]


def key_echo(
    info: dict[str, str],
    dsn: str,
    tenant: str,
    email: str,
    home: Path,
    keys: int,
    where: str,
    gap: float,
    rows_per_second: float = 100,
) -> tuple[float, float]:
    """p99 ms from a key's write to its echo, under `rows_per_second` wishlist rows/s.

    `where`: "filter", the wishlist's own filter (the table re-filtered on every key and batch),
    or "composer", a message's text (`m` on a wishlist row) while the rows keep coming. With no
    rows (0/s) one row is written first, so that `m` has a row to start from.
    """
    term = Term(info, home, (120, 40))
    feeder = Feeder(dsn, tenant)
    if where == "filter":
        key, shown_text = "9", "filter: 9"
        enter = "/"
    else:
        key, shown_text = "a", " 1 / 4,096"
        enter = "m"
    try:
        term.until(lambda: "logs in" in term.text(), 30)
        log_in(term, email)
        if rows_per_second:
            feeder.start(rows_per_second)
            term.until(lambda: "Поток" in term.text(), 10)
        else:
            asyncio.run(insert_one(feeder, dsn, "Поток 0"))
            term.until(lambda: "Поток" in term.text(), 10)
            term.drain(quiet=0.5, limit=5)
        term.write(enter)
        term.drain(quiet=0.3, limit=3)
        return time_keys(term, keys, key, shown_text, gap)
    finally:
        feeder.stop()
        term.close()


def bare_echo(info: dict[str, str], home: Path, keys: int, gap: float) -> tuple[float, float]:
    """The peer: the same keys into a bare Textual Input with a counter, under the same pty."""
    term = Term(info, home, (120, 40), ("-c", BARE_APP))
    try:
        term.until(lambda: " 0 / 4,096" in term.text(), 30)
        term.drain(quiet=0.3, limit=3)
        return time_keys(term, keys, "a", " 1 / 4,096", gap)
    finally:
        term.close()


async def insert_one(feeder: Feeder, dsn: str, name: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await feeder.insert(conn, name)
    finally:
        await conn.close()


def bytes_per_row(
    info: dict[str, str],
    dsn: str,
    tenant: str,
    email: str,
    home: Path,
    size: tuple[int, int],
    rows: int,
) -> tuple[float, float]:
    """Bytes per live row (each drawn before the next) and bytes over a 5 s idle window."""
    term = Term(info, home, size)
    feeder = Feeder(dsn, tenant)

    try:
        term.until(lambda: "logs in" in term.text(), 30)
        log_in(term, email)
        term.drain(quiet=1.0)
        before = term.received
        term.until(lambda: False, 5)  # the idle window: nothing should arrive
        idle = term.received - before
        total = 0
        for index in range(rows):
            name = f"Ряд {index:03d}"
            before = term.received
            asyncio.run(insert_one(feeder, dsn, name))
            term.until(lambda name=name: name in term.text(), 10)  # type: ignore[misc]
            term.drain(quiet=0.3, limit=3)
            total += term.received - before
    finally:
        term.close()
    return total / rows, idle


async def fill_wishlist(dsn: str, tenant: str, rows: int) -> None:
    """Older rows than any the bench adds, so the table is fuller than a screen."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, client_phone, "
            "service_title, created_at) select $1, 'tg:fill' || n, 'Было ' || n, "
            "'+7 912 000-00-02', 'Стрижка', now() - interval '1 day' + n * interval '1 second' "
            "from generate_series(1, $2) n",
            uuid.UUID(tenant),
            rows,
        )
    finally:
        await conn.close()


async def make_operator(dsn: str, email: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("update dashboard.users set role = 'operator' where email = $1", email)
    finally:
        await conn.close()


def measure_runs(repeats: int, settings: Settings) -> Samples:
    runs = Samples()
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_devstack(Path(tmp) / "stack", "--bot", "off", "--no-yclients")
        info = stack.info
        dsn = info["database_url"]
        try:
            for index in range(repeats):
                harness.run_header(index, repeats)
                tenant, emails = asyncio.run(make_users(dsn, 4))
                asyncio.run(make_operator(dsn, emails[1]))  # to write a message
                home = Path(tempfile.mkdtemp(dir=tmp))
                if "login" in settings.parts:
                    median, share = burst_logins(info, emails[0], home, settings.tries)
                    print(f"burst login: median {median:.0f} ms, {share:.0f}% of {settings.tries}")
                    runs.add("login ms", median)
                    runs.add("login share", share)
                if "echo" in settings.parts:
                    measure_echo(runs, settings, info, tenant, emails[1], home)
                sizes = (((120, 40), emails[2]), ((80, 24), emails[3]))
                if "bytes" in settings.parts:
                    asyncio.run(fill_wishlist(dsn, tenant, FILL_ROWS))
                for size, who in sizes if "bytes" in settings.parts else ():
                    per_row, idle = bytes_per_row(info, dsn, tenant, who, home, size, settings.rows)
                    label = f"{size[0]}x{size[1]}"
                    print(f"{label}: {per_row:.0f} B per live row, {idle:.0f} B idle", flush=True)
                    runs.add(f"row {label}", per_row)
                    runs.add(f"idle {label}", idle)
        finally:
            stack.stop()
    return runs


def measure_echo(
    runs: Samples, settings: Settings, info: dict[str, str], tenant: str, email: str, home: Path
) -> None:
    """The peers first, then the app with and without rows: in the same minute, in one run."""
    p99, parsed = bare_echo(info, home, settings.keys, settings.gap)
    print(f"keystroke → echo p99, bare Textual Input, same pty: {p99:.1f} ms")
    runs.add("echo p99 bare", p99)
    runs.add("echo p99 bare parsed", parsed)
    dsn = info["database_url"]
    for where in ("composer", "filter"):
        for rate in (0, 100):
            p99, parsed = key_echo(
                info, dsn, tenant, email, home, settings.keys, where, settings.gap, rate
            )
            print(f"keystroke → echo p99 in the {where}, {rate} rows/s: {p99:.1f} ms")
            runs.add(f"echo p99 {where}" + ("" if rate else " idle"), p99)
            runs.add(f"echo p99 {where}" + ("" if rate else " idle") + " parsed", parsed)


def run(repeats: int, quick: bool, settings: Settings | None = None) -> list[Figure]:
    settings = settings or Settings.of(quick)
    runs = measure_runs(repeats, settings)
    pace = f"{settings.gap:g} ms ±50 % after each echo" if settings.gap else "back-to-back"
    figures = [
        Figure(
            "keystroke → echo on screen, p99, message text",
            "ms",
            runs["echo p99 composer"],
            goal=Goal("<=", 16),
            note=f"{settings.keys} keys ({pace}) in the composer, 100 wishlist rows/s arriving",
            floor=Floor("the same, no rows arriving", runs["echo p99 composer idle"]),
        ),
        Figure(
            "keystroke → echo on screen, p99, wishlist filter",
            "ms",
            runs["echo p99 filter"],
            goal=Goal("<=", 16),
            note=f"{settings.keys} keys ({pace}) in the filter of the wishlist, 100 rows/s",
            floor=Floor("the same, no rows arriving", runs["echo p99 filter idle"]),
        ),
        Figure(
            "keystroke → echo on screen, p99, bare Textual Input (peer)",
            "ms",
            runs["echo p99 bare"],
            note=f"{settings.keys} keys ({pace}), a one-Input Textual app, same pty and pyte",
        ),
        *(
            Figure(
                f"keystroke → echo parsed by the bench's emulator, p99, {label}",
                "ms",
                runs[f"echo p99 {case} parsed"],
                note=PARSED_NOTE,
                floor=(
                    None
                    if case == "bare"
                    else Floor("the same, no rows arriving", runs[f"echo p99 {case} idle parsed"])
                ),
            )
            for case, label in (
                ("composer", "message text"),
                ("filter", "wishlist filter"),
                ("bare", "bare Textual Input"),
            )
        ),
        Figure(
            "bytes per live wishlist row, 120×40",
            "B",
            runs["row 120x40"],
            goal=Goal("<=", 2048),
            note=BYTES_NOTE.format(rows=settings.rows),
        ),
        Figure(
            "bytes per live wishlist row, 80×24",
            "B",
            runs["row 80x24"],
            goal=Goal("<=", 2048),
            note=BYTES_NOTE.format(rows=settings.rows),
        ),
        Figure(
            "bytes while idle (5 s), 120×40",
            "B",
            runs["idle 120x40"],
            goal=Goal("==", 0, every_run=True),
        ),
        Figure(
            "bytes while idle (5 s), 80×24",
            "B",
            runs["idle 80x24"],
            goal=Goal("==", 0, every_run=True),
        ),
        Figure(
            "login typed in one burst → main screen, median",
            "ms",
            runs["login ms"],
            note="email, Tab, password, Enter in one write; to the wishlist live",
        ),
        Figure(
            "login typed in one burst: tries that reached the main screen",
            "%",
            runs["login share"],
            goal=Goal(">=", 100, every_run=True),
            note=f"{settings.tries} tries, a fresh app each",
        ),
    ]
    # A part left out by --only has no samples: its figures are left out too.
    return [figure for figure in figures if figure.samples]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = harness.parser(BENCH)
    arguments.add_argument("--tries", type=int, help="burst logins per run (50)")
    arguments.add_argument("--keys", type=int, help="keys timed for echo per run (200)")
    arguments.add_argument("--rows", type=int, help="live rows counted per size (20)")
    arguments.add_argument("--only", choices=PARTS, help="measure this part alone (all three)")
    arguments.add_argument(
        "--gap",
        type=float,
        help="ms between a key's echo and the next key, ±50 %% (60; 0: back-to-back)",
    )

    def settings_of(args: argparse.Namespace) -> Settings:
        return Settings.of(args.quick, args.tries, args.keys, args.rows, args.only, args.gap)

    return harness.main(BENCH, arguments, settings_of, run, argv)


if __name__ == "__main__":
    sys.exit(main())
