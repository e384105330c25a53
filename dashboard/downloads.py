"""Prepared files handed to one browser, once, for a minute, by Waypoint's own route (issue 15, item 2).

Streamlit's download button puts a file in its media store and serves it at /media/<content hash>.<ext> to anyone
who asks, with no cookie, until the tab's next script run: identical files share the address, so a known file's
address can be worked out, and one left unfetched stays there while the tab is idle. Waypoint no longer uses it
(dashboard/gate.py refuses /media/ altogether). A prepared file is kept here instead, in this process's memory,
under a fresh random token, and /wp-file/<token> (dashboard/serve.py) hands it over only when

- the token is known and not a minute old (a timer drops it unseen after that, with or without another run);
- the request carries the browser cookie (dashboard/gate.py sets it, HttpOnly) that the tab's connection carried
  when the file was prepared;
- it comes from the address and browser string of that connection (ui.connection_print, the sign-in binding);
- the Waypoint session that prepared it is still live in the database (not signed out, ended or idled out).

The first request for a token takes it, whatever the answer: a file is served at most once, and a wrong guess
burns nothing but itself. Every refusal is the same 404 with the same sentence, so nothing tells a stranger
whether a token existed.

Nothing here imports Streamlit; the page side is ui.one_time_download.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from models.base import i18n
from models.base.i18n import N_, _

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

KEEP_SECONDS = 60  # a prepared file not fetched within this is dropped, run or no run
MAX_KEPT = 200  # at most this many files wait in one process; the oldest goes first
ROUTE = "/wp-file/"  # + token; the launcher (dashboard/serve.py) registers it
BROWSER_COOKIE = "wp_browser"  # set by dashboard/gate.py, HttpOnly: the page's own scripts cannot read it
LOOPBACK = frozenset({"127.0.0.1", "::1"})  # Streamlit's st.context.ip_address gives None for these
NOT_AVAILABLE = N_("This file is not available. A file prepared in Waypoint can be saved once, within a minute, "
                   "from the browser that prepared it, while you are signed in. Go back to Waypoint and prepare it "
                   "again.")


def digest(value: str) -> str:
    """What is kept of a cookie: its SHA-256, so the store never holds the value itself."""
    return hashlib.sha256(value.encode()).hexdigest()


def connection_print(address: str | None, agent: str) -> str:
    """The address and browser string a connection shows the server, hashed. The one formula both the sign-in
    binding (ui.connection_print, from the tab's WebSocket) and a file request (from its HTTP request) use."""
    return hashlib.sha256(f"{address or '-'}|{agent}".encode()).hexdigest()


@dataclass(frozen=True)
class Prepared:
    data: bytes
    file_name: str
    mime: str
    browser: str  # digest() of the browser cookie the tab's connection carried
    connection: str  # connection_print() of the tab's connection
    expires: float  # time.monotonic() deadline
    still_allowed: Callable[[], bool]  # the preparing session is still live (a database read)


class Store:
    """Prepared files by token. Thread-safe: script runs put, the server's event loop takes, timers expire."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS, max_kept: int = MAX_KEPT) -> None:
        self.keep_seconds = keep_seconds
        self.max_kept = max_kept
        self._files: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, data: bytes | str, *, file_name: str, mime: str, browser_cookie: str, connection: str,
            still_allowed: Callable[[], bool]) -> str:
        """Keep a file for one fetch; returns its token (32 random bytes: unguessable, never reused)."""
        if not browser_cookie:
            raise ValueError("a prepared file must be bound to a browser cookie")
        token = secrets.token_urlsafe(32)
        body = data.encode() if isinstance(data, str) else bytes(data)
        prepared = Prepared(body, file_name, mime, digest(browser_cookie), connection,
                            time.monotonic() + self.keep_seconds, still_allowed)
        with self._lock:
            self._sweep()
            self._files[token] = prepared
            while len(self._files) > self.max_kept:
                self._files.popitem(last=False)
        timer = threading.Timer(self.keep_seconds, self.discard, args=(token,))
        timer.daemon = True
        timer.start()
        return token

    def take(self, token: str) -> Prepared | None:
        """The file for `token`, removed from the store, or None when unknown or past its minute."""
        with self._lock:
            self._sweep()
            return self._files.pop(token, None)

    def discard(self, token: str) -> None:
        with self._lock:
            self._files.pop(token, None)

    def __contains__(self, token: object) -> bool:
        with self._lock:
            self._sweep()
            return token in self._files

    def __len__(self) -> int:
        with self._lock:
            self._sweep()
            return len(self._files)

    def _sweep(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self._files.items() if p.expires <= now]:
            del self._files[token]


STORE = Store()


def url_for(token: str, base_path: str = "") -> str:
    """The address of a prepared file, from the page (an absolute path on this server)."""
    base = "/" + base_path.strip("/") if base_path.strip("/") else ""
    return f"{base}{ROUTE}{token}"


def content_disposition(file_name: str) -> str:
    """attachment, with the name in the RFC 5987 form when it is not plain ASCII safe inside quotes."""
    if file_name.isascii() and file_name.isprintable() and not any(c in file_name for c in '"\\;'):
        return f'attachment; filename="{file_name}"'
    return f"attachment; filename*=utf-8''{quote(file_name, safe='')}"


def refused() -> Response:
    """The one answer to every refused request. In the agency's default language: the request comes with no
    session (and none is looked up for a refusal), so there is nobody's own choice to follow."""
    from starlette.responses import PlainTextResponse

    with i18n.using(i18n.default()):
        text = _(NOT_AVAILABLE)
    return PlainTextResponse(text, status_code=404, headers={"Cache-Control": "no-store"})


def check(prepared: Prepared | None, request: Request) -> bool:
    """Whether this request may have the file (the session check aside, which reads the database)."""
    if prepared is None:
        return False
    cookie = request.cookies.get(BROWSER_COOKIE)
    if not cookie or not hmac.compare_digest(digest(cookie), prepared.browser):
        return False
    host = request.client.host if request.client else None
    address = None if host in LOOPBACK else host
    shown = connection_print(address, request.headers.get("user-agent", ""))
    return hmac.compare_digest(shown, prepared.connection)


async def serve(request: Request, store: Store = STORE) -> Response:
    """GET /wp-file/<token>: the file, once, to the browser, connection and live session that prepared it."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    if request.method != "GET":  # a HEAD (Starlette adds it to GET routes) neither serves nor spends the file
        return refused()
    prepared = store.take(request.path_params.get("token", ""))
    if not check(prepared, request):
        return refused()
    assert prepared is not None
    try:
        live = await run_in_threadpool(prepared.still_allowed)
    except Exception:  # noqa: BLE001 - the database did not answer: no file rather than an unchecked one
        live = False
    if not live:
        return refused()
    return Response(prepared.data, media_type=prepared.mime, headers={
        "Content-Disposition": content_disposition(prepared.file_name),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",  # an HTML file opened from here runs nothing and reaches nothing
        "Referrer-Policy": "no-referrer",
    })
