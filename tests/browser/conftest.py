"""End-to-end harness: a real Streamlit server per test, driven by Debian's Chromium through Playwright.

Fixtures
  browser      one headless Chromium for the session (/usr/bin/chromium; missing: fail under CI=true, else skip)
  page         a fresh browser context and page per test (1280x900, nothing shared between tests)
  live_server  `streamlit run dashboard/serve.py` on a free loopback port, on this test's `database_url`;
               has `.url`, `.database_url`, `.backend` and `.log_text()`; extra settings via `live_server_env`
  users        one account per role in that database: {"advocate": ("ada", password), ...}
  open_app, sign_in, screenshot   the helper functions of tests/browser/helpers.py, as fixtures

The plain helpers (waiting for the app, signing in, choosing, screenshots) are in tests/browser/helpers.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.helpers import open_app, screenshot, sign_in

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "dashboard" / "serve.py"  # Streamlit serving dashboard/app.py behind Waypoint's gate
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
SERVER_START_TIMEOUT_S = 60
PASSWORD = "correct horse battery staple 1"
ACCOUNTS = {  # role -> (username, display name)
    "advocate": ("ada", "Ada Advocate"),
    "supervisor": ("sam", "Sam Supervisor"),
    "admin": ("alex", "Alex Admin"),
}

# The page counts runs as the messages arrive. ForwardMsg field 6 is `script_finished`
# (0 finished, 1 compile error, 2 finished early for a rerun, 3 fragment finished); 26 is a heartbeat ack.
_WATCH_RUNS_JS = """
(() => {
  if (window.__wp) return;
  const wp = window.__wp = { finished: 0, last: -1, lastFrame: 0 };
  const topLevelFields = (buffer) => {
    const b = new Uint8Array(buffer), out = {};
    let i = 0;
    const varint = () => {
      let value = 0, shift = 0, byte;
      do { byte = b[i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80 && i < b.length);
      return value;
    };
    while (i < b.length) {
      const key = varint(), number = Math.floor(key / 8), wire = key % 8;
      if (wire === 0) out[number] = varint();
      else if (wire === 2) { const n = varint(); i += n; if (!(number in out)) out[number] = true; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  };
  const Native = window.WebSocket;
  class WatchedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (!(event.data instanceof ArrayBuffer)) return;
        const fields = topLevelFields(event.data);
        if (26 in fields) return;
        wp.lastFrame = performance.now();
        if (6 in fields) {
          wp.last = fields[6];
          if (fields[6] !== 2) wp.finished += 1;
        }
      });
    }
  }
  window.WebSocket = WatchedWebSocket;
})();
"""

expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if item.path.name == "test_accessibility.py":
                # Each scan rewrites artifacts/axe/summary.md from every JSON there, reading files that another
                # scan may be writing: under pytest-xdist (--dist loadgroup) these tests share one process.
                item.add_marker(pytest.mark.xdist_group("axe"))


# --- the browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install Debian's chromium package (./waypoint test does)"
        if IN_CI:
            pytest.fail(message + "; under CI=true browser tests may not be skipped")
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.add_init_script(_WATCH_RUNS_JS)
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    yield new_page
    context.close()


# --- the server ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    backend: str = field(init=False)

    def __post_init__(self) -> None:
        self.backend = self.database_url.split(":", 1)[0].split("+", 1)[0]

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _listens(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether `process` itself listens on 127.0.0.1:`port`. Another test's server (another pytest-xdist process)
    can pick the same free port in the seconds before this one binds it, and would then answer the health check."""
    try:
        table = Path("/proc/net/tcp").read_text().splitlines()[1:]
        fds = list(Path(f"/proc/{process.pid}/fd").iterdir())
    except OSError:
        return True  # no /proc (not Linux): the health check alone, as before
    listening = {f"socket:[{f[9]}]" for f in (line.split() for line in table)
                 if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port}  # 0A: LISTEN
    for fd in fds:
        try:
            if os.readlink(fd) in listening:
                return True
        except OSError:
            continue  # closed meanwhile
    return False


def _start_server(database_url: str, log_path: Path, extra_env: dict[str, str],
                  secrets: Callable[[int], str] | None = None) -> LiveServer:
    """`secrets`, given the port, returns the text of a secrets.toml for the server (st.login's [auth] section,
    whose redirect_uri names the port)."""
    # The server sees only the settings the test chose: a developer's own WAYPOINT_* variables stay out.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
    env.update(WAYPOINT_NOTE_KEYS=os.environ["WAYPOINT_NOTE_KEYS"])  # set for every test in tests/conftest.py
    # Password-only sign-in unless a test asks for two-step sign-in (tests/browser/test_second_factor_flow.py).
    env.update(WAYPOINT_MFA_REQUIRED="none")
    env.update(extra_env)
    env.update(
        WAYPOINT_DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p),
        PYTHONUNBUFFERED="1",
    )
    problems = []
    for _attempt in range(3):  # a port picked as free can be taken before Streamlit binds it
        port = _free_port()
        log = log_path.open("wb")
        secrets_file = log_path.parent / f"secrets-{port}.toml"
        secrets_file.write_text(secrets(port) if secrets is not None else "", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false",
             "--secrets.files", str(secrets_file)],  # never a developer's own .streamlit/secrets.toml
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        server = LiveServer(f"http://127.0.0.1:{port}", database_url, process, log_path)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            if _healthy(port) and _listens(process, port):
                return server
            time.sleep(0.1)  # polling the health endpoint, not waiting for a guess
        server.stop()
        problems.append(f"port {port}: exit code {process.returncode}\n{server.log_text()}")
        if "already in use" not in server.log_text():
            break
    raise RuntimeError(
        f"Streamlit did not become healthy within {SERVER_START_TIMEOUT_S} s:\n" + "\n".join(problems)
    )


@pytest.fixture
def live_server_env() -> dict[str, str]:
    """Extra environment for the server (e.g. {"WAYPOINT_LOCKOUT_ATTEMPTS": "3"}); override it in a test module
    or parametrise it indirectly. Other WAYPOINT_* variables of the calling shell are not passed on."""
    return {}


@pytest.fixture
def live_server_secrets() -> Callable[[int], str] | None:
    """The server's secrets.toml as a function of its port (None: an empty one); override it in a test module."""
    return None


@pytest.fixture
def live_server(database_url: str, live_server_env: dict[str, str], request: pytest.FixtureRequest,
                tmp_path: Path, live_server_secrets: Callable[[int], str] | None) -> Iterator[LiveServer]:
    """Waypoint served on a free loopback port, on this test's own empty, migrated database."""
    server = _start_server(database_url, tmp_path / "streamlit.log", live_server_env, live_server_secrets)
    request.node._wp_servers = [*getattr(request.node, "_wp_servers", []), server]
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed or report.when == "teardown":
        return
    for server in getattr(item, "_wp_servers", []):
        report.sections.append((f"Streamlit server log ({server.url})", server.log_text()[-20_000:]))
    page = getattr(item, "funcargs", {}).get("page")
    if page is not None and report.when == "call":
        try:
            path = screenshot(page, "FAILED-" + item.nodeid.split("::", 1)[-1])
            report.sections.append(("Screenshot at failure", str(path)))
        except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the failure itself
            report.sections.append(("Screenshot at failure", f"could not be taken: {exc}"))


# --- accounts -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def password_hash() -> str:
    """PASSWORD hashed once for the session: argon2 is slow on purpose (a tenth of a second or more per hash on
    a 2-core machine, using every core), and each test seeds three accounts with the same password."""
    from models.services.auth import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def users(database_url: str, password_hash: str) -> dict[str, tuple[str, str]]:
    """One account per role in this test's database: role -> (username, password). Made by the real
    bootstrap_user, with the session's hash of PASSWORD; the server still checks it with argon2 at sign-in."""
    from models.services import accounts
    from models.store.database import Database

    db = Database(database_url)
    try:
        with pytest.MonkeyPatch.context() as patch:
            real = accounts.hash_password
            patch.setattr(accounts, "hash_password", lambda p: password_hash if p == PASSWORD else real(p))
            for role, (username, display_name) in ACCOUNTS.items():
                accounts.bootstrap_user(db, username=username, display_name=display_name, role=role,
                                        password=PASSWORD)
    finally:
        db.dispose()
    return {role: (username, PASSWORD) for role, (username, _) in ACCOUNTS.items()}


# --- the helpers as fixtures, for tests that prefer not to import them ---------------------------------


@pytest.fixture(name="open_app")
def open_app_fixture():  # type: ignore[no-untyped-def]
    return open_app


@pytest.fixture(name="sign_in")
def sign_in_fixture():  # type: ignore[no-untyped-def]
    return sign_in


@pytest.fixture(name="screenshot")
def screenshot_fixture():  # type: ignore[no-untyped-def]
    return screenshot
