"""Waypoint's web server: `streamlit run dashboard/serve.py` (./waypoint run does it).

Streamlit's public st.App runs dashboard/app.py exactly as `streamlit run dashboard/app.py` would (the same
uvicorn server, settings and flags), and adds two things of Waypoint's in front of Streamlit's own routes:

- dashboard/gate.py, the middleware that refuses what Waypoint does not use (/_stcore/metrics, uploads, /media/,
  the agent API, ...) and gives each browser the cookie a prepared file is bound to;
- /wp-file/<token>, where a prepared download is fetched once (dashboard/downloads.py).

Serving dashboard/app.py directly still works, but without either: the pages then refuse to prepare files.
`streamlit run` recognises this file by the `app = st.App(...)` line and imports it as a module of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts dashboard/ on the path, not the repository root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.routing import Route  # noqa: E402

from dashboard import downloads  # noqa: E402
from dashboard.gate import Gate  # noqa: E402


def routes() -> list[Route]:
    """Waypoint's own route, below server.baseUrlPath like Streamlit's."""
    base = st.get_option("server.baseUrlPath") or ""
    return [Route(downloads.url_for("{token}", base), downloads.serve, methods=["GET"])]


app = st.App(Path(__file__).resolve().parent / "app.py", routes=routes(), middleware=[Middleware(Gate)])
