"""Load test: many simulated people using one running Waypoint at once, over Streamlit's own WebSocket protocol.

A browser talks to `/_stcore/stream` with protobuf: it sends `BackMsg.rerun_script` (the page to run and the
widget values that changed) and receives `ForwardMsg`s (the page's elements, then `script_finished`). This script
does the same without a browser, so a 2-core machine can hold a hundred sessions: it reads the widget ids from the
elements the server sends, finds fields by their label, sets values, presses buttons (trigger values) and moves
between pages with the page hashes of the `navigation` message. A page's time runs from sending the BackMsg to the
`script_finished` that ends the chain of reruns (status 2, "finished early for a rerun", does not end it).

The mix: advocates (most sessions) browse home, their caseload, a client's timeline and the resources, and record
check-ins field by field (each tick or choice is a run, as in the browser) before saving; a few supervisors switch
the trends period and look at the needs-attention list. Every session also runs the sidebar's timeout notice every
15 seconds, as the browser does.

    .venv/bin/python -m bench.load --sessions 50 --seconds 60
    .venv/bin/python -m bench.load --levels 10,25,50,75,100 --seconds 60          # where it breaks
    .venv/bin/python -m bench.load --backend postgresql --pg-url postgresql+psycopg://waypoint@127.0.0.1:55432/postgres
    .venv/bin/python -m bench.load --backend postgresql --instances 2 --sessions 100      # two instances, one database
    .venv/bin/python -m bench.load --levels 50,100,200                                # one instance
    .venv/bin/python -m bench.load --backend postgresql --instances 2 --levels 200    # 200 over two instances
    .venv/bin/python -m bench.load --url http://127.0.0.1:8501 --database-url sqlite:///data/waypoint.db

Without --url it makes its own database (SQLite, or a new PostgreSQL database under --pg-url that is dropped
afterwards), loads synthetic clients and check-ins with an advocate account per session, and starts
`streamlit run` on a free loopback port. With --url it drives that server and adds its accounts to
--database-url (which must be the server's database, with the same note key).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

from models.store.migrate import upgrade_database

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = REPO_ROOT / "dashboard" / "serve.py"  # Streamlit serving dashboard/app.py behind Waypoint's gate
PASSWORD = "benchmark password"  # bench.bulk's accounts
SUPERVISOR = "benchsup"
FINISHED_FOR_RERUN = 2  # ForwardMsg.script_finished: 0 done, 1 compile error, 2 early for a rerun, 3 fragment done
NOTICE_SECONDS = 15.0  # the sidebar notice's run_every (dashboard/session_ui.py)
ADVOCATE_MIX = {"home": 15, "caseload": 20, "timeline": 25, "check_in": 30, "resources": 10}
SUPERVISOR_MIX = {"trends": 50, "attention": 20, "home": 15, "caseload": 15}


# --- results ------------------------------------------------------------------------------------------


@dataclass
class Stats:
    """Everything the sessions report, gathered in one place (one event loop: no locks needed)."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    started: int = 0
    signed_in: int = 0
    held: int = 0  # signed in and still working, without an error, when the time was up
    check_ins_saved: int = 0
    fragment_runs: int = 0  # runs of a fragment alone that a widget asked for (not the sidebar's timer)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{kind}: {detail[:300]}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


@dataclass
class Run:
    """What one chain of script runs sent back: its widgets by label, pages, alerts, exceptions, timing."""

    ms: float
    widgets: dict[tuple[str, str], Any]
    fragments: dict[str, str]  # widget id -> the fragment it is drawn in (a change there reruns only that)
    pages: dict[str, str]
    alerts: list[tuple[int, str]]
    exceptions: list[str]
    headings: list[str]
    auto_rerun: tuple[float, str] | None


class AppError(Exception):
    """The app answered, but not as a working page: an exception shown, an error alert, a missing field."""


# --- one simulated person --------------------------------------------------------------------------------


class Person:
    """One browser tab: a WebSocket to the server and the page it is on."""

    def __init__(self, ws_url: str, username: str, role: str, stats: Stats, rng: random.Random,
                 think: tuple[float, float], page_timeout: float) -> None:
        self.ws_url, self.username, self.role = ws_url, username, role
        self.stats, self.rng, self.think, self.page_timeout = stats, rng, think, page_timeout
        self.ws: ClientConnection | None = None
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.page_hash = ""
        self.last: Run | None = None
        self.fragment: tuple[float, str] | None = None
        self.fragments: dict[str, str] = {}  # of the page last drawn: widget id -> fragment id
        self.last_notice = 0.0
        self.codes: list[str] = []

    # The protocol ------------------------------------------------------------------------------------

    async def _send(self, kind: str, *, page_hash: str | None = None, query: str = "",
                    widgets: list[tuple[str, str, Any]] = (), fragment_id: str = "",  # type: ignore[assignment]
                    auto: bool = False) -> Run:
        """Ask for a run, as the browser does, and read until the chain of runs has finished. A widget drawn in a
        fragment reruns only that fragment (the browser sends its id); `auto` is a fragment's own timer."""
        assert self.ws is not None
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = query
        rerun.page_script_hash = self.page_hash if page_hash is None else page_hash
        rerun.context_info.timezone = "UTC"
        rerun.context_info.locale = "en-US"
        fragment_id = fragment_id or next((self.fragments[w[0]] for w in widgets if w[0] in self.fragments), "")
        if fragment_id:
            rerun.fragment_id = fragment_id
            rerun.is_auto_rerun = auto
            self.stats.fragment_runs += not auto
        for widget_id, value_field, value in widgets:
            state = rerun.widget_states.widgets.add()
            state.id = widget_id
            if value_field == "string_array_value":
                state.string_array_value.data.extend(value)
            else:
                setattr(state, value_field, value)
        run = Run(0.0, {}, {}, {}, [], [], [], None)
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(self.page_timeout):
            while True:
                raw = await self.ws.recv()
                forward = ForwardMsg()
                forward.ParseFromString(raw)
                what = forward.WhichOneof("type")
                if what == "delta":
                    self._read_delta(forward, run)
                elif what == "navigation":
                    # The default page (home) has no path of its own.
                    run.pages = {p.url_pathname or ("home" if p.is_default else ""): p.page_script_hash
                                 for p in forward.navigation.app_pages}
                    self.page_hash = forward.navigation.page_script_hash
                elif what == "auto_rerun":
                    run.auto_rerun = (forward.auto_rerun.interval, forward.auto_rerun.fragment_id)
                elif what == "ref_hash":
                    raise AppError("the server sent a cached-message reference this client cannot read")
                elif what == "script_finished" and forward.script_finished != FINISHED_FOR_RERUN:
                    break
        run.ms = (time.perf_counter() - started) * 1000
        self.stats.times[kind].append(run.ms)
        if run.exceptions:
            raise AppError(f"{kind}: the app showed an exception: {run.exceptions[0]}")
        errors = [text for fmt, text in run.alerts if fmt == Alert.ERROR]
        if errors:
            raise AppError(f"{kind}: the app showed an error: {errors[0]}")
        if not fragment_id:
            self.last = run
            self.fragments = run.fragments
        if run.pages:
            self.pages = run.pages
        if run.auto_rerun:
            self.fragment = run.auto_rerun
        return run

    @staticmethod
    def _read_delta(forward: ForwardMsg, run: Run) -> None:
        delta = forward.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        what = element.WhichOneof("type")
        if what is None:
            return
        el = getattr(element, what)
        if what == "exception":
            run.exceptions.append(f"{el.type}: {el.message}")
        elif what == "alert":
            run.alerts.append((el.format, el.body))
        elif what == "heading":
            run.headings.append(el.body)
        elif getattr(el, "id", "") and hasattr(el, "label"):
            run.widgets[(what, el.label)] = el
            if delta.fragment_id:
                run.fragments[el.id] = delta.fragment_id

    def _widget(self, what: str, label_start: str) -> Any:
        assert self.last is not None
        for (kind, label), el in self.last.widgets.items():
            if kind == what and label.startswith(label_start):
                return el
        raise AppError(f"no {what} labelled {label_start!r} on the page (headings: {self.last.headings})")

    async def _page(self, kind: str, path: str, query: str = "") -> Run:
        if path not in self.pages:
            raise AppError(f"{self.role} has no page {path!r} (pages: {sorted(self.pages)})")
        return await self._send(kind, page_hash=self.pages[path], query=query)

    async def _pause(self, scale: float = 1.0) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think) * scale)

    # What a person does -------------------------------------------------------------------------------

    async def sign_in(self) -> None:
        await self._send("sign-in page", page_hash="")
        user, password = self._widget("text_input", "Username"), self._widget("text_input", "Password")
        button = self._widget("button", "Sign in")
        await self._pause(0.5)
        run = await self._send("sign in", widgets=[(user.id, "string_value", self.username),
                                                   (password.id, "string_value", PASSWORD),
                                                   (button.id, "trigger_value", True)])
        if len(self.pages) < 2 or not any(h.startswith("Welcome") for h in run.headings):
            raise AppError(f"sign in as {self.username} did not reach the home page: {run.headings}")

    async def notice_if_due(self) -> None:
        """The sidebar fragment the browser reruns every 15 s (it reads the session without touching it)."""
        if self.fragment and time.monotonic() - self.last_notice >= NOTICE_SECONDS:
            self.last_notice = time.monotonic()
            await self._send("notice refresh", fragment_id=self.fragment[1], auto=True)

    async def home(self) -> None:
        run = await self._page("home", "home")
        if not any(h.startswith("Welcome") for h in run.headings):
            raise AppError(f"home: no welcome heading: {run.headings}")

    async def caseload(self) -> None:
        await self._page("caseload", "caseload")

    async def resources(self) -> None:
        await self._page("resources", "resources")

    async def attention(self) -> None:
        await self._page("needs attention", "attention")

    async def trends(self) -> None:
        await self._page("trends: open", "trends")
        await self._pause(0.5)
        period = self._widget("button_group", "Period")
        await self._send("trends: period", widgets=[
            (period.id, "string_array_value", [self.rng.choice(["Month", "Quarter", "Fiscal year", "Year to date"])])])

    async def _my_codes(self) -> list[str]:
        if not self.codes:
            await self._page("check-in: open", "check_in")
            self.codes = list(self._widget("selectbox", "Client code").options)
            if not self.codes:
                raise AppError(f"{self.username} has no clients to work with")
        return self.codes

    async def timeline(self) -> None:
        codes = await self._my_codes()
        await self._page("timeline: open", "client")
        await self._pause(0.3)
        picker = self._widget("selectbox", "Client")
        code = self.rng.choice(codes)
        run = await self._send("timeline: client", widgets=[(picker.id, "string_value", code)])
        if code not in run.headings:
            raise AppError(f"timeline of {code} not shown: {run.headings}")

    async def check_in(self) -> None:
        """Choose the client, contact mode, two observed items, contact with the person causing harm, the level
        of concern and a short note, one run each as in the browser, then save and look for the confirmation."""
        codes = await self._my_codes()
        await self._page("check-in: open", "check_in")
        code = self.rng.choice(codes)
        items = [el for (kind, label), el in self.last.widgets.items()  # type: ignore[union-attr]
                 if kind == "checkbox" and "needs a response now" not in label and "Safety planning" not in label]
        steps: list[tuple[str, str, Any]] = [
            (self._widget("selectbox", "Client code").id, "string_value", code),
            (self._widget("button_group", "How you were in contact").id, "string_array_value", ["Phone"]),
            *[(el.id, "bool_value", True) for el in self.rng.sample(items, min(2, len(items)))],
            (self._widget("radio", "Contact with the person causing harm").id, "string_value", "Some contact"),
            (self._widget("radio", "Level of concern").id, "string_value",
             self.rng.choice(["Low", "Moderate", "High"])),
            (self._widget("text_area", "Note").id, "string_value", "Talked through the plan for the week."),
        ]
        for step in steps:
            await self._pause(0.3)
            await self._send("check-in: field", widgets=[step])
        save = self._widget("button", "Save check-in")
        run = await self._send("check-in: save", widgets=[(save.id, "trigger_value", True)])
        if not any(fmt == Alert.SUCCESS and f"Check-in for {code} saved" in text for fmt, text in run.alerts):
            raise AppError(f"saving a check-in for {code} was not confirmed: {run.alerts}")
        self.stats.check_ins_saved += 1

    async def live(self, delay: float, until: float) -> None:
        """Connect after `delay`, sign in, then act with pauses to think until the time is up."""
        await asyncio.sleep(delay)
        self.stats.started += 1
        step = "connect"
        try:
            async with connect(self.ws_url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                               open_timeout=self.page_timeout, ping_interval=None) as ws:
                self.ws = ws
                step = "sign in"
                await self.sign_in()
                self.stats.signed_in += 1
                self.last_notice = time.monotonic()
                mix = ADVOCATE_MIX if self.role == "advocate" else SUPERVISOR_MIX
                actions, weights = list(mix), list(mix.values())
                while True:
                    await self._pause()
                    if time.monotonic() >= until:
                        break
                    step = "notice"
                    await self.notice_if_due()
                    step = self.rng.choices(actions, weights)[0]
                    await getattr(self, step)()
                self.stats.held += 1
        except TimeoutError:
            self.stats.error(f"{step}: timeout", f"{self.username}: no answer within {self.page_timeout} s")
        except AppError as exc:
            self.stats.error(f"{step}: app", f"{self.username}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a closed socket or a refused connection: count it, go on
            self.stats.error(f"{step}: {type(exc).__name__}", f"{self.username}: {exc}")


# --- database, accounts and server -----------------------------------------------------------------------


def seed(database_url: str, advocates: int, per_advocate: int, check_ins_per_client: int) -> dict[str, float]:
    """Synthetic clients and a year of check-ins, with `advocates` advocate accounts and one supervisor."""
    from sqlalchemy import func, select

    from bench.bulk import bulk_load
    from models.base.settings import Settings
    from models.content.loader import load_content
    from models.store.database import Database
    from models.store.entities import Client, User

    settings = Settings.from_env()
    content = load_content(settings.content_dir, settings.resource_packs)
    db = Database(database_url)
    try:
        upgrade_database(db)
        with db.reading() as s:
            made = s.scalar(select(func.count(User.id)).where(User.username.like("bench%"), User.role == "advocate"))
            clients_there = s.scalar(select(func.count(Client.id)))
        if made:  # an earlier run seeded this database (a --url server): use its accounts
            if made < advocates:
                raise SystemExit(f"the database has {made} bench advocates; this run needs {advocates}")
            return {"clients": clients_there or 0, "check_ins": float("nan"), "advocates": made}
        if clients_there:
            raise SystemExit("the database already has clients but no bench accounts: give --url a server on an "
                             "empty database (the bench data is made up and must not mix with real records)")
        clients = advocates * per_advocate
        return bulk_load(db, content, clients=clients, check_ins=clients * check_ins_per_client,
                         per_advocate=per_advocate)
    finally:
        db.dispose()


def count_check_ins(database_url: str) -> int:
    """Check-in rows in the database: what the sessions saved must show up once each, no more, no fewer."""
    from sqlalchemy import func, select

    from models.store.database import Database
    from models.store.entities import CheckIn

    db = Database(database_url)
    try:
        with db.reading() as s:
            return int(s.scalar(select(func.count(CheckIn.id))) or 0)
    finally:
        db.dispose()


@contextmanager
def database(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    """The URL of a new, empty database for this run, dropped afterwards (PostgreSQL) or left in workdir."""
    if args.backend == "sqlite":
        yield f"sqlite:///{workdir / 'load.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not args.pg_url:
        raise SystemExit("--backend postgresql needs --pg-url or WAYPOINT_TEST_PG_URL")
    name = f"load_{os.getpid()}_{int(time.time())}"
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes] | None
    log_path: Path | None

    def cpu_seconds(self) -> float | None:
        """User and system CPU time of the server process so far (Linux), to show how busy it was."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def rss_mb(self) -> float | None:
        """Resident memory of the server process (Linux), to show what the sessions cost in memory."""
        if self.process is None:
            return None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            return None
        return None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(database_url: str, note_key: str, log_path: Path, options: list[str] = (),  # type: ignore[assignment]
                 timeout: float = 60.0) -> Server:
    """`streamlit run` on a free loopback port with only the settings chosen here (and the repository's
    .streamlit/config.toml, as `./waypoint run` has), plus any `name=value` Streamlit options given."""
    extra = [part for option in options for part in (f"--{option.split('=', 1)[0]}", option.split("=", 1)[1])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
    # The load is page work after sign-in: the synthetic supervisors sign in with a password alone.
    env.update(WAYPOINT_DATABASE_URL=database_url, WAYPOINT_NOTE_KEYS=note_key, PYTHONUNBUFFERED="1",
               WAYPOINT_MFA_REQUIRED="none",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p))
    port = _free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false", *extra],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"the server did not start within {timeout:.0f} s:\n{log_path.read_text(errors='replace')}")


# --- one run at one level ---------------------------------------------------------------------------------


async def _first_page(url: str, page_timeout: float) -> None:
    """One run of the sign-in page, so the instance opens its database (and, the first time, writes the note key's
    check row) before any session arrives."""
    ws_url = url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/_stcore/stream"
    person = Person(ws_url, "", "", Stats(), random.Random(0), (0.0, 0.0), page_timeout)
    async with connect(ws_url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                       open_timeout=page_timeout, ping_interval=None) as ws:
        person.ws = ws
        await person._send("first page", page_hash="")


def warm_up(servers: list[Server], page_timeout: float) -> None:
    """Each instance's first run one after another, as a rolling start does: started all at once on a new database,
    two instances both tried to write the note key's check row and one failed its start-up (models/store/
    note_cipher.py; 2026-12-03, two instances on PostgreSQL), so every session on it failed."""
    for server in servers:
        if server.process is not None:
            asyncio.run(_first_page(server.url, page_timeout))


def plan(sessions: int, advocates_available: int) -> list[tuple[str, str]]:
    """(username, role) per session: about one in ten a supervisor (at least one), the rest advocates."""
    supervisors = max(1, round(sessions / 10)) if sessions > 1 else 0
    advocates = sessions - supervisors
    if advocates > advocates_available:
        raise SystemExit(f"{advocates} advocate sessions but only {advocates_available} bench accounts")
    return [(f"bench{n:04d}", "advocate") for n in range(advocates)] + [(SUPERVISOR, "supervisor")] * supervisors


async def drive(urls: list[str], sessions: list[tuple[str, str]], seconds: float, ramp: float,
                think: tuple[float, float], page_timeout: float, seed_value: int) -> Stats:
    """Every session at once, started evenly over `ramp`; with several instances, session n stays on instance
    n mod k all the time, as a proxy with sticky sessions would keep it."""
    stats = Stats()
    ws_urls = [u.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/_stcore/stream"
               for u in urls]
    until = time.monotonic() + seconds
    people = [Person(ws_urls[n % len(ws_urls)], username, role, stats, random.Random(seed_value * 1000 + n), think,
                     page_timeout)
              for n, (username, role) in enumerate(sessions)]
    await asyncio.gather(*(p.live(ramp * n / max(1, len(people)), until) for n, p in enumerate(people)))
    return stats


def report(level: int, stats: Stats, seconds: float, cpu: float | None, own_cpu: float,
           load: tuple[float, float, float]) -> dict[str, Any]:
    rows = {kind: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "max": max(v)}
            for kind, v in sorted(stats.times.items())}
    everything = [t for v in stats.times.values() for t in v]
    pages = [t for kind, v in stats.times.items() if kind not in ("notice refresh", "sign-in page", "sign in")
             for t in v]
    total_errors = sum(stats.errors.values())
    print(f"\n== {level} sessions, {seconds:.0f} s including the ramp: started {stats.started}, "
          f"signed in {stats.signed_in}, held to the end {stats.held}; "
          f"{len(everything)} runs ({len(everything) / seconds:.1f}/s); "
          f"{stats.fragment_runs} of them of a fragment alone; {stats.check_ins_saved} check-ins saved; "
          f"errors {total_errors}")
    print(f"{'page kind':<18} {'runs':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, r in rows.items():
        print(f"{kind:<18} {r['n']:>6} {r['p50']:>8.0f} {r['p95']:>8.0f} {r['max']:>8.0f}")
    if pages:
        print(f"{'all pages':<18} {len(pages):>6} {pct(pages, 0.5):>8.0f} {pct(pages, 0.95):>8.0f} "
              f"{max(pages):>8.0f}")
    if cpu is not None:
        print(f"server CPU {cpu:.1f} s in {seconds:.0f} s ({cpu / seconds:.0%} of one core, all instances); "
              f"load generator CPU {own_cpu:.1f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for kind, n in sorted(stats.errors.items()):
        print(f"  error {kind}: {n}")
    for sample in stats.error_samples[:5]:
        print(f"    e.g. {sample}")
    return {"sessions": level, "seconds": seconds, "started": stats.started, "signed_in": stats.signed_in,
            "held": stats.held, "runs": len(everything), "check_ins_saved": stats.check_ins_saved,
            "errors": dict(stats.errors), "error_samples": stats.error_samples, "kinds": rows,
            "pages_p50": pct(pages, 0.5), "pages_p95": pct(pages, 0.95),
            "server_cpu_s": cpu, "loadgen_cpu_s": own_cpu, "loadavg": load}


SUMMARY_KINDS = ("home", "caseload", "timeline: client", "check-in: field", "check-in: save", "trends: period")


def summary(results: list[dict[str, Any]], backend: str) -> None:
    """One Markdown row per level, ready for the README: all pages p50/p95, then p95 by page kind."""
    print("\n| backend | instances | sessions | held | runs/s | pages p50 | pages p95 | "
          + " | ".join(f"{k} p95" for k in SUMMARY_KINDS) + " | errors | MB per instance | load avg |")
    print("|---" * (10 + len(SUMMARY_KINDS)) + "|")
    for r in results:
        kinds = r["kinds"]
        cells = [f"{kinds[k]['p95']:,.0f}" if k in kinds else "–" for k in SUMMARY_KINDS]
        memory = ", ".join(f"{m:,.0f}" for m in r.get("server_rss_mb") or []) or "–"  # resident, at the end
        print(f"| {backend} | {r.get('instances', 1)} | {r['sessions']} | {r['held']} | "
              f"{r['runs'] / r['seconds']:.1f} | {r['pages_p50']:,.0f} | {r['pages_p95']:,.0f} | "
              + " | ".join(cells) + f" | {sum(r['errors'].values())} | {memory} | {r['loadavg'][0]:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=50, help="concurrent sessions (default 50)")
    parser.add_argument("--levels", default="", help="comma-separated session counts, run one after another "
                                                     "on a fresh server each, e.g. 10,25,50,75,100")
    parser.add_argument("--seconds", type=float, default=60, help="how long each level runs (default 60)")
    parser.add_argument("--ramp", type=float, default=30,
                        help="sessions start (and sign in) spread over this many seconds (default 30)")
    parser.add_argument("--think", default="2,8", help="seconds a person pauses between pages: min,max "
                                                       "(default 2,8; between form fields a third of that)")
    parser.add_argument("--page-timeout", type=float, default=30, help="a page slower than this is an error")
    parser.add_argument("--streamlit-option", action="append", default=[], metavar="NAME=VALUE",
                        help="passed to the servers it starts, e.g. runner.postScriptGC=false (repeatable)")
    parser.add_argument("--instances", type=int, default=1,
                        help="start this many servers on the one database; sessions are spread over them")
    parser.add_argument("--url", help="drive this running server (or several, comma-separated) instead of "
                                      "starting one")
    parser.add_argument("--database-url", help="with --url: the server's database, to add the bench accounts")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("WAYPOINT_TEST_PG_URL"),
                        help="PostgreSQL server to make a throwaway database on (default $WAYPOINT_TEST_PG_URL)")
    parser.add_argument("--clients-per-advocate", type=int, default=20)
    parser.add_argument("--check-ins-per-client", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--fail-on-error", action="store_true", help="exit 1 when any session had an error")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()] or [args.sessions]
    think = tuple(float(x) for x in args.think.split(","))
    assert len(think) == 2, "--think takes min,max"
    if args.url and not args.database_url:
        parser.error("--url needs --database-url (the server's database) to create the bench accounts")
    # The app refuses to start without a note key; this run's server and the seeding share a fresh one.
    note_key = os.environ.get("WAYPOINT_NOTE_KEYS") if args.url else None
    note_key = note_key or Fernet.generate_key().decode()
    os.environ["WAYPOINT_NOTE_KEYS"] = note_key
    sessions_max = max(levels)
    advocates = max(1, sessions_max - max(1, round(sessions_max / 10)))

    from bench.common import machine

    print(f"Waypoint load test on {machine()}; load average at start {os.getloadavg()[0]:.2f}"
          + (f"; Streamlit options {' '.join(args.streamlit_option)}" if args.streamlit_option else ""))
    results = []
    with tempfile.TemporaryDirectory(prefix="waypoint-load-") as tmp:
        workdir = Path(tmp)
        with database(args, workdir) if not args.url else _given(args.database_url) as database_url:
            started = time.perf_counter()
            loaded = seed(database_url, advocates, args.clients_per_advocate, args.check_ins_per_client)
            print(f"seeded {loaded['clients']:,} clients, {loaded['check_ins']:,} check-ins, "
                  f"{loaded['advocates']} advocates and a supervisor in {time.perf_counter() - started:.1f} s "
                  f"({'given database' if args.url else args.backend})")
            for level in levels:
                servers = ([Server(u.strip(), None, None) for u in args.url.split(",")] if args.url else
                           [start_server(database_url, note_key, workdir / f"server-{level}-{k}.log",
                                         args.streamlit_option) for k in range(args.instances)])
                try:
                    warm_up(servers, args.page_timeout)
                    rows_before = count_check_ins(database_url)
                    cpu_before, own_before = [s.cpu_seconds() for s in servers], time.process_time()
                    t0 = time.monotonic()
                    stats = asyncio.run(drive([s.url for s in servers], plan(level, loaded["advocates"]),
                                              args.ramp + args.seconds, args.ramp, think,  # type: ignore[arg-type]
                                              args.page_timeout, args.seed))
                    elapsed = time.monotonic() - t0
                    cpu_after = [s.cpu_seconds() for s in servers]
                    cpu = (sum(a - b for a, b in zip(cpu_after, cpu_before, strict=True))  # type: ignore[operator]
                           if None not in cpu_after and None not in cpu_before else None)
                    results.append(report(level, stats, elapsed, cpu, time.process_time() - own_before,
                                          os.getloadavg()))
                    results[-1]["instances"] = len(servers)
                    rss = [s.rss_mb() for s in servers]
                    if None not in rss:
                        results[-1]["server_rss_mb"] = rss
                        print("server memory (RSS) at the end: " + ", ".join(f"{m:,.0f} MB" for m in rss))  # type: ignore[str-format]
                    added = count_check_ins(database_url) - rows_before
                    results[-1]["check_in_rows_added"] = added
                    print(f"check-in rows added to the database: {added} (confirmed saves: {stats.check_ins_saved})")
                    if added != stats.check_ins_saved:
                        results[-1]["errors"]["saved rows differ from confirmed saves"] = 1
                    for server in servers:
                        if server.process is not None and server.process.poll() is not None:
                            print(f"a server exited with {server.process.returncode}")
                finally:
                    for server in servers:
                        server.stop()
                if results and results[-1]["errors"]:
                    for server in servers:
                        if server.log_path is not None:
                            lines = server.log_path.read_text(errors="replace").splitlines()
                            print(f"{server.url} log, last lines:\n" + "\n".join(lines[-12:]))
    summary(results, args.backend if not args.url else "given server")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "levels": results}, indent=2, default=str))
    failed = any(r["errors"] or r["held"] < r["sessions"] for r in results)
    if failed:
        print("\nSome sessions had errors or did not last to the end (see above).")
    return 1 if failed and args.fail_on_error else 0


@contextmanager
def _given(database_url: str) -> Iterator[str]:
    yield database_url


if __name__ == "__main__":
    sys.exit(main())
