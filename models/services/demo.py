"""Synthetic demo data: made-up clients and a year of check-ins, so a new install has something to show.

Nothing here is about a real person. Demo accounts get random passwords, printed once when loaded.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.base.timeutil import utcnow
from models.content.loader import Checklist, Content
from models.rules import passwords
from models.services import audit, trend_summary
from models.services.accounts import bootstrap_user
from models.services.clients import CLOSING_REASONS
from models.store.database import Database
from models.store.entities import (
    CONCERN_RANK,
    CONTACT_MODES,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    Client,
    ClientClosure,
    ClientFactor,
)
from models.store.note_cipher import NoteCipher

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEMO_ACCOUNTS = (
    ("admin", "Alex Admin (demo)", "admin"),
    ("supervisor", "Sam Supervisor (demo)", "supervisor"),
    ("advocate", "Ada Advocate (demo)", "advocate"),
    ("advocate2", "Bo Advocate (demo)", "advocate"),
    ("advocate3", "Cy Advocate (demo)", "advocate"),
)
NEXT_DUE_DAYS = {"low": 14, "moderate": 7, "high": 3, "immediate": 1}
# The demo's year spans a checklist change: the current version came into use this many days ago, and check-ins
# before then were recorded on the version before it, without the items it added. So the trends show the change
# as it happens in a real install, and a new item is never "observed" before it was on the form.
VERSION_CHANGE_DAYS_AGO = 120
DEMO_NOTES = (
    "Talked through what helps on the hard evenings.",
    "Went over the plan for the weekend and who to call.",
    "Mostly wanted to be listened to today.",
    "Said things had been calmer this week; still watching for the pattern.",
    "Asked about support groups; shared the options we have.",
    "Short call, will follow up as planned.",
    "",
    "",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str


class DemoRefused(RuntimeError):
    """Demo data goes only into an empty database, so it can never mix with real records."""


def _code(rng: random.Random, used: set[str]) -> str:
    while True:
        raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
        code = f"{raw[:3]}-{raw[3:]}"
        if code not in used:
            used.add(code)
            return code


def load_demo(db: Database, content: Content, *, clients: int = 60, seed: int | None = None,
              now: datetime | None = None) -> list[DemoAccount]:
    if not db.is_empty():
        raise DemoRefused("The database already has accounts; demo data is only loaded into an empty database.")
    rng = random.Random(seed)
    now = now or utcnow()
    made = []
    ids: dict[str, int] = {}
    for username, display, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        while passwords.problem(password, username=username, display_name=display):  # a name by chance
            password = secrets.token_urlsafe(12)
        ids[username] = bootstrap_user(db, username=username, display_name=display, role=role, password=password)
        made.append(DemoAccount(username, role, password))
    advocates = [ids[u] for u, _, r in DEMO_ACCOUNTS if r == "advocate"]
    checklist = content.checklist
    changed_at = now - timedelta(days=VERSION_CHANGE_DAYS_AGO)
    resources = [r.code for r in content.resources]
    used: set[str] = set()
    with db.writing() as s:
        for n in range(clients):
            # The first advocate carries the largest caseload, so the demo advocate has plenty to look at.
            advocate = advocates[0] if n % 5 in (0, 1) else rng.choice(advocates)
            opened = (now - timedelta(days=rng.randint(10, 365))).date()
            # Intake answers come from the checklist in use on the day the file was opened.
            at_intake = version_on(checklist, datetime.combine(opened, datetime.min.time()), changed_at)
            contexts = [i.code for i in checklist.section("contexts").items if i.added_in <= at_intake]
            factors = [i.code for i in checklist.section("vulnerability").items if i.added_in <= at_intake]
            client = Client(code=_code(rng, used), advocate_id=advocate, status="open", opened_on=opened,
                            relationship_context=rng.choices(contexts, weights=[8] + [1] * (len(contexts) - 1))[0],
                            created_at=datetime.combine(opened, datetime.min.time()), created_by=advocate)
            client.factors = [ClientFactor(code=c) for c in rng.sample(factors, rng.randint(0, 3))]
            s.add(client)
            s.flush()
            with trend_summary.track(s, [client.id]):
                _check_ins(s, db.notes, rng, client, checklist, changed_at, resources, now)
        audit.record(s, None, "demo_loaded", detail=f"{clients} synthetic clients", username="command line")
    return made


def version_on(checklist: Checklist, when: datetime, changed_at: datetime) -> int:
    """The checklist version the demo records for a check-in at `when`: the current one from `changed_at`, the one
    before it earlier (version 1 stays version 1)."""
    return checklist.version if when >= changed_at else max(1, checklist.version - 1)


def _check_ins(s, notes: NoteCipher, rng: random.Random, client: Client, checklist: Checklist,  # type: ignore[no-untyped-def]
               changed_at: datetime, resources: list[str], now: datetime) -> None:
    observed = [i for sec in checklist.checkin_sections() for i in sec.items]
    urgent = [i.code for i in observed if i.immediate]
    signs = [i.code for i in checklist.section("signs").items]
    reactions = [i.code for i in observed if i.code not in signs and not i.immediate]
    persistent = rng.sample(signs, rng.randint(2, min(7, len(signs))))
    improving = rng.random() < 0.6
    when = datetime.combine(client.opened_on, datetime.min.time()) + timedelta(hours=rng.randint(9, 17))
    overdue_client = rng.random() < 0.2
    closing = rng.random() < 0.1
    # A file that closes had its last check-in some weeks before now, so it can close with a reason; the gap and
    # the reason come from a generator seeded by the code, so the same seed still makes the same demo.
    own = random.Random(client.code)
    stop = now - timedelta(days=own.randint(10, 90) if closing else 0)
    # The language each conversation is held in, from a generator of its own so the rest of the demo stays as it
    # was: mostly English, a fifth Spanish (some through an interpreter), a few Vietnamese or Chinese with one.
    spoken = random.Random(f"{client.code}:language")
    speaks = spoken.choices(("en", "es", "vi", "zh"), weights=(70, 22, 5, 3))[0]
    through_interpreter = speaks in ("vi", "zh") or (speaks == "es" and spoken.random() < 0.3)
    if speaks == "es":
        client.preferred_language = "es"
    step = 0
    last: CheckIn | None = None
    while when < min(stop, now - timedelta(days=(rng.randint(3, 20) if overdue_client else 0))):
        version = version_on(checklist, when, changed_at)
        fade = max(0.15, 1 - 0.12 * step) if improving else 0.85
        items = {c for c in persistent if rng.random() < fade}
        items |= set(rng.sample(reactions, rng.randint(0, 3)))
        if rng.random() < 0.03:
            items.add(rng.choice(urgent))
        items = {c for c in items if checklist.on_version(c, version)}  # only what that version's form asked
        base = len(items) + rng.randint(-1, 2)
        concern = "low" if base <= 2 else "moderate" if base <= 4 else "high"
        if rng.random() < 0.03:
            concern = "immediate"
        next_due = when + timedelta(days=NEXT_DUE_DAYS[concern])
        check_in = CheckIn(
            client_id=client.id, advocate_id=client.advocate_id, occurred_at=when,
            contact_mode=rng.choice(CONTACT_MODES), checklist_version=version,
            harm_contact=rng.choice(("none", "some", "frequent", "lives-with", "unknown")), concern=concern,
            concern_rank=CONCERN_RANK[concern], safety_planning=rng.random() < 0.4, sign_count=len(items),
            needs_attention=concern == "immediate" or bool(items & set(urgent)),
            note=notes.encrypt(rng.choice(DEMO_NOTES)),
            next_due_at=next_due, submission_key=uuid.uuid4().hex, created_at=when, seq=step + 1,
            conversation_language=speaks, interpreter=through_interpreter,
        )
        if step == 0:
            client.first_sign_count = len(items)
            client.first_checklist_version = version
        check_in.items = [CheckInItem(code=c) for c in sorted(items)]
        if resources and rng.random() < 0.3:
            check_in.referrals = [CheckInReferral(resource_code=r, accepted=rng.random() < 0.5)
                                  for r in rng.sample(resources, rng.randint(1, 2))]
        s.add(check_in)
        last = check_in
        step += 1
        gap = NEXT_DUE_DAYS[concern] + rng.randint(-1, 6)
        when = when + timedelta(days=max(1, gap), hours=rng.randint(-2, 2))
    if last is not None:
        client.next_due_at = last.next_due_at
        if closing and last.occurred_at < now - timedelta(days=7):
            client.status = "closed"
            client.closed_on = (last.occurred_at + timedelta(days=3)).date()
            client.closed_reason = own.choices(list(CLOSING_REASONS), weights=[5, 3, 3, 1, 2, 1])[0]
            client.next_due_at = None
            s.add(ClientClosure(client_id=client.id, advocate_id=client.advocate_id, closed_on=client.closed_on,
                                reason=client.closed_reason, closed_by=client.advocate_id,
                                created_at=datetime.combine(client.closed_on, datetime.min.time())))
    else:
        client.next_due_at = datetime.combine(client.opened_on, datetime.min.time()) + timedelta(days=7)
