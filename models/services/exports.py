"""The files a report leaves the agency as: CSV, a printable page, a PDF and a funder's categories.

Each is made from a release (models/services/releases.py): a whole quarter or fiscal year, figures already
suppressed and fixed, never a client code. Every row of the CSV says what it covers, so a file read on its own
still does; every file is written to the audit log.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, tzinfo

import pandas as pd

from models.base.inputs import spreadsheet_safe
from models.base.timeutil import show
from models.content.funders import FunderMapping
from models.rules.permissions import Actor, Permission, require
from models.services import audit
from models.services.funder_report import funder_csv, funder_report, funder_section
from models.services.releases import TABLES, Cell, Release, shown_as
from models.store.database import Database


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"




# --- reports that leave the agency: whole quarters and fiscal years (models/services/releases.py) ---------------

REPORT_COLUMNS = ("agency", "report", "period_start", "period_end", "compared_with_start", "compared_with_end",
                  "figures_as_of_utc", "table", "row", "column", "value")
COLUMN_WORDS = {"value": "value", "check_ins": "check-ins", "asked": "check-ins whose form had it",
                "share": "share of those check-ins", "offered": "offered", "taken_up": "taken up",
                "closings": "files closed", "clients": "clients overdue now"}


def report_tables(release: Release, include_advocates: bool) -> list[str]:
    """The tables a report file carries: every one but the per-advocate figures unless chosen (staff-performance
    data, issue 18 item 5)."""
    return [t for t in TABLES if t != "overdue" or include_advocates]


def _release_value(c: Cell, k: int) -> str:
    if c.hidden:
        return shown_as(c, k)
    if c.value is None:
        return ""
    return f"{c.value:.3f}" if c.kind == "share" else f"{c.value:.0f}"


def _report_name(release: Release) -> str:
    return f"{release.period.label()} ({release.period.dates()})"


def report_csv(db: Database, actor: Actor, release: Release, *, include_advocates: bool = False) -> bytes:
    """The report's figures as one tidy CSV, one value per row, each row saying what it covers."""
    require(actor, Permission.EXPORT_AGGREGATES)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    before = (release.previous.start.isoformat(), release.previous.end.isoformat())
    scope = (release.agency, release.period.label(), release.period.start.isoformat(),
             release.period.end.isoformat(), *before, release.figures_as_of.strftime("%Y-%m-%d %H:%M"))
    rows = 0
    tables = report_tables(release, include_advocates)
    for c in release.cells:
        if c.table in tables:
            writer.writerow([spreadsheet_safe(v) for v in (*scope, TABLES[c.table], c.label, COLUMN_WORDS.get(c.column,
                             c.column), _release_value(c, release.k))])
            rows += 1
    for c in release.previous_cells:
        writer.writerow([spreadsheet_safe(v) for v in (*scope, f"{TABLES[c.table]}, previous period", c.label,
                         COLUMN_WORDS.get(c.column, c.column), _release_value(c, release.k))])
        rows += 1
    _audit_report(db, actor, release, "csv", rows, include_advocates)
    return out.getvalue().encode("utf-8")


def _audit_report(db: Database, actor: Actor, release: Release, kind: str, rows: int, advocates: bool) -> None:
    # Prepared, not yet saved: a file is handed over once, within a minute (dashboard/downloads.py).
    audit.record_now(db, actor, "aggregates_exported", target_type="export",
                     detail=(f"{kind}, {rows} values; {release.period.label()} ({release.period.describe()}); "
                             f"per-advocate figures {'included' if advocates else 'left out'}")[:255])


def _release_rows(release: Release, table: str, columns: list[str]) -> list[list[str]]:
    frame = release.table(table)
    if frame.empty:
        return []
    if table == "signs":  # most often observed first, as on the PDF's chart; those not shown last
        frame = frame.assign(_order=[-1.0 if h else (v or 0.0) for v, h in zip(frame["share"], frame["share_hidden"],
                                                                                 strict=True)])
        frame = frame.sort_values("_order", ascending=False, kind="stable")
    cells = {(c.row, c.column): c for c in release.cells if c.table == table}
    rows = []
    for r in frame.itertuples():
        shown = [cell_text(cells.get((r.row, col)), release.k) for col in columns]
        rows.append([str(r.label), *shown])
    return rows


def cell_text(c: Cell | None, k: int) -> str:
    """A released figure as people read it, on the Reports page and the printable page."""
    if c is None:
        return "–"
    if c.hidden:
        return shown_as(c, k)
    if c.value is None or pd.isna(c.value):
        return "–"
    return f"{c.value:.0%}" if c.kind == "share" else f"{c.value:,.0f}"


def report_html(db: Database, actor: Actor, release: Release, *, include_advocates: bool = False,
                zone: tzinfo | None = None, mapping: FunderMapping | None = None) -> str:
    """The report as one printable page (HTML): the same figures as the PDF and the CSV."""
    require(actor, Permission.EXPORT_AGGREGATES)
    k = release.k
    zone = zone or UTC
    before = {c.row: c for c in release.previous_cells}
    headline = [[c.label, cell_text(c, k),
                 cell_text(before.get(c.row), k) if release.has_earlier_data else "no earlier records"]
                for c in release.cells if c.table == "summary"]
    sections = [f"<h2>{html.escape(TABLES['summary'])}</h2>"
                + _table(["", "This period", f"Previous period ({release.previous.dates()})"], headline)]
    layouts = {"by_month": ["check_ins"], "concern": ["check_ins"], "contact_mode": ["check_ins"],
               "signs": ["check_ins", "share"], "referrals": ["offered", "taken_up"], "closings": ["closings"],
               "overdue": ["clients"], "conversation_language": ["check_ins"], "interpreter": ["check_ins"]}
    heads = {"by_month": ["Month", "Check-ins"], "concern": ["Level of concern", "Check-ins"],
             "contact_mode": ["How the contact happened", "Check-ins"],
             "signs": ["Sign or reaction", "Check-ins", "Share of check-ins"],
             "referrals": ["Resource", "Offered", "Taken up"], "closings": ["Reason", "Files closed"],
             "overdue": ["Advocate", "Clients overdue at release"],
             "conversation_language": ["Language of the conversation", "Check-ins"],
             "interpreter": ["Interpreter", "Check-ins"]}
    for table in report_tables(release, include_advocates)[1:]:
        sections.append(f"<h2>{html.escape(TABLES[table])}</h2>"
                        + _table(heads[table], _release_rows(release, table, layouts[table]) or [["None", ""]]))
    if not include_advocates:
        sections.append('<p class="small">Follow-ups overdue by advocate are left out: they are staff-performance '
                        "figures, included only when the supervisor chooses.</p>")
    made = show(release.made_at, zone, with_zone=True)
    as_of = show(release.figures_as_of, zone, with_zone=True)
    title = f"{release.agency}: caseload report, {_report_name(release)}"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
 body {{ font: 11pt/1.35 system-ui, sans-serif; margin: 1.5cm; color: #222; }}
 h1 {{ font-size: 16pt; margin: 0 0 .2em; }} h2 {{ font-size: 12pt; margin: 1em 0 .3em; }}
 table {{ border-collapse: collapse; width: 100%; margin-bottom: .5em; }}
 th, td {{ border-bottom: 1px solid #ccc; padding: 3px 6px; text-align: left; }}
 td:not(:first-child), th:not(:first-child) {{ text-align: right; }}
 .small {{ color: #555; font-size: 9pt; }}
 @media print {{ body {{ margin: 0; }} @page {{ size: A4; margin: 1.5cm; }} }}
</style></head><body>
<p class="small">{html.escape(release.agency)}</p>
<h1>Caseload report: {html.escape(_report_name(release))}</h1>
<p class="small">Compared with {html.escape(release.previous.label())} ({html.escape(release.previous.dates())}).
Made on {html.escape(made)} by {html.escape(release.made_by)}. Figures as of {html.escape(as_of)}.</p>
{"".join(sections)}
{funder_html(release, mapping) if mapping is not None else ""}
<h2>How to read these figures</h2>
<p class="small">{html.escape(methods_note(release))}</p>
</body></html>"""
    _audit_report(db, actor, release, "printable report", len(release.cells), include_advocates)
    return page


def methods_note(release: Release) -> str:
    """The short methods note every report file carries, in one place so the formats agree."""
    k = release.k
    return (f"These are counts of what advocates recorded at check-ins with clients: what they observed, not scores, "
            f"risk levels or outcomes. A client is counted once where a figure says so; elsewhere each check-in, "
            f"referral or closing counts. A figure based on fewer than {k} clients shows as \"not shown\", and so "
            "does any figure from which it could be worked out by adding or subtracting (that one may be of any "
            "size); a year's figure is not shown when one of its quarters hides it. Reports are made only for "
            "whole quarters and fiscal years of the whole agency, a year is built from its quarters, and a "
            "period's figures are fixed when its report is first made, so no two Waypoint reports can be "
            "subtracted to reveal a hidden figure. Records added or corrected for the period afterwards are not in "
            "these figures. No client codes or personal details are included.")


def funder_file(db: Database, actor: Actor, release: Release, mapping: FunderMapping) -> bytes:
    """The report in a funder's categories as CSV: only sums of figures the release shows (funder_report.py)."""
    require(actor, Permission.EXPORT_AGGREGATES)
    report = funder_report(release, mapping)
    data = funder_csv(report)
    _audit_report(db, actor, release, f"funder report {mapping.name}", len(report.lines), False)
    return data


def funder_html(release: Release, mapping: FunderMapping) -> str:
    """The funder's categories as a section of the printable report."""
    section = funder_section(funder_report(release, mapping))
    return (f"<h2>{html.escape(section.title)}</h2><p class=\"small\">{html.escape(section.intro)}</p>"
            + _table(section.headers, section.rows)
            + (f"<p class=\"small\">{html.escape(section.note)}</p>" if section.note else ""))


def report_pdf(db: Database, actor: Actor, release: Release, *, include_advocates: bool = False,
               zone: tzinfo | None = None, mapping: FunderMapping | None = None) -> bytes:
    """The report as a PDF: charts and their figures, the funder's categories when chosen, and the methods note."""
    from models.services.report_pdf import ReportSection, render_pdf  # fpdf2 and vl-convert load only when asked

    require(actor, Permission.EXPORT_AGGREGATES)
    sections = []
    if mapping is not None:
        s = funder_section(funder_report(release, mapping))
        rows, last = [], None
        for row in s.rows:  # the section named once, where it starts
            rows.append(["" if row[0] == last else row[0], *row[1:]])
            last = row[0]
        sections.append(ReportSection(s.title, s.intro, list(s.headers), rows, s.note, widths=(1.1, 1.7, 0.8, 2.4),
                                      align=("LEFT", "LEFT", "RIGHT", "LEFT")))
    data = render_pdf(release, include_advocates=include_advocates, extra_sections=sections, zone=zone or UTC)
    _audit_report(db, actor, release, "pdf report", len(release.cells), include_advocates)
    return data
