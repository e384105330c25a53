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
from models.content.loader import Content
from models.rules import passwords
from models.services import audit
from models.services.accounts import bootstrap_user
from models.store.database import Database
from models.store.entities import (
    CONCERN_RANK,
    CONTACT_MODES,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    Client,
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
    contexts = [i.code for i in checklist.section("contexts").items]
    factors = [i.code for i in checklist.section("vulnerability").items]
    observed = [i for sec in checklist.checkin_sections() for i in sec.items]
    urgent = [i.code for i in observed if i.immediate]
    signs = [i.code for i in checklist.section("signs").items]
    reactions = [i.code for i in observed if i.code not in signs and not i.immediate]
    resources = [r.code for r in content.resources]
    used: set[str] = set()
    with db.writing() as s:
        for n in range(clients):
            # The first advocate carries the largest caseload, so the demo advocate has plenty to look at.
            advocate = advocates[0] if n % 5 in (0, 1) else rng.choice(advocates)
            opened = (now - timedelta(days=rng.randint(10, 365))).date()
            client = Client(code=_code(rng, used), advocate_id=advocate, status="open", opened_on=opened,
                            relationship_context=rng.choices(contexts, weights=[8] + [1] * (len(contexts) - 1))[0],
                            created_at=datetime.combine(opened, datetime.min.time()), created_by=advocate)
            client.factors = [ClientFactor(code=c) for c in rng.sample(factors, rng.randint(0, 3))]
            s.add(client)
            s.flush()
            _check_ins(s, db.notes, rng, client, checklist.version, signs, reactions, urgent, resources, now)
        audit.record(s, None, "demo_loaded", detail=f"{clients} synthetic clients", username="command line")
    return made


def _check_ins(s, notes: NoteCipher, rng: random.Random, client: Client, version: int, signs: list[str],  # type: ignore[no-untyped-def]
               reactions: list[str], urgent: list[str], resources: list[str], now: datetime) -> None:
    persistent = rng.sample(signs, rng.randint(2, min(7, len(signs))))
    improving = rng.random() < 0.6
    when = datetime.combine(client.opened_on, datetime.min.time()) + timedelta(hours=rng.randint(9, 17))
    overdue_client = rng.random() < 0.2
    closing = rng.random() < 0.1
    step = 0
    last: CheckIn | None = None
    while when < now - timedelta(days=(rng.randint(3, 20) if overdue_client else 0)):
        fade = max(0.15, 1 - 0.12 * step) if improving else 0.85
        items = {c for c in persistent if rng.random() < fade}
        items |= set(rng.sample(reactions, rng.randint(0, 3)))
        if rng.random() < 0.03:
            items.add(rng.choice(urgent))
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
        )
        if step == 0:
            client.first_sign_count = len(items)
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
            client.next_due_at = None
    else:
        client.next_due_at = datetime.combine(client.opened_on, datetime.min.time()) + timedelta(days=7)
