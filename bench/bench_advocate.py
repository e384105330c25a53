"""Advocate benchmark: save a check-in, open a 60-client caseload and a 100-check-in timeline at scale.

    .venv/bin/python -m bench.bench_advocate --clients 10000 --check-ins 1000000 --saves 300

Prints a table; targets: save p95 < 50 ms, caseload and timeline < 300 ms. Saves are timed with the trend
summaries kept in step (as the app runs) and again without them (no state row), on the same database.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from bench.bulk import PASSWORD, bulk_load
from bench.common import fresh_database, machine, median, p, timings
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.services.caseload import caseload
from models.services.checkins import CheckInForm, client_timeline, record_check_in
from models.services.trend_summary import ensure_built, rebuild
from models.store.database import Database
from models.store.entities import CheckIn, Client, TrendSummaryState, User
from models.store.migrate import upgrade_database


@contextmanager
def _database(backend: str, args: argparse.Namespace, content, workdir: Path) -> Iterator[tuple[Database, dict]]:  # type: ignore[no-untyped-def]
    """A bulk-loaded database (trend summaries built), or a copy of --sqlite-copy-of (built here if need be)."""
    if backend == "sqlite" and args.sqlite_copy_of:
        path = workdir / "copy.db"
        shutil.copyfile(args.sqlite_copy_of, path)
        db = Database(f"sqlite:///{path}")
        try:
            upgrade_database(db)
            started = time.perf_counter()
            ensure_built(db, Settings.from_env().time_zone)
            with db.reading() as s:
                n = s.scalar(select(func.count()).select_from(CheckIn)) or 0
            yield db, {"check_ins": n, "seconds_total": 0.0, "seconds_summaries": time.perf_counter() - started}
        finally:
            db.dispose()
        return
    with fresh_database(backend, workdir, args.pg_url) as db:
        yield db, bulk_load(db, content, clients=args.clients, check_ins=args.check_ins)


def _summaries_off(db: Database) -> None:
    """No state row: saves leave the trend summaries alone, as before they existed."""
    with db.writing() as s:
        s.execute(delete(TrendSummaryState))


def run(backend: str, args: argparse.Namespace, content, workdir: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    with _database(backend, args, content, workdir) as (db, loaded):
        with db.reading() as s:
            user = s.scalars(select(User).where(User.username == "bench0000")).one()
            codes = list(s.scalars(select(Client.code).where(Client.advocate_id == user.id)))
        actor = Actor(user.id, user.username, user.display_name, "advocate")
        rng = random.Random(1)
        observed = [i.code for sec in content.checklist.checkin_sections() for i in sec.items if not i.immediate]
        counter = iter(range(10**9))

        def save() -> None:
            n = next(counter)
            record_check_in(db, actor, content, CheckInForm(
                client=rng.choice(codes), occurred_at=utcnow() - timedelta(minutes=1), contact_mode="phone",
                harm_contact="some", concern=rng.choice(["low", "moderate", "high"]),
                items=rng.sample(observed, 4), note="Went over the plan for the weekend."),
                submission_key=f"bench-{backend}-{n:08d}")

        saves = timings(save, args.saves, warmup=5)  # summaries kept in step (bulk_load built them)
        _summaries_off(db)
        saves_off = timings(save, args.saves, warmup=5)
        rebuilt = rebuild(db, Settings.from_env().time_zone)  # back on, for the pages
        caseload_page, timeline_page = _pages(db.url, codes[0], args.runs) if args.pages else (0.0, 0.0)
        load = timings(lambda: caseload(db, actor), args.runs)
        line = timings(lambda: client_timeline(db, actor, content, codes[0]), args.runs)
        return {"loaded": loaded["check_ins"], "load_s": loaded["seconds_total"], "caseload_n": len(codes),
                "save_p50": p(saves, 0.5), "save_p95": p(saves, 0.95),
                "off_p50": p(saves_off, 0.5), "off_p95": p(saves_off, 0.95),
                "build_s": loaded["seconds_summaries"], "rebuild_s": rebuilt["seconds"],
                "caseload_ms": median(load), "caseload_p95": p(load, 0.95),
                "timeline_ms": median(line), "timeline_p95": p(line, 0.95),
                "timeline_n": len(client_timeline(db, actor, content, codes[0]).check_ins),
                "caseload_page": caseload_page, "timeline_page": timeline_page}


def _pages(db_url: str, code: str, runs: int) -> tuple[float, float]:
    """Median ms of the caseload and timeline pages as Streamlit runs them (AppTest), signed in as the advocate."""
    from streamlit.testing.v1 import AppTest

    os.environ["WAYPOINT_DATABASE_URL"] = db_url
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    at.text_input(key="signin_username").input("bench0000")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("views/caseload.py").run()
    caseload_ms = median(timings(lambda: at.run(), runs))
    at.switch_page("views/client.py").run()
    at.selectbox(key="tl_code").select(code).run()
    if at.exception or not at.get("vega_lite_chart"):
        raise SystemExit(f"the timeline page did not render: {at.exception}")
    timeline_ms = median(timings(lambda: at.run(), runs))
    return caseload_ms, timeline_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--check-ins", type=int, default=1_000_000)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("WAYPOINT_TEST_PG_URL"))
    parser.add_argument("--sqlite-copy-of", default=None, metavar="FILE",
                        help="SQLite: copy this bulk-loaded database instead of loading one")
    parser.add_argument("--no-pages", dest="pages", action="store_false",
                        help="leave out the two pages run in AppTest")
    args = parser.parse_args()
    settings = Settings.from_env()
    content = load_content(settings.content_dir, settings.resource_packs)
    print(f"Machine: {machine()}")
    print(f"Data: {args.clients:,} clients, {args.check_ins:,} check-ins; {args.saves} saves, {args.runs} runs")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            r = run(backend, args, content, Path(tmp))
            rows.append((backend, r))
            print(f"  {backend}: loaded {r['loaded']:,} check-ins in {r['load_s']:.0f} s; trend summaries built in "
                  f"{r['build_s']:.1f} s, rebuilt in {r['rebuild_s']:.1f} s", flush=True)
    print()
    print("| backend | save p50 | save p95 | without summaries p50 / p95 | caseload (60 clients) median / p95 "
          "| timeline (100 check-ins) median / p95 | caseload page (AppTest) | timeline page (AppTest) |")
    print("|---|---|---|---|---|---|---|---|")
    for backend, r in rows:
        print(f"| {backend} | {r['save_p50']:.1f} ms | {r['save_p95']:.1f} ms | "
              f"{r['off_p50']:.1f} / {r['off_p95']:.1f} ms | "
              f"{r['caseload_ms']:.1f} / {r['caseload_p95']:.1f} ms ({r['caseload_n']} clients) | "
              f"{r['timeline_ms']:.1f} / {r['timeline_p95']:.1f} ms ({r['timeline_n']} check-ins) | "
              f"{r['caseload_page']:.0f} ms | {r['timeline_page']:.0f} ms |")
    print("Targets: save p95 < 50 ms; caseload and timeline < 300 ms.")


if __name__ == "__main__":
    main()
