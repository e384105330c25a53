"""The load script (bench/load.py) run briefly against a real server, so a Streamlit upgrade or a renamed field
that would break it shows up here rather than on the day someone needs the figures.

It needs a server, not a browser: it speaks Streamlit's WebSocket protocol itself. It lives with the browser
tests for the `live_server` fixture.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.browser.conftest import REPO_ROOT, LiveServer


def test_three_simulated_people_sign_in_browse_and_save_without_errors(live_server: LiveServer, database_url: str,
                                                                      tmp_path: Path):
    out = tmp_path / "load.json"
    # As its own process, the way people run it (and away from Playwright's event loop in this one). It inherits
    # the tests' note key, which is the server's.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH"))
                                                       if p)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", "--url", live_server.url, "--database-url", database_url,
         "--sessions", "3", "--seconds", "12", "--ramp", "1", "--think", "0.2,0.6", "--clients-per-advocate", "4",
         "--check-ins-per-client", "3", "--page-timeout", "60", "--json", str(out), "--fail-on-error"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())["levels"][0]
    assert result["errors"] == {}, result["error_samples"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["signed_in"] == 3 and result["held"] == 3
    kinds = result["kinds"]
    assert kinds["sign in"]["n"] == 3
    assert sum(k["n"] for name, k in kinds.items() if name not in ("sign in", "sign-in page")) >= 6
    # Every save the app confirmed is in the database once.
    assert result["check_in_rows_added"] == result["check_ins_saved"]
