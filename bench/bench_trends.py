"""Supervisor benchmark: the trends page at each period it offers, as the data grows.

    .venv/bin/python -m bench.bench_trends                       # 100k and 1M check-ins (10k clients), 5M (50k)
    .venv/bin/python -m bench.bench_trends --sizes 1000000:10000 --backends sqlite
    .venv/bin/python -m bench.bench_trends --sizes 100000:10000 --naive   # also the naive pandas baseline

For each backend and size (check-ins:clients, spread over the last year) it loads the data in bulk, builds the
trend summaries (models/services/trend_summary.py, timed), then measures:
  (a) each period the page offers, at the service (median of --runs): from the summaries (what the page does) and,
      up to --records-max check-ins, from the records (what it did before the summaries, same data, same machine);
  (b) the trends page as it opens, rendered by Streamlit's AppTest as a signed-in supervisor: uncached (its
      one-minute cache cleared before each run) and warm (cached);
  (c) with --naive, the same figures the naive way (tables read into pandas) and the peak memory each adds.
Targets (issue 19): the page's default view under 300 ms; a quarter under 500 ms and a year under 1 s, uncached, on
both backends, at 1M check-ins.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench import naive_trends
from bench.bulk import PASSWORD, bulk_load
from bench.common import fresh_database, machine
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.services import trend_summary
from models.services.attention import needs_attention
from models.services.periods import Period, fiscal_year_of, month_of, quarter_of, so_far, year_to_date
from models.services.trends import TrendFilter, preset, trends
from models.store.entities import User

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def _median_ms(fn: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None) -> float:
    out = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return statistics.median(out)


def _peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak / 1024 / 1024


def _page(db_url: str, runs: int) -> tuple[float, float]:
    """Median ms of the trends page in AppTest: uncached, then warm."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["WAYPOINT_DATABASE_URL"] = db_url
    os.environ["WAYPOINT_MFA_REQUIRED"] = "none"  # the bench supervisor has no authenticator app; timing the page
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input(key="signin_username").input("benchsup")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("views/trends.py").run()
    if at.exception or not at.get("vega_lite_chart"):
        raise SystemExit(f"the trends page did not render: {at.exception}")
    uncached = _median_ms(lambda: at.run(), runs, before=st.cache_data.clear)
    warm = _median_ms(lambda: at.run(), runs)
    return uncached, warm


def presets(today: date, fy_start: int) -> dict[str, Period]:
    """The periods the Trends page offers, as they stand today."""
    return {
        "4 weeks": preset("4 weeks", today),
        "month so far": so_far(month_of(today), today),
        "last month": month_of(today).previous(),
        "quarter so far": so_far(quarter_of(today), today),
        "last quarter": quarter_of(today).previous(),
        "year to date": year_to_date(today),
        "fiscal year so far": so_far(fiscal_year_of(today, fy_start), today),
        "last fiscal year": fiscal_year_of(today, fy_start).previous(),
    }


def run(backend: str, size: int, clients: int, args: argparse.Namespace, content, workdir: Path  # type: ignore[no-untyped-def]
        ) -> dict[str, Any]:
    with fresh_database(backend, workdir, args.pg_url) as db:
        loaded = bulk_load(db, content, clients=clients, check_ins=size, summaries=False)
        settings = Settings()
        zone, fy_start, k = settings.time_zone, settings.fiscal_year_start, settings.suppression_min
        started = time.perf_counter()
        built = trend_summary.rebuild(db, zone)
        build_s = time.perf_counter() - started
        with db.reading() as s:
            sup = s.scalars(select(User).where(User.username == "benchsup")).one()
        actor = Actor(sup.id, sup.username, sup.display_name, "supervisor")
        today = utcnow().date()
        periods: dict[str, dict[str, float]] = {}
        for name, period in presets(today, fy_start).items():
            f = TrendFilter(period, zone=zone)
            report = trends(db, actor, content, f, k=k)  # the database's own caches warm, as on a server
            if report.read_from != "summaries":
                raise SystemExit(f"{name}: read from {report.read_from}, not the summaries")
            row = {"summaries": _median_ms(lambda f=f: trends(db, actor, content, f, k=k), args.runs)}
            if size <= args.records_max:
                row["records"] = _median_ms(lambda f=f: trends(db, actor, content, f, k=k, summaries=False),
                                            max(1, min(3, args.runs)))
            periods[name] = row
            print(f"    {name}: " + ", ".join(f"{key} {ms:,.0f} ms" for key, ms in row.items()), flush=True)
        f = TrendFilter(so_far(quarter_of(today), today), zone=zone)
        queries = trends(db, actor, content, f, k=k).timings
        attention = _median_ms(lambda: needs_attention(db, actor), 3)
        page_uncached, page_warm = _page(db.url, args.runs)
        out = {"backend": backend, "check_ins": loaded["check_ins"], "clients": clients,
               "load_s": loaded["seconds_total"], "build_s": build_s, "built": built, "periods": periods,
               "queries": queries, "attention_ms": attention, "page_ms": page_uncached, "page_warm_ms": page_warm}
        if args.naive:
            now = utcnow()
            out["sql_mb"] = _peak_mb(lambda: trends(db, actor, content, f, k=k))
            out["naive_ms"] = _median_ms(
                lambda: naive_trends.compute(naive_trends.load(db), content, f, k=k, now=now), args.naive_runs)
            out["naive_mb"] = _peak_mb(lambda: naive_trends.compute(naive_trends.load(db), content, f, k=k, now=now))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000:10000,1000000:10000,5000000:50000",
                        help="check-ins:clients pairs, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records-max", type=int, default=1_000_000,
                        help="also time the periods from the records up to this many check-ins (slow beyond)")
    parser.add_argument("--naive", action="store_true", help="also the naive pandas computation (memory-hungry)")
    parser.add_argument("--naive-runs", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("WAYPOINT_TEST_PG_URL"))
    args = parser.parse_args()
    settings = Settings.from_env()
    content = load_content(settings.content_dir, settings.resource_packs)
    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"Data: check-ins spread over the last year; zone {settings.time_zone}; k = {settings.suppression_min}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            for pair in args.sizes.split(","):
                size, clients = (int(x) for x in pair.split(":"))
                print(f"  {backend}, {size:,} check-ins, {clients:,} clients:", flush=True)
                r = run(backend, size, clients, args, content, Path(tmp))
                results.append(r)
                print(f"    loaded in {r['load_s']:.0f} s, summaries built in {r['build_s']:.0f} s; page "
                      f"{r['page_ms']:.0f} ms uncached, {r['page_warm_ms']:.0f} ms warm", flush=True)
    print()
    names = list(results[0]["periods"]) if results else []
    print("Service time per period, uncached, median ms: from the summaries (from the records, where measured).")
    print()
    print("| backend | check-ins | clients | " + " | ".join(names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for r in results:
        cells = []
        for name in names:
            row = r["periods"][name]
            cells.append(f"{row['summaries']:,.0f}" + (f" ({row['records']:,.0f})" if "records" in row else ""))
        print(f"| {r['backend']} | {r['check_ins']:,} | {r['clients']:,} | " + " | ".join(cells) + " |")
    print()
    print("| backend | check-ins | page as it opens, uncached / warm | needs attention | summaries built in "
          "| summary rows (days / client weeks and months) |" + (" naive pandas | memory SQL / naive |"
                                                                    if args.naive else ""))
    print("|---|---|---|---|---|---|" + ("---|---|" if args.naive else ""))
    for r in results:
        line = (f"| {r['backend']} | {r['check_ins']:,} | {r['page_ms']:.0f} / {r['page_warm_ms']:.0f} ms | "
                f"{r['attention_ms']:.0f} ms | {r['build_s']:.0f} s | {r['built'].get('day_rows', 0):,} / "
                f"{r['built'].get('span_rows', 0):,} |")
        if args.naive:
            line += f" {r['naive_ms']:,.0f} ms | {r['sql_mb']:.1f} / {r['naive_mb']:,.0f} MB |"
        print(line)
    print()
    print("Queries of the page as it opens (ms, service level), largest size:")
    for backend in args.backends.split(","):
        last = [r for r in results if r["backend"] == backend][-1]
        print(f"  {backend}: " + ", ".join(f"{name} {ms:.0f}" for name, ms in last["queries"].items()))


if __name__ == "__main__":
    main()
