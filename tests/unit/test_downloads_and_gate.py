"""Issue 15, items 2 and 9, in the pieces: the store of prepared files (dashboard/downloads.py) and the gate's
route decisions (dashboard/gate.py). Over HTTP against a real server: tests/browser/test_security_server.py."""

from __future__ import annotations

import time

import pytest

from dashboard import downloads, gate
from dashboard.downloads import Store
from tests.unit.helpers import run_async


def _put(store: Store, data: bytes | str = b"a,b\n1,2\n", cookie: str = "the browser's cookie") -> str:
    return store.put(data, file_name="f.csv", mime="text/csv", browser_cookie=cookie, connection="print",
                     still_allowed=lambda: True)


def test_each_preparation_gets_its_own_unguessable_token_even_for_the_same_file():
    store = Store()
    tokens = {_put(store) for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) >= 43 for t in tokens)  # 32 random bytes each


def test_a_file_is_taken_once():
    store = Store()
    token = _put(store, "text")
    taken = store.take(token)
    assert taken is not None and taken.data == b"text" and taken.browser == downloads.digest("the browser's cookie")
    assert store.take(token) is None and token not in store


def test_the_store_keeps_only_a_digest_of_the_cookie_and_refuses_a_file_without_one():
    store = Store()
    assert "the browser's cookie" not in repr(store.take(_put(store)))
    with pytest.raises(ValueError):
        _put(store, cookie="")


def test_a_file_past_its_time_is_never_handed_out(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(downloads.time, "monotonic", lambda: now[0])
    store = Store(keep_seconds=60)
    token = _put(store)
    now[0] += 61
    assert store.take(token) is None


def test_a_file_is_dropped_after_its_time_without_any_request_or_run():
    """Before: a file left unfetched stayed served until the tab's next script run, however long that took."""
    store = Store(keep_seconds=0.05)
    token = _put(store)
    deadline = time.monotonic() + 10
    while token in store._files and time.monotonic() < deadline:  # the raw dict: no sweep by looking
        time.sleep(0.02)
    assert token not in store._files


def test_the_oldest_files_go_first_past_the_limit():
    store = Store(max_kept=3)
    tokens = [_put(store) for _ in range(5)]
    assert [t in store for t in tokens] == [False, False, True, True, True]


def test_a_head_request_neither_serves_nor_spends_the_file():
    store = Store()
    token = _put(store)

    class Head:
        method = "HEAD"
        path_params = {"token": token}

    answer = run_async(downloads.serve(Head(), store))  # type: ignore[arg-type]
    assert answer.status_code == 404 and token in store


@pytest.mark.parametrize(("name", "header"), [
    ("waypoint-trends-20260101-20260131.csv", 'attachment; filename="waypoint-trends-20260101-20260131.csv"'),
    ('a"b.csv', "attachment; filename*=utf-8''a%22b.csv"),
    ("café.html", "attachment; filename*=utf-8''caf%C3%A9.html"),
    ("x\r\nSet-Cookie: y.csv", "attachment; filename*=utf-8''x%0D%0ASet-Cookie%3A%20y.csv"),
])
def test_the_file_name_cannot_break_out_of_its_header(name, header):
    assert downloads.content_disposition(name) == header


def test_the_address_of_a_file_follows_the_base_path():
    assert downloads.url_for("T") == "/wp-file/T"
    assert downloads.url_for("T", "/waypoint/") == "/waypoint/wp-file/T"


@pytest.mark.parametrize(("path", "refused"), [
    ("/_stcore/health", False), ("/_stcore/host-config", False), ("/_stcore/stream", False),
    ("/", False), ("/trends", False), ("/static/js/index.js", False), ("/wp-file/abc", False),
    ("/_stcore/metrics", True), ("/_stcore/upload_file/s/f", True), ("/_stcore/agent/mcp", True),
    ("/_stcore/script-health-check", True), ("/_stcore/health/", True), ("/_stcore/anything-new", True),
    ("/media/x.csv", True), ("/component/c/index.html", True), ("/app/static/x.png", True),
    ("/auth/login", True), ("/oauth2callback", True), ("/media", True),
])
def test_the_gate_lets_through_only_what_the_page_needs(path, refused):
    assert gate.refused(path) is refused


@pytest.mark.parametrize("path", ["/auth/login", "/auth/logout", "/oauth2callback"])
def test_st_login_routes_open_only_with_an_identity_provider(path):
    assert gate.refused(path) and not gate.refused(path, identity_provider=True)
    assert gate.refused("/auth/anything-else", identity_provider=True)


def test_the_gate_reads_paths_below_the_base_path():
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        raise AssertionError("the gate let it through")

    guarded = gate.Gate(app, base_path="/waypoint/")
    assert guarded._below_base("/waypoint/_stcore/metrics") == "/_stcore/metrics"
    assert guarded._below_base("/waypoint") == "/"
    assert guarded._below_base("/elsewhere/_stcore/metrics") is None
    sent: list[dict[str, object]] = []

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    run_async(guarded({"type": "http", "path": "/waypoint/_stcore/metrics", "method": "GET", "headers": []},
                        None, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 404
