"""The discreet handout: the chosen steps and numbers, a plain title and headings, nothing that names the client,
the agency or the app, self-contained and printable; access checked and the download audited with counts only."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.content.loader import _REVEALING
from models.rules.permissions import PermissionDenied
from models.services.handout import (
    FILE_NAME,
    MAX_PRINTED_NUMBERS,
    build_handout,
    numbers_problem,
    plain_label,
    render_html,
    suggested_numbers,
)
from models.services.safety_plans import update_safety_plan
from models.store.entities import AuditEvent
from tests.unit.helpers import check_in

STEPS = {"while-staying.trusted-people": True, "after-leaving.support-network": True, "preparing.documents": True}
PRINTED = ("while-staying.trusted-people", "after-leaving.support-network")

class _Page(HTMLParser):
    """The parts a passer-by sees first (title and headings), and every text, link and script on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[str] = []
        self.headings: list[str] = []
        self.title = ""
        self.text: list[str] = []
        self.outside: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.at.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.outside.append(value)
        if tag in ("script", "img", "link", "iframe"):
            self.outside.append(tag)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self.at and self.at[-1] == tag:
            self.at.pop()

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self.at or self.at[-1] == "style":
            return
        if self.at[-1] == "title":
            self.title += data
        elif self.at[-1] in ("h1", "h2", "h3"):
            self.headings.append(data)
        self.text.append(data)


def _parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    return parsed


def test_the_handout_holds_the_chosen_steps_and_numbers_and_is_audited(db, people, content, client):
    update_safety_plan(db, people.ada, content, client, STEPS)
    made = build_handout(db, people.ada, content, client, resource_codes=["emergency-911", "love-is-respect"])
    assert made.file_name == FILE_NAME == "things-to-remember.html"
    assert made.steps == 2 and made.numbers == 2 and made.not_printed == 1
    for code in PRINTED:
        assert content.guidance.step(code).handout.replace('"', "&quot;") in made.html
    assert content.guidance.step("preparing.documents").handout not in made.html  # no wording is safe on paper
    # Plain names: one way to reach each line, the number to call, no keyword or TTY beside it; 911 keeps its name.
    assert "1-866-331-9474" in made.html and "call 911" in made.html and "Number 1" in made.html
    assert "LOVEIS" not in made.html and "22522" not in made.html and "TTY" not in made.html
    assert content.guidance.step("preparing.bag-ready").handout not in made.html  # not chosen, not shown
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "handout_created")).one()
    assert event.target == client and event.detail is None and event.outcome == "ok"


def test_a_stranger_could_not_tell_what_it_is_for(db, people, content, client):
    update_safety_plan(db, people.ada, content, client, {code: True for code in content.guidance.all_codes()})
    made = build_handout(db, people.ada, content, client,
                         resource_codes=["emergency-911", "love-is-respect", "eldercare-locator"])
    page = _parse(made.html)
    assert page.title == "Things to remember"
    assert page.headings == ["Things to remember", "Useful numbers", "My notes"]  # no stage headings
    for seen_first in [page.title, *page.headings, made.file_name]:
        assert not _REVEALING.search(seen_first.replace("-", " ")), seen_first
    body = " ".join(page.text)
    assert client not in made.html and client.replace("-", "") not in made.html
    for giveaway in ("Waypoint", "abuse", "violence", "domestic", "hotline", "shelter", "victim", "trafficking",
                     "safety plan", "advocate", "Ada", "24 hours", "Monday", ".gov", "https", "www"):
        assert giveaway.lower() not in body.lower(), giveaway
    for r in content.resources:  # plain names, not the services' names
        assert r.name not in body, r.name
    assert page.outside == []  # no scripts, images, fonts or links to fetch: nothing leaves a trace online


def test_it_prints_cleanly(content):
    page = render_html(content, ["while-staying.code-word"], [content.resource("ndvh")])
    assert "@media print" in page and ".hint { display: none; }" in page
    assert page.startswith("<!doctype html>") and '<meta charset="utf-8">' in page


def test_full_names_only_when_asked(content):
    ndvh = content.resource("ndvh")
    assert ndvh.name in render_html(content, [], [ndvh], full_names=True)
    assert ndvh.name not in render_html(content, [], [ndvh])
    assert plain_label(ndvh) == "Support line"


def test_plain_names_are_told_apart(content):
    labels = [plain_label(r) for r in content.resources]
    assert len(labels) == len(set(labels))


def test_texting_911_is_not_printed_without_its_caveat(content):
    page = render_html(content, [], [content.resource("emergency-911")])
    assert "call 911" in page and "text 911" not in page


def test_an_empty_handout_and_unknown_numbers_are_refused(db, people, content, client):
    with pytest.raises(ValidationFailed, match="would be empty"):
        build_handout(db, people.ada, content, client, resource_codes=[])
    update_safety_plan(db, people.ada, content, client, {"preparing.bag-ready": True})
    with pytest.raises(ValidationFailed, match="would be empty"):  # a plan of unprintable steps prints nothing
        build_handout(db, people.ada, content, client, resource_codes=["pandoras-project"])  # web only
    with pytest.raises(ValidationFailed, match="not in the resource list"):
        build_handout(db, people.ada, content, client, resource_codes=["nope"])
    with db.reading() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "handout_created")).all() == []


def test_suggested_numbers_are_the_danger_lines_and_what_was_offered(db, people, content, client):
    check_in(db, people.ada, content, client, harm_contact="some", referrals_offered=["love-is-respect"],
             submission_key="suggested-1")
    assert suggested_numbers(db, people.ada, content, client) == ["emergency-911", "ndvh", "love-is-respect"]


def test_a_supervisor_may_print_one_but_another_advocate_and_an_admin_may_not(db, people, content, client):
    update_safety_plan(db, people.ada, content, client, STEPS)
    assert build_handout(db, people.sam, content, client, resource_codes=["love-is-respect"]).steps == 2
    for actor in (people.bo, people.alex):
        with pytest.raises(PermissionDenied):
            build_handout(db, actor, content, client, resource_codes=["love-is-respect"])
    with db.reading() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.action == "handout_created",
                                                    AuditEvent.outcome == "denied")).all()
    assert len(denied) == 2
    assert all(e.detail and not re.search(r"\d{3}-\d{3}", e.detail) for e in denied)


# --------------------------------------------------------------------------- the numbers on paper


def test_no_web_address_and_no_hours_are_ever_printed(content):
    web_only = [r for r in content.resources if not (r.phone or r.text or r.tty)]
    assert web_only  # womenslaw.org, Pandora's Project
    every = [*web_only, content.resource("trans-lifeline"), content.resource("eldercare-locator")]
    seen = " ".join(_parse(render_html(content, [], every)).text)
    assert not re.search(r"https?:|www\.|\.(org|com|net|gov)\b", seen), seen
    assert "translifeline" not in seen and "womenslaw" not in seen.lower()
    assert "24 hours" not in seen and "Monday" not in seen and "Limited hours" not in seen
    assert "1-877-565-8860" in seen  # the number itself still goes on


def test_at_most_three_numbers_go_on_the_handout(db, people, content, client):
    four = ["emergency-911", "love-is-respect", "eldercare-locator", "childhelp"]
    with pytest.raises(ValidationFailed) as err:
        build_handout(db, people.ada, content, client, resource_codes=four)
    assert f"at most {MAX_PRINTED_NUMBERS} numbers" in err.value.errors["numbers"] and "(4 are chosen)" in \
        err.value.errors["numbers"]
    assert MAX_PRINTED_NUMBERS == 3
    assert build_handout(db, people.ada, content, client, resource_codes=four[:3]).numbers == 3


def test_a_recognisable_number_is_left_off_unless_the_advocate_confirms_it(db, people, content, client):
    assert numbers_problem(content, ["ndvh"]) is not None
    with pytest.raises(ValidationFailed, match="many people recognise as a help line"):
        build_handout(db, people.ada, content, client, resource_codes=["emergency-911", "ndvh"])
    made = build_handout(db, people.ada, content, client, resource_codes=["emergency-911", "ndvh"],
                         recognisable_ok=True)
    assert "1-800-799-7233" in made.html
    with pytest.raises(ValidationFailed):  # only a real True confirms it
        build_handout(db, people.ada, content, client, resource_codes=["ndvh"], recognisable_ok="yes")  # type: ignore[arg-type]



def test_plain_names_are_numbered_and_give_one_way_to_call(db, people, content, client):
    update_safety_plan(db, people.ada, content, client, STEPS)
    made = build_handout(db, people.ada, content, client, resource_codes=["emergency-911", "ndvh", "love-is-respect"],
                         recognisable_ok=True)
    for word in ("Support line", "Talk line", "Community line", "START", "88788", "TTY", "1-800-787-3224"):
        assert word not in made.html
    assert "Number 1" in made.html and "Number 2" in made.html and "Emergency" in made.html
    assert content.guidance.step("while-staying.when-to-call-911").handout not in made.html  # said aloud, not printed
