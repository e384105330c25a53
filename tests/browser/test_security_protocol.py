"""Issue 15 at the protocol level: what a stranger can do with Streamlit's WebSocket and HTTP routes, spoken
directly with bench/load.py's protocol code (no browser), against a real server on this test's database.

The server trusts X-Forwarded-For from loopback (uvicorn's FORWARDED_ALLOW_IPS default, as behind a local
proxy), so one test process can be an attacker at one address and a person at another.
"""

from __future__ import annotations

import random
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.Alert_pb2 import Alert
from websockets.asyncio.client import connect

from bench.load import AppError, Person, Stats
from tests.browser.helpers import run_async

REPO_ROOT = Path(__file__).resolve().parents[2]
ATTACKER, DESK = "203.0.113.66", "198.51.100.7"
FLOOD = 30


class Tab(Person):
    """One connection from `address`, as the browser speaks it."""

    def __init__(self, url: str, address: str) -> None:
        super().__init__(url.replace("http", "ws", 1) + "/_stcore/stream", "", "", Stats(), random.Random(1),
                         (0.0, 0.0), 60.0)
        self.address = address

    async def __aenter__(self) -> Tab:
        self._conn = connect(self.ws_url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                             additional_headers={"X-Forwarded-For": self.address}, ping_interval=None)
        self.ws = await self._conn.__aenter__()
        await self._send("sign-in page", page_hash="")
        self.form = (self._widget("text_input", "Username").id, self._widget("text_input", "Password").id,
                     self._widget("button", "Sign in").id)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._conn.__aexit__(None, None, None)

    async def try_sign_in(self, username: str, password: str) -> tuple[bool, str]:
        user, pw, button = self.form
        try:
            run = await self._send("sign in", widgets=[(user, "string_value", username),
                                                       (pw, "string_value", password),
                                                       (button, "trigger_value", True)])
        except AppError as exc:
            return False, str(exc)
        return any(h.startswith("Welcome") for h in run.headings), " ".join(t for f, t in run.alerts
                                                                             if f == Alert.ERROR)


def test_a_sign_in_flood_neither_locks_the_person_out_nor_holds_up_their_sign_in(live_server, users):
    """Before: 30 wrong passwords from the attacker locked Ada for 15 minutes (her right password from her desk
    was refused), and each attempt queued on the one argon2 lock. Now only the attacker's address waits: every
    failure is counted under the attacker's address, nothing under Ada's desk, so no wait can fall on her."""
    from sqlalchemy import select

    from models.services import auth
    from models.store.entities import SignInThrottle, User
    from tests.browser.helpers import database

    username, password = users["advocate"]

    async def scenario() -> tuple[bool, bool]:
        async with Tab(live_server.url, DESK) as desk:
            ok, _ = await desk.try_sign_in(username, password)  # her usual address: known from now on
            assert ok
        async with Tab(live_server.url, ATTACKER) as attacker:
            for n in range(FLOOD):
                ok, said = await attacker.try_sign_in(username if n % 2 else "nobody", "a wrong guess at it")
                assert not ok and ("did not work" in said or "are paused for" in said)
            attacker_with_password, _ = await attacker.try_sign_in(username, password)
        async with Tab(live_server.url, DESK) as desk:
            ok, _ = await desk.try_sign_in(username, password)
        return ok, attacker_with_password

    ok, attacker_in = run_async(scenario())
    assert ok, "Ada could not sign in from her desk after the flood"
    assert not attacker_in  # the attacker's own address waits, even with the right password
    with database(live_server.database_url) as db, db.reading() as s:
        ada = s.scalars(select(User.id).where(User.username == username)).one()
        counted = {row.key: row.failures for row in s.scalars(select(SignInThrottle)) if row.failures}
    at_attacker, at_desk = auth._keys(ATTACKER, ada), auth._keys(DESK, ada)
    # The attacker's address and Ada's account from there are counted (and the unknown name, under its own key).
    assert {at_attacker.address, at_attacker.account_address, at_attacker.account} <= counted.keys()
    assert counted[at_attacker.account] < auth.ACCOUNT_CEILING  # the account-wide ceiling never came near
    assert at_desk.address not in counted and at_desk.account_address not in counted  # nothing can hold Ada back
    assert "sign_in_throttled" not in live_server.log_text()  # nothing of it in the server log either


def test_what_streamlit_exposes_without_signing_in(live_server):
    """Streamlit has no switch for these routes; Waypoint's gate (dashboard/gate.py) refuses them in front of
    Streamlit. Every route is checked one by one in tests/browser/test_security_server.py."""
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(live_server.url + "/_stcore/metrics", timeout=10)
    assert refused.value.code == 404 and b"session" not in refused.value.read()
    config = (REPO_ROOT / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 0\n" in config  # the second line: any upload stating a length is refused


def test_a_clear_cache_message_from_a_stranger_changes_nothing_waypoint_keeps(live_server, users):
    """Streamlit clears its caches for any connection that asks; Waypoint's own context is not in them."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    username, password = users["advocate"]

    async def scenario() -> bool:
        async with Tab(live_server.url, ATTACKER) as stranger:
            msg = BackMsg()
            msg.clear_cache = True
            await stranger.ws.send(msg.SerializeToString())
        async with Tab(live_server.url, DESK) as desk:
            ok, _ = await desk.try_sign_in(username, password)
        return ok

    assert run_async(scenario())


@pytest.fixture
def live_server_env() -> dict[str, str]:
    return {"WAYPOINT_LOCKOUT_ATTEMPTS": "3"}
