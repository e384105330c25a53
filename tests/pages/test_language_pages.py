"""Languages in the pages: the sign-in page's choice, a person's own language, and a made-up language ("qps",
tests/pseudo.py) in which any text that bypassed the catalogs and content files shows up."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from models.base import i18n
from models.base.settings import REPO_ROOT
from models.services import account_admin
from tests import pseudo
from tests.pages.helpers import PEOPLE, actor, open_page, sign_in, texts

# Proto fields that hold words people read. "value" is left out: it is what a person typed or picked.
READ_FIELDS = {"body", "label", "help", "placeholder", "options", "text", "caption", "title", "formattedValue",
               "description", "cssClass"} - {"cssClass"}


def _strings(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in READ_FIELDS:
                if isinstance(value, str):
                    out.append(value)
                elif isinstance(value, list):
                    out.extend(v for v in value if isinstance(v, str))
            else:
                _strings(value, out)
    elif isinstance(node, list):
        for value in node:
            _strings(value, out)


def shown(at: AppTest) -> list[str]:
    """Every text an element or block of the page gives people to read (labels, options, help, bodies)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "type", None) != "html":  # markup and scripts, not words
            _strings(MessageToDict(proto), out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def _lang_attribute(at: AppTest) -> str | None:
    for element in at.get("html"):
        found = re.search(r"documentElement\.lang = \"(\w+)\"", str(element.proto.body))
        if found:
            return found.group(1)
    return None


# --- Spanish ---------------------------------------------------------------------------------------------------

def test_the_sign_in_page_offers_every_language_and_the_choice_carries_into_the_session(app, people):
    at = app().run()
    choice = at.get("button_group")[0]
    assert choice.label == "Language · Idioma"  # findable by someone who reads no English
    assert at.title[0].value == "Sign in to Waypoint"
    assert _lang_attribute(at) == "en"
    choice.set_value("es").run()
    assert at.title[0].value == "Iniciar sesión en Waypoint"
    assert _lang_attribute(at) == "es"
    assert at.text_input(key="signin_username").label == "Nombre de usuario"
    sign_in(at, "ada")  # an account with no language of its own keeps the one it signed in with
    assert not at.exception
    assert "Cerrar sesión" in [b.label for b in at.sidebar.button]
    assert _lang_attribute(at) == "es"


def test_a_person_s_own_language_is_saved_on_their_account(app, people, db):
    at = open_page(app, "ada", "password")
    assert at.title[0].value == "Your account"
    at.selectbox(key="account_language").set_value("es").run()
    assert not at.exception
    assert at.title[0].value == "Su cuenta"
    assert "Guardado. Waypoint ahora muestra sus páginas en español." in texts(at)
    again = open_page(app, "ada", "home")  # a new browser: the account's language, from the first page
    assert "Cerrar sesión" in [b.label for b in again.sidebar.button]
    other = open_page(app, "sam", "home")  # nobody else's
    assert "Sign out" in [b.label for b in other.sidebar.button]


# --- the made-up language: nothing bypasses the catalogs ------------------------------------------------------

# Data, not words: client codes, people's names and usernames, numbers, dates and times (qps writes dates the
# English way), file names, units. Anything else with letters outside ⟦…⟧ came from the code without a catalog.
_ALLOWED = re.compile(
    r"[A-Z0-9]{3}-[A-Z0-9]{3}|" + "|".join(re.escape(name) for pair in PEOPLE.values() for name in pair)
    + r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\b(?:UTC|AM|PM|CSV|PDF|TTY|ASL)\b"
    r"|:[a-z]+(?:-[a-z]+)?\[|\bWaypoint\b|\b(?:English|Español|Pseudo)\b|:material/\w+:|https?://\S+|\S+\.(?:csv|pdf|html|png)\b|`[^`]*`")


def _language_names() -> re.Pattern[str]:
    """The conversation languages' names, which qps takes from Babel's English data like any locale would."""
    with i18n.using(pseudo.CODE):
        names = sorted({i18n.conversation_name(c) for c in i18n.conversation_languages() if c != i18n.OTHER},
                       key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names))


def leaks(at: AppTest) -> list[str]:
    found = []
    names = _language_names()
    for text in shown(at):
        text = names.sub(" ", text)
        if text.startswith("Language · "):  # the sign-in choice's label is in every language at once
            continue
        rest = _ALLOWED.sub(" ", pseudo.outside(text))
        if re.search(r"[^\W\d_]{2,}", rest):
            found.append(text)
    return sorted(set(found))


@pytest.fixture
def qps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people) -> Path:  # type: ignore[no-untyped-def]
    """The app reading a content folder with qps added; every test account reads qps."""
    folder = pseudo.build(REPO_ROOT / "content", tmp_path / "content")
    monkeypatch.setenv("WAYPOINT_CONTENT_DIR", str(folder))
    i18n.load(folder)
    return folder


def _role_pages(role: str) -> list[str]:
    from dashboard.ui import PAGES
    from models.rules.permissions import Actor

    who = Actor(0, "x", "x", role)
    return [spec.key for spec in PAGES if spec.allowed(who)]


PSEUDO_PAGES = [(role, page) for role in ("advocate", "supervisor", "admin") for page in _role_pages(role)]


@pytest.mark.parametrize(("role", "page"), PSEUDO_PAGES)
def test_every_text_of_the_page_comes_from_a_catalog_or_a_content_file(app, people, db, qps, content, role, page):
    """Every page of every role, with a client and a check-in to show, read in the made-up language."""
    from tests.pages.helpers import advocate_client

    code = advocate_client(db, content, people, items=["signs.self-blame"], conversation_language="vi",
                           interpreter=True)
    account_admin.set_own_language(db, actor(people, role), pseudo.CODE)
    username = PEOPLE[role][0]
    at = open_page(app, username, page, **({"code": code} if page in ("client", "check_in") else {}))
    assert not at.exception
    assert leaks(at) == [], json.dumps(leaks(at), ensure_ascii=False, indent=1)
    assert any(pseudo.OPEN in t for t in shown(at))  # the language was really in use


def test_the_sign_in_page_in_the_made_up_language(app, qps):
    at = app().run()
    at.get("button_group")[0].set_value(pseudo.CODE).run()
    assert not at.exception
    assert leaks(at) == [], json.dumps(leaks(at), ensure_ascii=False)


# --- the conversation's language on the check-in form --------------------------------------------------------

def test_a_check_in_records_the_language_spoken_and_an_interpreter_in_either_interface_language(app, people, db,
                                                                                                content):
    from models.store.entities import CheckIn
    from tests.pages.helpers import advocate_client, fill_check_in

    code = advocate_client(db, content, people)
    i18n.load(REPO_ROOT / "content")
    account_admin.set_own_language(db, actor(people), "es")
    at = open_page(app, "ada", "check_in")
    assert at.selectbox(key="ci_lang").label == "Idioma de la conversación"
    assert "vietnamita" in at.selectbox(key="ci_lang").options
    fill_check_in(at, code)
    # AppTest formats options in the test's own thread, where no session says the language: say it here.
    with i18n.using("es"):
        at.selectbox(key="ci_lang").set_value("vi")
        at.button_group(key="ci_interp").set_value("yes")
        at.button(key="ci_save").click().run()
    assert not at.exception
    with db.reading() as s:
        row = s.query(CheckIn).one()
        assert (row.conversation_language, row.interpreter) == ("vi", True)
