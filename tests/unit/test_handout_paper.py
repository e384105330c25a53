"""When paper is not safe to take home (issue 13, item 4): a version to memorise that is never printed, and a plain
card with one number written like an everyday contact; access checked and the card's download audited without
the name written on it."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.content.loader import single_revealing_words
from models.rules.permissions import Actor, PermissionDenied
from models.services.clients import open_client
from models.services.handout import (
    CARD_FILE_NAME,
    MEMORISE_MAX_NUMBERS,
    MEMORISE_MAX_STEPS,
    PAPER_CHOICES,
    PAPER_LABELS,
    MemoryVersion,
    build_reminder_card,
    card_name_problem,
    card_number_problem,
    card_numbers,
    memory_version,
    render_card,
)
from models.store.entities import AuditEvent, User


def make_user(db, username: str, role: str) -> Actor:  # type: ignore[no-untyped-def]
    with db.writing() as s:
        user = User(username=username, display_name=username.title(), role=role, password_hash="-",
                    created_at=utcnow())
        s.add(user)
        s.flush()
        return Actor(user.id, user.username, user.display_name, user.role)


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    return SimpleNamespace(ada=make_user(db, "ada", "advocate"), bo=make_user(db, "bo", "advocate"),
                           sam=make_user(db, "sam", "supervisor"), alex=make_user(db, "alex", "admin"))


@pytest.fixture
def client(db, people, content):  # type: ignore[no-untyped-def]
    return open_client(db, people.ada, content, relationship_context="contexts.intimate-partner", factors=[],
                       opened_on=utcnow().date() - timedelta(days=30)).code


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.at: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.at.append(tag)
        self.tags.append(tag)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self.at and self.at[-1] == tag:
            self.at.pop()

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if data.strip() and not (self.at and self.at[-1] == "style"):
            self.text.append(data.strip())


def test_the_three_answers_to_the_paper_question(content):
    assert PAPER_CHOICES == ("print", "memorise", "card")
    assert PAPER_LABELS["print"].startswith("Yes")
    assert "never printed" in PAPER_LABELS["memorise"] and "one number" in PAPER_LABELS["card"]


def test_the_version_to_memorise_uses_the_handout_wording_and_the_services_names(content):
    steps = ["while-staying.code-word", "leaving-day.location-off"]
    version = memory_version(content, steps, [content.resource("emergency-911"), content.resource("ndvh")])
    assert version.lines == tuple(content.guidance.step(s).handout for s in steps)
    # On screen only, never printed: the real name, so the client knows which line is for what.
    assert version.numbers == (("National Domestic Violence Hotline", "call 1-800-799-7233"),)  # 911: no learning
    assert single_revealing_words(" ".join(version.lines)) == []


def test_the_version_to_memorise_holds_only_what_was_chosen_and_stays_short(content):
    assert memory_version(content, [], []) == MemoryVersion((), ())  # nothing chosen, nothing listed
    every = content.guidance.all_codes()
    assert len(every) > MEMORISE_MAX_STEPS
    with pytest.raises(ValidationFailed) as err:
        memory_version(content, every, [])
    assert f"at most {MEMORISE_MAX_STEPS} things to remember ({len(every)} are chosen)" in \
        err.value.errors["memorise_steps"]
    four = [content.resource(c) for c in ("ndvh", "love-is-respect", "rainn", "childhelp")]
    with pytest.raises(ValidationFailed, match=f"at most {MEMORISE_MAX_NUMBERS} numbers"):
        memory_version(content, [], four)
    assert len(memory_version(content, every[:MEMORISE_MAX_STEPS], four[:3]).lines) == MEMORISE_MAX_STEPS


def test_the_card_holds_a_name_and_a_number_and_nothing_else():
    page = render_card("Dentist", "1-800-799-7233")
    parsed = _Page()
    parsed.feed(page)
    assert parsed.text == ["Dentist", "Dentist", "1-800-799-7233"]  # the tab title, then the card itself
    assert not {"h1", "h2", "a", "img", "script", "link"} & set(parsed.tags)


def test_only_full_numbers_to_call_and_not_911_can_go_on_a_card(content):
    codes = [r.code for r in card_numbers(content)]
    assert "emergency-911" not in codes and "pandoras-project" not in codes  # 911 needs no card; no phone
    # No everyday contact has a three-digit number: 988 and 211 would give the card away whatever the name.
    assert "lifeline-988" not in codes and "us-211" not in codes and "veterans-crisis-line" not in codes
    assert codes and all(content.resource(c).phone for c in codes)


def test_there_is_no_default_number_and_a_recognisable_one_needs_the_advocates_confirmation(content):
    assert card_number_problem(content, None) == "Choose one of the numbers listed for the card."
    assert "many people recognise" in card_number_problem(content, "ndvh")
    assert card_number_problem(content, "ndvh", recognisable_ok=True) is None
    assert card_number_problem(content, "love-is-respect") is None


@pytest.mark.parametrize("name, problem", [
    ("", "Write the name"),
    ("   ", "Write the name"),
    ("x" * 31, "30 characters"),
    ("Safe line", "“Safe”"),
    ("Shelter", "“Shelter”"),
    ("Hotline", "“Hotline”"),
    ("Jo\u0000", "special characters"),
    ("Support", "sound like a service"),
    ("Talk line", "sound like a service"),
    ("Help", "sound like a service"),
    ("Hope", "sound like a service"),
    ("Counsellor", "sound like a service"),
    ("Friend's place", "would tell someone"),  # staying somewhere else
    ("Jo 2", "Leave digits out"),
    ("988", "Leave digits out"),
    ("!!", "in letters"),
])
def test_a_name_that_is_missing_too_long_or_gives_the_card_away_is_refused(name, problem):
    found = card_name_problem(name)
    assert found is not None and problem in found


def test_everyday_names_are_fine():
    for name in ("Dentist", "Jo", "Pharmacy", "Aunt May", "Hair appointment", "Garage", "Caroline"):
        assert card_name_problem(name) is None, name


def test_the_card_is_built_and_audited_without_the_name(db, people, content, client):
    made = build_reminder_card(db, people.ada, content, client, resource_code="love-is-respect", name="  Pharmacy ")
    assert made.file_name == CARD_FILE_NAME == "contact.html" and made.numbers == 1 and made.steps == 0
    assert "Pharmacy" in made.html and "1-866-331-9474" in made.html
    assert client not in made.html and "love is respect" not in made.html and "LOVEIS" not in made.html
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "handout_created")).one()
    assert event.target == client and event.detail == "reminder card"  # not which line, not the name


def test_a_bad_card_is_refused_before_anything_is_recorded(db, people, content, client):
    with pytest.raises(ValidationFailed) as err:
        build_reminder_card(db, people.ada, content, client, resource_code="emergency-911", name="Shelter")
    assert set(err.value.errors) == {"card_number", "card_name"}
    with pytest.raises(ValidationFailed, match="many people recognise"):  # not without the advocate's confirmation
        build_reminder_card(db, people.ada, content, client, resource_code="ndvh", name="Dentist")
    with pytest.raises(ValidationFailed):
        build_reminder_card(db, people.ada, content, client, resource_code="lifeline-988", name="Dentist",
                            recognisable_ok=True)  # 988 is never a card number
    with pytest.raises(ValidationFailed):
        build_reminder_card(db, people.ada, content, client, resource_code=["ndvh"], name="Jo")  # type: ignore[arg-type]
    with db.reading() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "handout_created")).all() == []


def test_only_the_clients_advocate_or_a_supervisor_may_make_a_card(db, people, content, client):
    assert build_reminder_card(db, people.sam, content, client, resource_code="ndvh", name="Jo",
                               recognisable_ok=True).numbers == 1
    for actor in (people.bo, people.alex):
        with pytest.raises(PermissionDenied):
            build_reminder_card(db, actor, content, client, resource_code="love-is-respect", name="Jo")
    with db.reading() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.action == "handout_created",
                                                    AuditEvent.outcome == "denied")).all()
    assert len(denied) == 2
