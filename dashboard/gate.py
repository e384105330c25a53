"""What Waypoint's web server answers, decided in front of Streamlit's own routes (issue 15, item 9).

Streamlit 1.67 serves routes Waypoint never uses, and offers no switch for most of them: /_stcore/metrics tells
anyone how many sessions are open, /_stcore/upload_file takes files from any tab, /media/ hands out whatever a
page put there to anyone with the address, the agent API's three routes answer (even switched off), and st.login's
routes and custom-component files are served. Streamlit's public st.App (dashboard/serve.py) takes ASGI
middleware that runs before all of them; this one lets through only what the Waypoint page needs:

- under /_stcore/: health (the proxy's check), host-config (read by the page on load) and the stream WebSocket;
  every other /_stcore/ path, including any a later Streamlit adds, is a 404;
- /media/, /component/, /app/static/, /auth/ and /oauth2callback: a 404 (a WebSocket there is closed), except
  st.login's three routes when the agency configured its identity provider (dashboard/sso.py);
- everything else (the page itself, its scripts and styles, /wp-file/) goes on to Streamlit or Waypoint's route.

It also gives each browser the HttpOnly cookie a prepared file is bound to (dashboard/downloads.py) on the
page's own load. tests/browser/test_security_server.py lists every route Streamlit registers and checks each
answer, so an upgrade that adds one fails there until it is decided.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from dashboard.downloads import BROWSER_COOKIE, ROUTE

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

STCORE_SERVED = frozenset({"/_stcore/health", "/_stcore/host-config", "/_stcore/stream"})
REFUSED_PREFIXES = ("/_stcore/", "/media/", "/component/", "/app/static/", "/auth/")
REFUSED_EXACT = frozenset({"/_stcore", "/media", "/component", "/app/static", "/auth", "/oauth2callback"})
# st.login's own routes, served only when the agency configured its identity provider (docs/accounts.md).
IDENTITY_ROUTES = frozenset({"/auth/login", "/auth/logout", "/oauth2callback"})
# Paths that are never the page: no browser cookie is handed out with them.
NOT_THE_PAGE = ("/_stcore/", "/static/", ROUTE)


def refused(path: str, *, identity_provider: bool = False) -> bool:
    """Whether Waypoint refuses `path` (the path below server.baseUrlPath) for every method and for WebSockets."""
    if path in STCORE_SERVED or (identity_provider and path in IDENTITY_ROUTES):
        return False
    return path in REFUSED_EXACT or path.startswith(REFUSED_PREFIXES)


class Gate:
    """Pure ASGI middleware: refuse what Waypoint does not use, give the page its browser cookie."""

    def __init__(self, app: ASGIApp, base_path: str | None = None, identity_provider: bool | None = None) -> None:
        self.app = app
        if identity_provider is None:
            from dashboard.sso import configured

            identity_provider = configured()
        self.identity_provider = identity_provider
        if base_path is None:
            from streamlit import config

            base_path = config.get_option("server.baseUrlPath") or ""
        stripped = base_path.strip("/")
        self.base = "/" + stripped if stripped else ""

    def _below_base(self, path: str) -> str | None:
        if not self.base:
            return path
        if path == self.base or path.startswith(self.base + "/"):
            return path[len(self.base):] or "/"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = self._below_base(scope["path"])
        if path is not None and refused(path, identity_provider=self.identity_provider):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})  # before accept: the handshake gets a 403
                return
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        if (scope["type"] == "http" and scope.get("method") == "GET" and path is not None
                and not path.startswith(NOT_THE_PAGE) and not _has_cookie(scope)):
            await self.app(scope, receive, _with_cookie(send, secure=scope.get("scheme") == "https"))
            return
        await self.app(scope, receive, send)


def _has_cookie(scope: Scope) -> bool:
    from starlette.requests import HTTPConnection

    return bool(HTTPConnection(scope).cookies.get(BROWSER_COOKIE))


def _with_cookie(send: Send, *, secure: bool) -> Send:
    """`send`, adding the browser cookie to the response: random, HttpOnly, sent only to this site."""
    value = secrets.token_urlsafe(32)
    cookie = f"{BROWSER_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
        await send(message)

    return sending
