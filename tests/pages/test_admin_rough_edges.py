"""The admin pages read right: counts in the right number, only live sessions counted, columns wide enough."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.store.entities import AuthSession
from tests.pages.helpers import open_page, sign_in, texts

pytestmark = pytest.mark.pages


def test_counts_take_the_right_number():
    from dashboard.ui import counted

    assert [counted(n, "open session") for n in (0, 1, 2)] == ["0 open sessions", "1 open session",
                                                               "2 open sessions"]
    assert counted(1200, "cell is", "cells are") == "1,200 cells are"


def test_open_sessions_are_live_ones_and_counted_in_words(app, db, people):
    sign_in(app(), "ada")
    sign_in(app(), "ada")  # two tabs; then one of them closed without signing out and left to idle out
    with db.writing() as s:
        first = s.scalars(select(AuthSession).where(AuthSession.user_id == people["advocate"])
                          .order_by(AuthSession.id)).first()
        first.last_seen_at -= timedelta(minutes=16)
    at = open_page(app, "alex", "accounts")
    assert "ada (Ada Advocate)" in at.selectbox(key="admin_target").options
    at.selectbox(key="admin_target").set_value(people["advocate"]).run()
    assert "ada has 1 open session now." in [c.value for c in at.caption]
    # She signs in once more after the admin's page was drawn: the choice holds and the click ends both (the
    # count was in the option's label, so a new count made a new widget and the click did nothing: walk, issue 19).
    sign_in(app(), "ada")
    at.button(key="admin_end_sessions").click().run()
    assert "Ended 2 open sessions of ada." in texts(at)


def test_status_and_detail_columns_are_given_room(app, people):
    sign_in(app(), "ada", "not the password at all")
    # Every column sized, all of them within the page's 820 px at 1280 (issue 17: no sideways scrolling).
    for page in (open_page(app, "alex", "accounts"), open_page(app, "alex", "sign_ins")):
        columns = json.loads(page.dataframe[0].proto.columns)
        widths = [columns[name].get("width") for name in page.dataframe[0].value.columns]
        assert all(isinstance(w, int) for w in widths) and sum(widths) <= 820, columns
