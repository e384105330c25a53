"""Fill a database fast with synthetic clients and check-ins, for benchmarks at a statewide scale.

SQLite gets one transaction of executemany; PostgreSQL gets COPY. Rows are made-up, like the demo.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import Content
from models.services.auth import hash_password
from models.services.trend_summary import rebuild
from models.store.database import Database
from models.store.entities import CONCERN_LEVELS, CONCERN_RANK, CONTACT_MODES, HARM_CONTACT, Client, User

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECK_IN_COLUMNS = ("id", "client_id", "advocate_id", "occurred_at", "contact_mode", "checklist_version",
                    "harm_contact", "concern", "concern_rank", "safety_planning", "sign_count", "needs_attention",
                    "note", "next_due_at", "submission_key", "version", "created_at", "seq")
PASSWORD = "benchmark password"


def _copy_or_insert(db: Database, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:
    count = 0
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.backend == "postgresql":
            cur.execute("SET statement_timeout = 0")  # a million rows take longer than the app's 30 s per statement
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join("?" for _ in columns)
            batch: list[tuple] = []
            cur.execute("BEGIN IMMEDIATE")
            for row in rows:
                batch.append(row)
                if len(batch) >= 50_000:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                    count += len(batch)
                    batch.clear()
            if batch:
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                count += len(batch)
            cur.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()
    return count


def bulk_load(db: Database, content: Content, *, clients: int = 10_000, check_ins: int = 1_000_000,
              per_advocate: int = 60, seed: int = 7, now: datetime | None = None,
              summaries: bool = True) -> dict[str, float]:
    """Advocates with `per_advocate` clients each and `check_ins` spread over the last year. The rows go in around
    the services, so the trend summaries are then rebuilt from them (in WAYPOINT_TIME_ZONE), as the app would on
    start; `summaries=False` leaves them unbuilt (trends read the records)."""
    rng = random.Random(seed)
    now = now or utcnow()
    started = time.perf_counter()
    checklist = content.checklist
    observed = [i for sec in checklist.checkin_sections() for i in sec.items]
    urgent = {i.code for i in observed if i.immediate}
    codes = [i.code for i in observed]
    contexts = [i.code for i in checklist.section("contexts").items]
    advocates = max(1, clients // per_advocate)
    pw = hash_password(PASSWORD)
    with db.writing() as s:
        s.execute(insert(User), [
            {"username": f"bench{n:04d}", "display_name": f"Bench Advocate {n}", "role": "advocate",
             "password_hash": pw, "active": True, "failed_attempts": 0, "must_change_password": False,
             "created_at": now}
            for n in range(advocates)
        ])
        s.execute(insert(User), [{"username": "benchsup", "display_name": "Bench Supervisor", "role": "supervisor",
                                  "password_hash": pw, "active": True, "failed_attempts": 0,
                                  "must_change_password": False, "created_at": now}])
        first_user = s.query(User.id).filter(User.username == "bench0000").scalar()
    per_client = check_ins // clients

    def items_of(cid: int) -> list[str]:
        # Derived from the id alone, so the check-in row and its item rows agree without holding both.
        r = random.Random(seed * 1_000_003 + cid)
        picked = r.sample(codes, r.randint(0, 6))
        return [c for c in picked if c not in urgent or r.random() < 0.05]

    used: set[str] = set()
    client_rows = []
    for n in range(clients):
        while True:
            raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
            code = f"{raw[:3]}-{raw[3:]}"
            if code not in used:
                used.add(code)
                break
        opened = now - timedelta(days=366 + rng.randint(0, 30))
        client_rows.append({"id": n + 1, "code": code, "advocate_id": first_user + n % advocates, "status": "open",
                            "opened_on": opened.date(), "relationship_context": rng.choice(contexts),
                            "next_due_at": now + timedelta(days=rng.randint(-20, 14)), "created_at": opened,
                            "first_sign_count": len(items_of(n * per_client + 1)) if per_client else None,
                            "first_checklist_version": checklist.version if per_client else None})
    with db.writing() as s:
        s.execute(insert(Client), client_rows)
    span = timedelta(days=365).total_seconds()

    step = span / max(per_client, 1)

    def facts_of(cid: int) -> tuple[dict, datetime, str, random.Random]:
        # Derived from the id alone, so check-in, item and referral rows agree without holding a million rows.
        r = random.Random(seed * 3_000_017 + cid)
        n, k = divmod(cid - 1, per_client)
        at = now - timedelta(seconds=span - k * step - r.random() * step * 0.5)
        return client_rows[n], at, CONCERN_LEVELS[min(3, int(r.random() ** 2 * 4))], r

    total = per_client * len(client_rows)

    def check_in_rows() -> Iterator[tuple]:
        for cid in range(1, total + 1):
            c, at, concern, r = facts_of(cid)
            its = items_of(cid)
            yield (cid, c["id"], c["advocate_id"], at, r.choice(CONTACT_MODES), checklist.version,
                   r.choice(HARM_CONTACT), concern, CONCERN_RANK[concern], r.random() < 0.4, len(its),
                   concern == "immediate" or any(i in urgent for i in its), "", at + timedelta(days=7),
                   uuid.UUID(int=r.getrandbits(128)).hex, 1, at, (cid - 1) % per_client + 1)

    made = _copy_or_insert(db, "check_ins", CHECK_IN_COLUMNS, check_in_rows())
    loaded_check_ins = time.perf_counter()
    copied = ("occurred_at", "client_id", "advocate_id", "concern")

    def item_rows() -> Iterator[tuple]:
        for cid in range(1, made + 1):
            c, at, concern, _ = facts_of(cid)
            for code in items_of(cid):
                yield (cid, code, at, c["id"], c["advocate_id"], concern)

    items = _copy_or_insert(db, "check_in_items", ("check_in_id", "code", *copied), item_rows())
    resources = [r.code for r in content.resources]

    def referral_rows() -> Iterator[tuple]:
        # About one check-in in four offers one or two resources; about half are taken up.
        for cid in range(1, made + 1):
            r = random.Random(seed * 7_000_003 + cid)
            if resources and r.random() < 0.25:
                c, at, concern, _ = facts_of(cid)
                for code in r.sample(resources, r.randint(1, 2)):
                    yield (cid, code, r.random() < 0.5, at, c["id"], c["advocate_id"], concern)

    referrals = _copy_or_insert(db, "check_in_referrals", ("check_in_id", "resource_code", "accepted", *copied),
                                referral_rows())
    if db.backend == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('check_ins_id_seq', (SELECT max(id) FROM check_ins))")
            conn.exec_driver_sql("SELECT setval('clients_id_seq', (SELECT max(id) FROM clients))")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    loaded = time.perf_counter()
    built = rebuild(db, Settings.from_env().time_zone) if summaries else None
    return {"clients": clients, "check_ins": made, "items": items, "referrals": referrals, "advocates": advocates,
            "seconds_check_ins": loaded_check_ins - started, "seconds_total": loaded - started,
            "seconds_summaries": built["seconds"] if built else 0.0}
