"""Issue 15 at the server: what the web server answers (item 9) and who can fetch a prepared file (item 2), tried
over HTTP and Streamlit's WebSocket against a real server (dashboard/serve.py) on this test's database.

The server trusts X-Forwarded-For from loopback (uvicorn's FORWARDED_ALLOW_IPS default, as behind a local proxy),
so one test process can be a person at their desk and a stranger elsewhere.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.load import Person, Stats
from dashboard import downloads, gate
from tests.browser.helpers import run_async

REPO_ROOT = Path(__file__).resolve().parents[2]
DESK, ELSEWHERE = "198.51.100.7", "203.0.113.66"
DESK_BROWSER, OTHER_BROWSER = "Desk browser/1.0", "Stranger's browser/1.0"

# Every route Streamlit 1.67 registers for dashboard/serve.py, and what Waypoint does with it. A Streamlit upgrade
# that adds, moves or drops a route fails test_every_route_the_server_registers_is_decided until it is decided here,
# in dashboard/gate.py and in docs/instances.md.
SERVED = "served"
REFUSED = "refused by dashboard/gate.py"
ROUTES: dict[tuple[str, str], str] = {
    ("Route", "/wp-file/{token}"): SERVED,  # Waypoint's own: a prepared file, once, to its browser
    ("Route", "/_stcore/health"): SERVED,  # the proxy's health check
    ("Route", "/_stcore/host-config"): SERVED,  # read by the page when it loads
    ("WebSocketRoute", "/_stcore/stream"): SERVED,  # the app itself
    ("Mount", ""): SERVED,  # the page, its scripts and styles (index.html for any other path)
    ("Route", "/_stcore/metrics"): REFUSED,
    ("Route", "/media/{file_id:path}"): REFUSED,
    ("Route", "/_stcore/upload_file/{session_id}/{file_id}"): REFUSED,
    ("Route", "/component/{path:path}"): REFUSED,
    ("Route", "/_stcore/bidi-components/{path:path}"): REFUSED,
    ("Route", "/auth/login"): REFUSED,
    ("Route", "/auth/logout"): REFUSED,
    ("Route", "/oauth2callback"): REFUSED,
    ("Route", "/_stcore/agent/interact"): REFUSED,
    ("Route", "/_stcore/agent/openapi.json"): REFUSED,
    ("Route", "/_stcore/agent/mcp"): REFUSED,
}
# A concrete request for every refused route, with each method the route answers, plus the two routes Streamlit
# adds only when a setting turns them on (server.scriptHealthCheckEnabled, server.enableStaticServing).
REFUSED_REQUESTS = [
    ("GET", "/_stcore/metrics"), ("OPTIONS", "/_stcore/metrics"),
    ("GET", "/media/0123456789abcdef0123456789abcdef0123456789abcdef01234567.csv"), ("HEAD", "/media/x.html"),
    ("OPTIONS", "/media/x.csv"),
    ("PUT", "/_stcore/upload_file/00000000-0000-0000-0000-000000000000/file"),
    ("DELETE", "/_stcore/upload_file/00000000-0000-0000-0000-000000000000/file"),
    ("OPTIONS", "/_stcore/upload_file/00000000-0000-0000-0000-000000000000/file"),
    ("GET", "/component/some.component/index.html"), ("OPTIONS", "/component/x"),
    ("GET", "/_stcore/bidi-components/x/index.js"), ("OPTIONS", "/_stcore/bidi-components/x/index.js"),
    ("GET", "/auth/login"), ("GET", "/auth/logout"), ("GET", "/oauth2callback?code=x&state=y"),
    ("POST", "/_stcore/agent/interact"), ("GET", "/_stcore/agent/interact"), ("GET", "/_stcore/agent/openapi.json"),
    ("POST", "/_stcore/agent/mcp"), ("DELETE", "/_stcore/agent/mcp"),
    ("GET", "/_stcore/script-health-check"), ("GET", "/app/static/anything.png"),
    ("GET", "/_stcore/a-route-a-later-streamlit-might-add"),
]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def http(url: str, method: str = "GET", *, address: str = DESK, agent: str = DESK_BROWSER,
         cookie: str | None = None, data: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
    """One request as a browser at `address` sends it; any status comes back, never an exception."""
    sent = {"X-Forwarded-For": address, "User-Agent": agent, **(headers or {})}
    if cookie:
        sent["Cookie"] = f"{downloads.BROWSER_COOKIE}={cookie}"
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return Answer(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def page_cookie(url: str, address: str = DESK, agent: str = DESK_BROWSER) -> str:
    """Load the page as a browser does first, and keep the browser cookie it comes with."""
    answer = http(url + "/", address=address, agent=agent)
    assert answer.status == 200
    set_cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


class Tab(Person):
    """One browser tab at `address`: the page's cookie, then the WebSocket, as the browser speaks it."""

    def __init__(self, url: str, username: str, password: str, *, address: str = DESK,
                 agent: str = DESK_BROWSER) -> None:
        super().__init__(url.replace("http", "ws", 1) + "/_stcore/stream", username, "", Stats(),
                         random.Random(1), (0.0, 0.0), 60.0)
        self.url, self.password, self.address, self.agent = url, password, address, agent
        self.cookie = page_cookie(url, address, agent)

    async def __aenter__(self) -> Tab:
        self._conn = connect(self.ws_url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                             user_agent_header=self.agent, ping_interval=None, additional_headers={
                                 "X-Forwarded-For": self.address,
                                 "Cookie": f"{downloads.BROWSER_COOKIE}={self.cookie}"})
        self.ws = await self._conn.__aenter__()
        await self._send("sign-in page", page_hash="")
        run = await self._send("sign in", widgets=[
            (self._widget("text_input", "Username").id, "string_value", self.username),
            (self._widget("text_input", "Password").id, "string_value", self.password),
            (self._widget("button", "Sign in").id, "trigger_value", True)])
        assert any(h.startswith("Welcome") for h in run.headings), run.headings
        await self._page("audit log", "audit")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._conn.__aexit__(None, None, None)

    async def prepare(self) -> str:
        """Press "Download the matching entries (CSV)" and return the address of the "Save" link it draws."""
        run = await self._send("prepare", widgets=[
            (self._widget("button", "Download the matching entries (CSV)").id, "trigger_value", True)])
        assert not any(kind == "download_button" for kind, _ in run.widgets), "Streamlit's media download is back"
        link = self._widget("link_button", "Save waypoint-audit-")
        # The browser's click on the link opens the file in a new tab and reruns this one, which draws "Prepare"
        # again: the file is no longer on the page (the server keeps it until fetched or a minute is up).
        await self._send("save pressed", widgets=[(link.id, "trigger_value", True)])
        return link.url

    async def sign_out(self) -> None:
        await self._send("sign out", widgets=[(self._widget("button", "Sign out").id, "trigger_value", True)])


# --------------------------------------------------------------------------- item 9: the routes


def test_every_route_the_server_registers_is_decided():
    """Streamlit's own route table for dashboard/serve.py, read from the app it builds (in a process of its own:
    building it makes Streamlit's runtime). Fails loudly when Streamlit's internals change: a new route must be
    decided (gate.py refuses any new /_stcore/ path by itself), a moved one re-checked."""
    listing = subprocess.run(
        [sys.executable, "-c", "import json; from dashboard.serve import app; built = app._build_starlette_app(); "
         "print(json.dumps([[type(r).__name__, r.path] for r in built.routes]))"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True)
    registered = {tuple(r) for r in json.loads(listing.stdout.strip().splitlines()[-1])}
    assert registered == set(ROUTES), (
        f"Streamlit's routes changed: new {sorted(registered - set(ROUTES))}, gone {sorted(set(ROUTES) - registered)}")
    for (_kind, path), decision in ROUTES.items():
        concrete = path.split("{", 1)[0] + ("x" if "{" in path else "")
        assert gate.refused(concrete) is (decision == REFUSED), path


def test_streamlit_routes_waypoint_does_not_use_answer_nobody(live_server):
    """Before: /_stcore/metrics told anyone how many sessions were open and their memory, uploads were taken, the
    agent API described itself, /media/ served files to anyone. Now each is a 404 for every method."""
    for method, path in REFUSED_REQUESTS:
        answer = http(live_server.url + path, method, data=b"{}" if method in ("POST", "PUT") else None,
                      headers={"Content-Type": "application/json"} if method in ("POST", "PUT") else None)
        assert answer.status == 404, f"{method} {path}: {answer.status}"
        assert b"session" not in answer.body and b"agent" not in answer.body.lower(), path
    # What the page needs still answers.
    assert http(live_server.url + "/_stcore/health").body == b"ok"
    assert http(live_server.url + "/_stcore/host-config").status == 200
    assert b"<html" in http(live_server.url + "/trends").body.lower()


def test_a_websocket_to_a_refused_route_is_not_opened(live_server):
    async def scenario() -> int:
        try:
            async with connect(live_server.url.replace("http", "ws", 1) + "/_stcore/agent/mcp"):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    assert run_async(scenario()) == 403


def test_an_oversized_message_from_a_stranger_closes_only_their_connection(live_server):
    """Before: Streamlit read up to 200 MB of one message from any connection. Now a tab's message over 1 MB
    (server.maxWidgetStateSize; server.maxMessageSize caps what is read at 8 MB) closes that connection, unread,
    and the server goes on serving everyone else."""

    async def scenario() -> int | None:
        async with connect(live_server.url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],  # type: ignore[list-item]
                           max_size=None, ping_interval=None) as ws:
            await ws.send(b"\x00" * (2 * 1024 * 1024))
            try:
                while True:
                    await ws.recv()
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

    assert run_async(scenario()) == 1009  # Message Too Big
    assert http(live_server.url + "/_stcore/health").body == b"ok"


# --------------------------------------------------------------------------- item 2: prepared files


def test_a_prepared_file_is_served_once_to_the_browser_that_prepared_it(live_server, users):
    """Before: the file waited at /media/<content hash>.csv for anyone, without a cookie, until the tab's next
    run. Now: a fresh unguessable address per preparation, served once, and only with the browser's cookie from
    its connection's address and browser."""
    username, password = users["admin"]

    async def scenario() -> dict[str, object]:
        seen: dict[str, object] = {}
        async with Tab(live_server.url, username, password) as tab:
            first = await tab.prepare()
            seen["first"] = http(live_server.url + first, "HEAD", cookie=tab.cookie).status  # spends nothing
            seen["got"] = http(live_server.url + first, cookie=tab.cookie)
            seen["again"] = http(live_server.url + first, cookie=tab.cookie)
            urls = [first]
            # A stranger with the address: no cookie, another address and browser. Refused, and the file is gone.
            urls.append(await tab.prepare())
            seen["stranger"] = http(live_server.url + urls[-1], address=ELSEWHERE, agent=OTHER_BROWSER)
            seen["after stranger"] = http(live_server.url + urls[-1], cookie=tab.cookie)
            # The cookie copied to another machine (other address), or into another browser: refused.
            urls.append(await tab.prepare())
            seen["copied cookie"] = http(live_server.url + urls[-1], cookie=tab.cookie, address=ELSEWHERE)
            urls.append(await tab.prepare())
            seen["other browser"] = http(live_server.url + urls[-1], cookie=tab.cookie, agent=OTHER_BROWSER)
            # Another browser's own cookie from the same address: refused.
            urls.append(await tab.prepare())
            seen["other cookie"] = http(live_server.url + urls[-1], cookie=page_cookie(live_server.url))
            seen["urls"] = urls
        return seen

    seen = run_async(scenario())
    got = seen["got"]
    assert isinstance(got, Answer) and got.status == 200, got
    assert got.headers["content-disposition"].startswith('attachment; filename="waypoint-audit-')
    assert got.headers["cache-control"] == "no-store" and got.headers["content-type"].startswith("text/csv")
    assert got.body.startswith(b"when_utc,")
    urls = seen["urls"]
    assert isinstance(urls, list) and len(set(urls)) == len(urls)  # one address per preparation, never reused
    for url in urls:
        assert url.startswith(downloads.ROUTE) and len(url.removeprefix(downloads.ROUTE)) >= 43  # 256 random bits
    for attempt in ("again", "stranger", "after stranger", "copied cookie", "other browser", "other cookie"):
        refused = seen[attempt]
        assert isinstance(refused, Answer) and refused.status == 404, attempt
        assert refused.body == downloads.NOT_AVAILABLE.encode(), attempt  # the same answer whatever the reason
    assert seen["first"] == 404


def test_a_prepared_file_is_not_served_once_its_session_has_ended(live_server, users):
    """Before: a file prepared before sign-out (or before an admin ended the session) could still be fetched."""
    username, password = users["admin"]

    async def scenario() -> tuple[Answer, Answer]:
        async with Tab(live_server.url, username, password) as tab:
            url = await tab.prepare()
            await tab.sign_out()
            after_sign_out = http(live_server.url + url, cookie=tab.cookie)
        async with Tab(live_server.url, username, password) as tab:
            url = await tab.prepare()
            from models.services.account_admin import end_sessions
            from tests.browser.helpers import actor_named, database

            with database(live_server.database_url) as db:
                admin = actor_named(db, username)
                end_sessions(db, admin, admin.user_id)
            after_ended = http(live_server.url + url, cookie=tab.cookie)
        return after_sign_out, after_ended

    after_sign_out, after_ended = run_async(scenario())
    assert after_sign_out.status == 404 and after_ended.status == 404


@pytest.fixture
def live_server_env() -> dict[str, str]:
    return {}
