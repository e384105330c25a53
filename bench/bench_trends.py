"""Supervisor benchmark: the trends page at 10k / 100k / 1M check-ins, in SQL and the naive pandas way.

    .venv/bin/python -m bench.bench_trends                       # 10,000 clients; 10k, 100k and 1M check-ins
    .venv/bin/python -m bench.bench_trends --sizes 1000000 --backends sqlite

For each backend and size it loads the data in bulk, then measures, side by side:
  (a) the trends page rendered by Streamlit's AppTest as a signed-in supervisor, median of several runs, both
      uncached (its one-minute cache cleared before each run) and warm (cached), and each query of the page;
  (b) the same figures computed the naive way: the tables read into pandas and grouped there;
  (c) the peak memory each of them adds (tracemalloc: Python and NumPy allocations).
It also times the needs-attention list. Targets: page under 500 ms median, at least 10x faster than naive,
no more than 150 MB added memory.
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
from models.services.attention import needs_attention
from models.services.periods import fiscal_year_of, quarter_of, so_far
from models.services.trends import TrendFilter, trends
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


def run(backend: str, size: int, args: argparse.Namespace, content, workdir: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with fresh_database(backend, workdir, args.pg_url) as db:
        loaded = bulk_load(db, content, clients=args.clients, check_ins=size)
        with db.reading() as s:
            sup = s.scalars(select(User).where(User.username == "benchsup")).one()
        actor = Actor(sup.id, sup.username, sup.display_name, "supervisor")
        today = utcnow().date()
        settings = Settings()
        zone, fy_start = settings.time_zone, settings.fiscal_year_start
        # What the page opens on: the current quarter so far, in the agency's zone.
        f = TrendFilter(so_far(quarter_of(today), today), zone=zone)
        k = settings.suppression_min
        report = trends(db, actor, content, f, k=k)  # warm the database's own caches
        service = _median_ms(lambda: trends(db, actor, content, f, k=k), args.runs)
        queries = {name: statistics.median([trends(db, actor, content, f, k=k).timings[name]
                                            for _ in range(3)]) for name in report.timings}
        # The last whole quarter (by week) and the last whole fiscal year (by month).
        last_quarter = quarter_of(today).previous()
        last_year = fiscal_year_of(today, fy_start).previous()
        quarter = _median_ms(lambda: trends(db, actor, content, TrendFilter(last_quarter, zone=zone), k=k), 3)
        year = _median_ms(lambda: trends(db, actor, content, TrendFilter(last_year, zone=zone), k=k), 3)
        attention = _median_ms(lambda: needs_attention(db, actor), 3)
        page_uncached, page_warm = _page(db.url, args.runs)
        sql_mb = _peak_mb(lambda: trends(db, actor, content, f, k=k))
        now = utcnow()
        naive_ms = _median_ms(lambda: naive_trends.compute(naive_trends.load(db), content, f, k=k, now=now),
                              args.naive_runs)
        naive_mb = _peak_mb(lambda: naive_trends.compute(naive_trends.load(db), content, f, k=k, now=now))
        return {"backend": backend, "check_ins": loaded["check_ins"], "load_s": loaded["seconds_total"],
                "service_ms": service, "page_ms": page_uncached, "page_warm_ms": page_warm, "queries": queries,
                "quarter_ms": quarter, "year_ms": year, "attention_ms": attention, "sql_mb": sql_mb,
                "naive_ms": naive_ms, "naive_mb": naive_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--naive-runs", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("WAYPOINT_TEST_PG_URL"))
    args = parser.parse_args()
    settings = Settings.from_env()
    content = load_content(settings.content_dir, settings.resource_packs)
    print(f"Machine: {machine()}")
    print(f"Data: {args.clients:,} clients; check-ins spread over the last year; "
          "page period: the current quarter so far")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                r = run(backend, size, args, content, Path(tmp))
                results.append(r)
                print(f"  {backend} {r['check_ins']:>9,}: page {r['page_ms']:.0f} ms, naive {r['naive_ms']:.0f} ms "
                      f"(loaded in {r['load_s']:.0f} s)", flush=True)
    print()
    print("| backend | check-ins | trends page, uncached (AppTest median) | page, warm | service only "
          "| naive pandas | speed-up | peak memory SQL / naive | last quarter / fiscal year | needs attention |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['check_ins']:,} | {r['page_ms']:.0f} ms | {r['page_warm_ms']:.0f} ms | "
              f"{r['service_ms']:.0f} ms | {r['naive_ms']:,.0f} ms | {r['naive_ms'] / r['page_ms']:.0f}x | "
              f"{r['sql_mb']:.1f} / {r['naive_mb']:,.0f} MB | {r['quarter_ms']:.0f} / {r['year_ms']:.0f} ms | "
              f"{r['attention_ms']:.0f} ms |")
    print()
    print("Queries of the page (median ms, service level), largest size:")
    for backend in args.backends.split(","):
        last = [r for r in results if r["backend"] == backend][-1]
        print(f"  {backend}: " + ", ".join(f"{name} {ms:.0f}" for name, ms in last["queries"].items()))
    print("Targets: page < 500 ms median on each backend, >= 10x faster than naive, <= 150 MB added memory.")


if __name__ == "__main__":
    main()
