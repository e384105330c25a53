"""The labelled corpus of advocate notes: well-formed, and the screening meets its targets on it.

Targets (issue 14): recall of names >= 95% and of every other kind >= 98%, and at most 2% of the notes with no
identifier get any finding. `bench/bench_screening.py` prints the same figures per split, beside a peer.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from bench.bench_screening import CORPUS, evaluate, load_corpus, waypoint_screen
from models.base.timeutil import utcnow
from models.rules.permissions import Actor
from models.rules.screening import KINDS, NAME, screen_note
from models.services.checkins import CheckInForm, NoteHasIdentifiers, record_check_in, screening_allowances
from models.services.clients import open_client
from models.store.entities import User

NOTES = load_corpus()
RECALL_NAMES = 0.95
RECALL_OTHERS = 0.98
FALSE_ALARMS = 0.02


def test_the_corpus_is_well_formed():
    assert CORPUS.name == "screening-corpus.jsonl"
    ids = [n["id"] for n in NOTES]
    assert len(ids) == len(set(ids)) >= 500
    for note in NOTES:
        assert set(note) == {"id", "split", "text", "spans"}, note["id"]
        assert note["split"] in ("tune", "held") and note["text"] == note["text"].strip() and note["text"]
        previous_end = 0
        for span in sorted(note["spans"], key=lambda s: s["start"]):
            assert set(span) == {"start", "end", "kind", "text"}, note["id"]
            assert span["kind"] in KINDS, note["id"]
            assert previous_end <= span["start"] < span["end"] <= len(note["text"]), note["id"]
            assert note["text"][span["start"]:span["end"]] == span["text"], note["id"]
            assert span["text"] == span["text"].strip(), note["id"]
            previous_end = span["end"]


def test_the_corpus_is_broad():
    clean = [n for n in NOTES if not n["spans"]]
    held = [n for n in NOTES if n["split"] == "held"]
    assert len(clean) >= len(NOTES) / 3
    assert 0.15 <= len(held) / len(NOTES) <= 0.25
    kinds = {s["kind"] for n in NOTES for s in n["spans"]}
    assert kinds == set(KINDS)
    assert sum(s["kind"] == NAME for n in NOTES for s in n["spans"]) >= 150
    assert sum(s["text"].islower() for n in NOTES for s in n["spans"] if s["kind"] == NAME) >= 10


@pytest.fixture(scope="module")
def result(content):
    return evaluate(NOTES, waypoint_screen(content))


@pytest.mark.parametrize("kind", KINDS)
def test_recall_meets_the_target(result, kind):
    score = result.scores[kind]
    target = RECALL_NAMES if kind == NAME else RECALL_OTHERS
    assert score.recall is not None and score.recall >= target, (score.recall, score.missed)


def test_few_notes_without_identifiers_get_a_finding(result):
    assert result.false_alarm_rate <= FALSE_ALARMS, result.flagged_ids


# --------------------------------------------------------------------------- the save path (both backends)


@pytest.fixture
def advocate_and_client(db, content):
    with db.writing() as s:
        user = User(username="ada", display_name="Ada", role="advocate", password_hash="-", created_at=utcnow())
        s.add(user)
        s.flush()
        actor = Actor(user.id, user.username, user.display_name, user.role)
    context = content.checklist.section("contexts").items[0].code
    code = open_client(db, actor, content, relationship_context=context, factors=[],
                       opened_on=utcnow().date() - timedelta(days=30)).code
    return actor, code


def test_the_save_path_refuses_and_keeps_what_the_screening_says(db, content, advocate_and_client):
    """Every corpus note through the check-in service: refused exactly when the screening finds something,
    otherwise stored and read back unchanged (accents, quotes and all)."""
    actor, code = advocate_and_client
    allowances = screening_allowances(content)
    saved = refused = 0
    for note in NOTES:
        expected = screen_note(note["text"], **allowances)
        form = CheckInForm(client=code, occurred_at=utcnow().replace(microsecond=0) - timedelta(hours=1),
                           contact_mode="phone", harm_contact="some", concern="moderate", note=note["text"])
        try:
            view = record_check_in(db, actor, content, form, submission_key=uuid.uuid4().hex)
        except NoteHasIdentifiers as failed:
            assert [(f.start, f.end, f.kind) for f in failed.findings] == [
                (f.start, f.end, f.kind) for f in expected], note["id"]
            refused += 1
        else:
            assert expected == [] and view.note == note["text"], note["id"]
            saved += 1
    clean = sum(1 for n in NOTES if not n["spans"])
    assert saved >= clean * (1 - FALSE_ALARMS) and refused >= len(NOTES) - clean - 5
