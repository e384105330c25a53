"""Issue 15, item 3: the web app's own session id is no longer enough to take over a signed-in tab.

Before: a second connection presenting a signed-in tab's Streamlit session id (the third entry of the WebSocket's
Sec-WebSocket-Protocol header, which the browser holds and the server log printed) was attached to that session
and got the signed-in pages. Now the sign-in is bound to the connection's address and browser too: the replayed
id from elsewhere gets the sign-in page, the Waypoint session is ended on the server, and no id is in the log.
"""

from __future__ import annotations

import re

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from tests.browser.helpers import run_async
from tests.browser.test_security_protocol import ATTACKER, DESK, Tab

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class SniffingTab(Tab):
    """A Tab that notes the session id the server gives it, or presents one it was given."""

    def __init__(self, url: str, address: str, present: str | None = None) -> None:
        super().__init__(url, address)
        self.present, self.session_id = present, None

    async def __aenter__(self) -> SniffingTab:
        # The browser's own reconnect: subprotocol, XSRF token (any value will do for this), session id.
        protocols = ["streamlit", "x", self.present] if self.present else ["streamlit"]
        self._conn = connect(self.ws_url, subprotocols=protocols,  # type: ignore[arg-type]
                             max_size=None, additional_headers={"X-Forwarded-For": self.address},
                             ping_interval=None)
        ws = await self._conn.__aenter__()
        tab = self

        class Sniffer:
            async def send(self, data: bytes) -> None:
                await ws.send(data)

            async def recv(self) -> bytes:
                raw = await ws.recv()
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                if msg.WhichOneof("type") == "new_session" and msg.new_session.initialize.session_id:
                    tab.session_id = msg.new_session.initialize.session_id
                return raw

        self.ws = Sniffer()  # type: ignore[assignment]
        return self


def test_a_replayed_session_id_from_elsewhere_gets_the_sign_in_page(live_server, users):
    username, password = users["supervisor"]

    async def scenario() -> tuple[str, list[str], bool]:
        async with SniffingTab(live_server.url, DESK) as desk:
            run = await desk._send("sign-in page", page_hash="")
            desk.form = (desk._widget("text_input", "Username").id, desk._widget("text_input", "Password").id,
                         desk._widget("button", "Sign in").id)
            ok, _ = await desk.try_sign_in(username, password)
            assert ok and desk.session_id
            stolen = desk.session_id
            async with SniffingTab(live_server.url, ATTACKER, present=stolen) as thief:
                run = await thief._send("replay", page_hash="")
                return stolen, run.headings, thief.session_id == stolen

    stolen, headings, same_session = run_async(scenario())
    assert same_session  # Streamlit did attach the thief to the signed-in tab's session ...
    assert not any(h.startswith("Welcome") for h in headings), headings  # ... but no signed-in page came back
    assert any("Sign in to Waypoint" in h for h in headings), headings
    log = live_server.log_text()
    assert stolen not in log and not UUID.search(log), log[-2000:]


@pytest.fixture
def live_server_env() -> dict[str, str]:
    return {}
