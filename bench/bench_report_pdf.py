"""Report PDF benchmark: how long `render_pdf` takes for a quarter and a fiscal year, and how big the file is.

    .venv/bin/python -m bench.bench_report_pdf [--runs 5] [--out /tmp/report.pdf]

The releases are the hand-built ones of tests/unit/test_report_pdf.py (every table filled, some figures hidden).
The first render in a process also starts vl-convert's JavaScript engine, so it is printed apart. Printed only:
timings depend on the machine and are never asserted.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

from pypdf import PdfReader

from bench.common import machine, median
from models.services.report_pdf import ReportSection, render_pdf
from tests.unit.test_report_pdf import FY, Q4, make_release


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the quarter's PDF here")
    args = parser.parse_args()
    print(machine())

    section = ReportSection(title="Funder categories", intro="A further table of 40 rows.",
                            headers=["Category", "Figure"], rows=[[f"Category {n}", str(n)] for n in range(40)])
    cases = {
        "quarter": lambda: render_pdf(make_release(Q4)),
        "quarter, advocates and a 40-row section": lambda: render_pdf(make_release(Q4), include_advocates=True,
                                                                      extra_sections=[section]),
        "fiscal year": lambda: render_pdf(make_release(FY, scale=4)),
    }
    start = time.perf_counter()
    first = cases["quarter"]()
    print(f"first render (starts vl-convert): {time.perf_counter() - start:.2f} s")
    if args.out:
        args.out.write_bytes(first)
    for name, render in cases.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            pdf = render()
            times.append(time.perf_counter() - start)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"{name}: median {median(times):.2f} s, slowest {max(times):.2f} s over {args.runs} runs; "
              f"{pages} pages, {len(pdf) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
