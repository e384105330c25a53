"""Helpers for the AppTest page tests: sign in and open a page, seed the test's database, fill the check-in form.

`sign_in`, `texts`, PASSWORD and PEOPLE live in tests/pages/conftest.py, next to the `app` and `people` fixtures
that go with them; they are imported here too, so a page test takes every helper from this one module. The
database is seeded with the builders of tests/unit/helpers.py, as the unit tests do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

from models.content.loader import Content
from models.rules.permissions import Actor
from models.store.database import Database
from tests.pages.conftest import PASSWORD, PEOPLE, sign_in, texts
from tests.unit.helpers import check_in, count_rows, demo_passwords, make_account, new_client

__all__ = ["PASSWORD", "PEOPLE", "actor", "advocate_client", "check_in", "count_rows", "demo_passwords",
           "fill_check_in", "make_account", "new_client", "open_page", "sign_in", "texts"]


def open_page(app: Callable[[], AppTest], username: str, page: str, password: str = PASSWORD,
              **query: str) -> AppTest:
    """A new session signed in as `username`, switched to views/<page>.py (with `query` as its query
    parameters) and run once."""
    at = sign_in(app(), username, password)
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(f"views/{page}.py").run()
    return at


def actor(people: dict[str, int], role: str = "advocate") -> Actor:
    """The `people` fixture's account for `role` as the services see it."""
    username, display_name = PEOPLE[role]
    return Actor(people[role], username, display_name, role)


def advocate_client(db: Database, content: Content, people: dict[str, int], *, days_ago: int | None = 30,
                    **check_in_fields: Any) -> str:
    """The code of a new client of the advocate (ada), opened `days_ago` days ago (None: today). Given any
    `check_in_fields`, the client also has one check-in with them, an hour ago (see tests/unit/helpers.py for the
    rest of the form)."""
    ada = actor(people)
    code = new_client(db, ada, content, days_ago=days_ago).code
    if check_in_fields:
        check_in(db, ada, content, code, **check_in_fields)
    return code


def fill_check_in(at: AppTest, code: str | None = None, *, sign: str | None = None, note: str | None = None,
                  mode: str = "phone", harm: str = "some", concern: str = "moderate") -> None:
    """Fill the check-in form without running the script: the client (when given), how they were in contact,
    contact with the person causing harm and the level of concern; tick `sign` and type `note` when given."""
    if code is not None:
        at.selectbox(key="ci_client").select(code)
    at.button_group(key="ci_mode").set_value(mode)
    at.radio(key="ci_harm").set_value(harm)
    at.radio(key="ci_concern").set_value(concern)
    if sign is not None:
        at.checkbox(key=f"ci_item_{sign}").check()
    if note is not None:
        at.text_area(key="ci_note").input(note)
