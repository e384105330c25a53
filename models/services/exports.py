"""De-identified exports of the trends a supervisor sees: the same suppressed figures, never a client code.

Every row of the CSV carries the period and the filters, so a file read on its own still says what it covers.
Every export is written to the audit log.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from datetime import UTC, tzinfo
from typing import Any

import pandas as pd

from models.base.inputs import spreadsheet_safe
from models.base.timeutil import show
from models.content.funders import FunderMapping
from models.content.loader import Content
from models.rules.permissions import Actor, Permission, require
from models.rules.privacy import HIDDEN, label
from models.services import audit
from models.services.funder_report import funder_csv, funder_report, funder_section
from models.services.releases import TABLES, Cell, Release, shown_as
from models.services.trends import TrendReport
from models.store.database import Database

CONCERN_NAMES = {"low": "Low", "moderate": "Moderate", "high": "High", "immediate": "Immediate danger"}
COLUMNS = ("period_start", "period_end", "advocate", "relationship_context", "level_of_concern", "table", "row",
           "column", "value")


def _cell(value: object, hidden: bool, k: int, share: bool = False) -> str:
    if hidden:
        return label(k)
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if share:
        return f"{float(value):.3f}"  # type: ignore[arg-type]
    return f"{float(value):.0f}"  # type: ignore[arg-type]


_safe_cell = spreadsheet_safe


NOT_ON_CHECKLIST = "not on the checklist yet"


def _share_of(r: Any) -> str:
    """An item added in a later checklist version is a share of the check-ins whose form had it."""
    added_in = getattr(r, "added_in", 1)
    return "share of check-ins" if added_in <= 1 else f"share of check-ins recorded on checklist version {added_in}+"


def _share_cell(r: Any, k: int) -> str:
    if not getattr(r, "on_checklist", True):
        return NOT_ON_CHECKLIST
    return _cell(r.share, getattr(r, HIDDEN), k, share=True)


def _rows(report: TrendReport) -> Iterator[tuple[str, str, str, str]]:
    k = report.k
    for m in report.metrics:
        yield "summary", m.label, "this period", _cell(m.value, m.hidden, k, m.kind == "share")
        yield "summary", m.label, "previous period", _cell(m.previous, m.previous_hidden, k, m.kind == "share")
    for r in report.weekly.itertuples():
        hidden = getattr(r, HIDDEN)
        yield "check-ins per week", r.week_start.isoformat(), "check-ins", _cell(r.check_ins, hidden, k)
        yield "check-ins per week", r.week_start.isoformat(), "clients seen", _cell(r.clients, hidden, k)
    for r in report.items.itertuples():
        hidden = getattr(r, HIDDEN)
        yield "signs and reactions", r.label, "check-ins where observed", _cell(r.check_ins, hidden, k)
        yield "signs and reactions", r.label, _share_of(r), _share_cell(r, k)
    for r in report.items_over_time.itertuples():
        yield ("signs and reactions over time", f"{r.label} | {r.bucket_start.isoformat()}", _share_of(r),
               _share_cell(r, k))
    for r in report.concern.itertuples():
        yield ("level of concern per week", f"{r.week_start.isoformat()} | {CONCERN_NAMES.get(r.concern, r.concern)}",
               "check-ins", _cell(r.check_ins, getattr(r, HIDDEN), k))
    for r in report.referrals.itertuples():
        yield "referrals", r.name, "offered", _cell(r.offered, r.offered_hidden, k)
        yield "referrals", r.name, "taken up", _cell(r.accepted, r.accepted_hidden, k)
    for r in report.overdue.itertuples():
        yield "overdue follow-ups (now)", r.advocate, "clients", _cell(r.overdue, getattr(r, HIDDEN), k)
    for r in report.progress.itertuples():
        hidden = getattr(r, HIDDEN)
        yield ("fewer signs than at first check-in", r.bucket_start.isoformat(), "clients with 3+ check-ins",
               _cell(r.clients, hidden, k))
        yield ("fewer signs than at first check-in", r.bucket_start.isoformat(), "share with fewer signs",
               _cell(r.share, hidden, k, share=True))
    if report.closings_total is not None:  # not under a level-of-concern filter: a closing has no level
        for r in report.closings.itertuples():
            yield "files closed by reason", r.label, "closings", _cell(r.closings, getattr(r, HIDDEN), k)
        t = report.closings_total
        yield "files closed by reason", "all reasons", "closings", _cell(t.value, t.hidden, k)


def _filters(report: TrendReport, advocates: dict[int, str], content: Content) -> tuple[str, str, str, str, str]:
    f = report.filter
    context = ""
    if f.context:
        context = content.checklist.item(f.context).label if f.context in content.checklist.all_codes() else f.context
    return (f.period.start.isoformat(), f.period.end.isoformat(),
            advocates.get(f.advocate_id, str(f.advocate_id)) if f.advocate_id is not None else "all",
            context or "all", CONCERN_NAMES.get(f.concern, f.concern) if f.concern else "all")


def export_csv(db: Database, actor: Actor, content: Content, report: TrendReport,
               advocates: dict[int, str]) -> bytes:
    """The figures on screen as one tidy CSV (one value per row), suppression already applied."""
    require(actor, Permission.EXPORT_AGGREGATES)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    scope = tuple(_safe_cell(c) for c in _filters(report, advocates, content))
    rows = 0
    for row in _rows(report):
        writer.writerow((*scope, *(_safe_cell(c) for c in row)))
        rows += 1
    audit.record_now(db, actor, "aggregates_exported", target_type="export",
                     detail=f"csv, {rows} values; {report.filter.describe(advocates, content)}"[:255])
    return out.getvalue().encode("utf-8")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def printable_summary(db: Database, actor: Actor, content: Content, report: TrendReport,
                      advocates: dict[int, str]) -> str:
    """One printable page (HTML) of the headline figures, for a funder report or a team meeting."""
    require(actor, Permission.EXPORT_AGGREGATES)
    k = report.k
    start, end, advocate, context, concern = _filters(report, advocates, content)
    metrics = [[m.label, _pretty(m.value, m.hidden, k, m.kind), _pretty(m.previous, m.previous_hidden, k, m.kind)]
               for m in report.metrics]
    top = report.items.assign(order=report.items["share"].fillna(-1)).sort_values("order", ascending=False).head(8)
    signs = [[r.label + (f" (since checklist version {r.added_in})" if r.added_in > 1 else ""),
              _pretty(r.share, getattr(r, HIDDEN), k, "share")] for r in top.itertuples()]
    referrals = [[r.name, _pretty(r.offered, r.offered_hidden, k), _pretty(r.accepted, r.accepted_hidden, k)]
                 for r in report.referrals.itertuples() if r.offered_hidden or (r.offered or 0) > 0]
    overdue = [[r.advocate, _pretty(r.overdue, getattr(r, HIDDEN), k)] for r in report.overdue.itertuples()]
    closings = ""
    if report.closings_total is not None:
        t = report.closings_total
        rows = [[r.label, _pretty(r.closings, getattr(r, HIDDEN), k)] for r in report.closings.itertuples()]
        closings = "<h2>Files closed, by reason</h2>" + _table(["Reason", "Files closed"],
                                                              [*rows, ["All reasons", _pretty(t.value, t.hidden, k)]])
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Caseload summary {start} to {end}</title>
<style>
 body {{ font: 11pt/1.35 system-ui, sans-serif; margin: 1.5cm; color: #222; }}
 h1 {{ font-size: 16pt; margin: 0 0 .2em; }} h2 {{ font-size: 12pt; margin: 1em 0 .3em; }}
 table {{ border-collapse: collapse; width: 100%; margin-bottom: .5em; }}
 th, td {{ border-bottom: 1px solid #ccc; padding: 3px 6px; text-align: left; }}
 td:not(:first-child), th:not(:first-child) {{ text-align: right; }}
 .small {{ color: #555; font-size: 9pt; }}
 @media print {{ body {{ margin: 0; }} @page {{ size: A4; margin: 1.5cm; }} }}
</style></head><body>
<h1>Caseload summary</h1>
<p class="small">Period {start} to {end} · advocate: {html.escape(advocate)} · relationship context:
{html.escape(context)} · level of concern: {html.escape(concern)}</p>
<h2>Headline figures</h2>{_table(["", "This period", "Previous period"], metrics)}
<h2>Most often observed signs and reactions (share of check-ins)</h2>{_table(["", "Share"], signs)}
<h2>Referrals</h2>{_table(["Resource", "Offered", "Taken up"], referrals or [["None in this period", "", ""]])}
<h2>Follow-ups overdue now</h2>{_table(["Advocate", "Clients"], overdue or [["No advocates", ""]])}
{closings}
<p class="small">Counts of what advocates observed and recorded; not scores, risk levels or outcomes. Any figure
based on fewer than {k} clients shows as "{label(k)}", and figures that would let it be worked out from a total
are hidden too. No client codes or personal details are included.</p>
</body></html>"""
    audit.record_now(db, actor, "aggregates_exported", target_type="export",
                     detail=f"printable summary; {report.filter.describe(advocates, content)}"[:255])
    return page


def _pretty(value: object, hidden: bool, k: int, kind: str = "count") -> str:
    if hidden:
        return label(k)
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return f"{float(value):.0%}" if kind == "share" else f"{float(value):,.0f}"  # type: ignore[arg-type]


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
            writer.writerow([_safe_cell(v) for v in (*scope, TABLES[c.table], c.label, COLUMN_WORDS.get(c.column,
                             c.column), _release_value(c, release.k))])
            rows += 1
    for c in release.previous_cells:
        writer.writerow([_safe_cell(v) for v in (*scope, f"{TABLES[c.table]}, previous period", c.label,
                         COLUMN_WORDS.get(c.column, c.column), _release_value(c, release.k))])
        rows += 1
    _audit_report(db, actor, release, "csv", rows, include_advocates)
    return out.getvalue().encode("utf-8")


def _audit_report(db: Database, actor: Actor, release: Release, kind: str, rows: int, advocates: bool) -> None:
    audit.record_now(db, actor, "aggregates_exported", target_type="export",
                     detail=(f"{kind}, {rows} values; {release.period.kind} {release.period.describe()}; "
                             f"per-advocate figures {'included' if advocates else 'left out'}")[:255])


def _release_rows(release: Release, table: str, columns: list[str]) -> list[list[str]]:
    frame = release.table(table)
    if frame.empty:
        return []
    cells = {(c.row, c.column): c for c in release.cells if c.table == table}
    rows = []
    for r in frame.itertuples():
        shown = [_pretty_cell(cells.get((r.row, col)), release.k) for col in columns]
        rows.append([str(r.label), *shown])
    return rows


def _pretty_cell(c: Cell | None, k: int) -> str:
    if c is None:
        return "–"
    if c.hidden:
        return shown_as(c, k)
    return _pretty(c.value, c.hidden, k, "share" if c.kind == "share" else "count")


def report_html(db: Database, actor: Actor, release: Release, *, include_advocates: bool = False,
                zone: tzinfo | None = None, mapping: FunderMapping | None = None) -> str:
    """The report as one printable page (HTML): the same figures as the PDF and the CSV."""
    require(actor, Permission.EXPORT_AGGREGATES)
    k = release.k
    zone = zone or UTC
    before = {c.row: c for c in release.previous_cells}
    headline = [[c.label, _pretty_cell(c, k),
                 _pretty_cell(before.get(c.row), k) if release.has_earlier_data else "no earlier records"]
                for c in release.cells if c.table == "summary"]
    sections = [f"<h2>{html.escape(TABLES['summary'])}</h2>"
                + _table(["", "This period", f"Previous period ({release.previous.dates()})"], headline)]
    layouts = {"by_month": ["check_ins"], "concern": ["check_ins"], "contact_mode": ["check_ins"],
               "signs": ["share", "check_ins"], "referrals": ["offered", "taken_up"], "closings": ["closings"],
               "overdue": ["clients"]}
    heads = {"by_month": ["Month", "Check-ins"], "concern": ["Level of concern", "Check-ins"],
             "contact_mode": ["How the contact happened", "Check-ins"],
             "signs": ["Sign or reaction", "Share of check-ins", "Check-ins"],
             "referrals": ["Resource", "Offered", "Taken up"], "closings": ["Reason", "Files closed"],
             "overdue": ["Advocate", "Clients overdue at release"]}
    for table in report_tables(release, include_advocates)[1:]:
        sections.append(f"<h2>{html.escape(TABLES[table])}</h2>"
                        + _table(heads[table], _release_rows(release, table, layouts[table]) or [["None", ""]]))
    if not include_advocates:
        sections.append('<p class="small">Follow-ups overdue by advocate are left out: they are staff-performance '
                        "figures, included only when the supervisor chooses.</p>")
    made = show(release.made_at, zone)
    as_of = show(release.figures_as_of, zone)
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
            f"referral or closing counts. A figure based on fewer than {k} clients shows as \"{label(k)}\", and so "
            "does any figure from which it could be worked out by adding or subtracting. Reports are made only for "
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
