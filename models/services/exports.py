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

from models.base import i18n
from models.base.i18n import N_, _, pgettext
from models.base.inputs import spreadsheet_safe
from models.base.timeutil import show
from models.content.funders import FunderMapping
from models.content.loader import Content
from models.rules.permissions import Actor, Permission, require
from models.services import audit
from models.services.funder_report import funder_csv, funder_report, funder_section
from models.services.releases import TABLES, Cell, Release, cell_label, shown_as, table_title
from models.store.database import Database


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"




# --- reports that leave the agency: whole quarters and fiscal years (models/services/releases.py) ---------------

# The report CSV's header row, in English; a file is written with them in the language of whoever makes it.
REPORT_COLUMNS = (
    # TRANSLATORS: column names in the header row of a report's CSV file (a spreadsheet): short, lower case, words
    # joined by underscores, as a spreadsheet column name is written. This one: the agency's name.
    N_("agency"),
    # TRANSLATORS: a CSV column name: the report's period ("Q3 2026").
    N_("report"),
    # TRANSLATORS: a CSV column name: the first day of the report's period.
    N_("period_start"),
    # TRANSLATORS: a CSV column name: the last day of the report's period.
    N_("period_end"),
    # TRANSLATORS: a CSV column name: the first day of the period the report is compared with.
    N_("compared_with_start"),
    # TRANSLATORS: a CSV column name: the last day of the period the report is compared with.
    N_("compared_with_end"),
    # TRANSLATORS: a CSV column name: when the figures were fixed, in UTC.
    N_("figures_as_of_utc"),
    # TRANSLATORS: a CSV column name: which of the report's tables a figure belongs to.
    N_("table"),
    # TRANSLATORS: a CSV column name: the row of the table (a level of concern, a resource...).
    N_("row"),
    # TRANSLATORS: a CSV column name: what the figure is (check-ins, offered, taken up...).
    N_("column"),
    # TRANSLATORS: a CSV column name: the figure itself.
    N_("value"),
)
# What each figure of a released table is, in the CSV's "column" field.
COLUMN_WORDS = {
    # TRANSLATORS: what a figure in a report's CSV is (the "column" field): the headline figure itself.
    "value": N_("value"),
    # TRANSLATORS: what a figure in a report's CSV is: a number of check-ins.
    "check_ins": N_("check-ins"),
    # TRANSLATORS: what a figure in a report's CSV is: check-ins recorded on a form that had this sign or reaction.
    "asked": N_("check-ins whose form had it"),
    # TRANSLATORS: what a figure in a report's CSV is: the share of those check-ins where the sign was observed.
    "share": N_("share of those check-ins"),
    # TRANSLATORS: what a figure in a report's CSV is: referrals offered.
    "offered": N_("offered"),
    # TRANSLATORS: what a figure in a report's CSV is: referrals the client took up.
    "taken_up": N_("taken up"),
    # TRANSLATORS: what a figure in a report's CSV is: client files closed.
    "closings": N_("files closed"),
    # TRANSLATORS: what a figure in a report's CSV is: clients whose next check-in was past due at release.
    "clients": N_("clients overdue now"),
}


def report_tables(release: Release, include_advocates: bool) -> list[str]:
    """The tables a report file carries: every one but the per-advocate figures unless chosen (staff-performance
    data, issue 18 item 5)."""
    return [t for t in TABLES if t != "overdue" or include_advocates]


def _column_word(column: str) -> str:
    return _(COLUMN_WORDS[column]) if column in COLUMN_WORDS else column


def _release_value(c: Cell, k: int) -> str:
    if c.hidden:
        return shown_as(c, k)
    if c.value is None:
        return ""
    return f"{c.value:.3f}" if c.kind == "share" else f"{c.value:.0f}"


def _report_name(release: Release) -> str:
    return f"{release.period.shown_label()} ({release.period.shown_dates()})"


def report_csv(db: Database, actor: Actor, release: Release, *, include_advocates: bool = False,
               content: Content | None = None) -> bytes:
    """The report's figures as one tidy CSV, one value per row, each row saying what it covers. Written in the
    language being written (headers, table and row names, "not shown"); figures stay plain numbers a spreadsheet
    reads. `content` (the checklist and resources in that language) names signs and resources in it."""
    require(actor, Permission.EXPORT_AGGREGATES)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_(c) for c in REPORT_COLUMNS])
    before = (release.previous.start.isoformat(), release.previous.end.isoformat())
    scope = (release.agency, release.period.shown_label(), release.period.start.isoformat(),
             release.period.end.isoformat(), *before, release.figures_as_of.strftime("%Y-%m-%d %H:%M"))
    rows = 0
    tables = report_tables(release, include_advocates)
    for c in release.cells:
        if c.table in tables:
            writer.writerow([spreadsheet_safe(v) for v in (*scope, table_title(c.table), cell_label(c, content),
                                                           _column_word(c.column), _release_value(c, release.k))])
            rows += 1
    for c in release.previous_cells:
        # TRANSLATORS: the "table" field of a report's CSV for the period before's figures; {table} is a table's title.
        before_table = _("{table}, previous period").format(table=table_title(c.table))
        writer.writerow([spreadsheet_safe(v) for v in (*scope, before_table, cell_label(c, content),
                                                       _column_word(c.column), _release_value(c, release.k))])
        rows += 1
    _audit_report(db, actor, release, "csv", rows, include_advocates)
    return out.getvalue().encode("utf-8")


def _audit_report(db: Database, actor: Actor, release: Release, kind: str, rows: int, advocates: bool) -> None:
    # Prepared, not yet saved: a file is handed over once, within a minute (dashboard/downloads.py). The audit log
    # stays English for the agency's IT, whatever language the file is in.
    with i18n.using(i18n.SOURCE):
        detail = (f"{kind}, {rows} values; {release.period.label()} ({release.period.describe()}); "
                  f"per-advocate figures {'included' if advocates else 'left out'}")[:255]
    audit.record_now(db, actor, "aggregates_exported", target_type="export", detail=detail)


def _release_rows(release: Release, table: str, columns: list[str], content: Content | None) -> list[list[str]]:
    frame = release.shown_table(table, content)
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
    """A released figure as people read it, on the Reports page and the printable page, as the language writes
    numbers."""
    if c is None:
        return "–"
    if c.hidden:
        return shown_as(c, k)
    if c.value is None or pd.isna(c.value):
        return "–"
    return i18n.percent(c.value) if c.kind == "share" else i18n.number(c.value, digits=0)


def _row_heads() -> dict[str, list[str]]:
    """Each table's column headings on the printable page, in the language being written."""
    # TRANSLATORS: column headings of the tables of a printable caseload report.
    return {"by_month": [_("Month"), _("Check-ins")], "concern": [_("Level of concern"), _("Check-ins")],
            "contact_mode": [_("How the contact happened"), _("Check-ins")],
            "signs": [_("Sign or reaction"), _("Check-ins"), _("Share of check-ins")],
            "referrals": [_("Resource"), _("Offered"), _("Taken up")], "closings": [_("Reason"), _("Files closed")],
            "overdue": [_("Advocate"), _("Clients overdue at release")],
            "conversation_language": [_("Language of the conversation"), _("Check-ins")],
            "interpreter": [_("Interpreter"), _("Check-ins")]}


def report_html(db: Database, actor: Actor, release: Release, *, include_advocates: bool = False,
                zone: tzinfo | None = None, mapping: FunderMapping | None = None,
                content: Content | None = None) -> str:
    """The report as one printable page (HTML): the same figures as the PDF and the CSV, in the language being
    written (`content`, the checklist and resources in that language, names signs and resources in it)."""
    require(actor, Permission.EXPORT_AGGREGATES)
    k = release.k
    zone = zone or UTC
    before = {c.row: c for c in release.previous_cells}
    headline = [[cell_label(c, content), cell_text(c, k),
                 cell_text(before.get(c.row), k) if release.has_earlier_data else _("no earlier records")]
                for c in release.cells if c.table == "summary"]
    # TRANSLATORS: a column heading of a caseload report's headline figures; {dates} are the period's first and last
    # days.
    previous_head = _("Previous period ({dates})").format(dates=release.previous.shown_dates())
    sections = [f"<h2>{html.escape(table_title('summary'))}</h2>"
                + _table(["", _("This period"), previous_head], headline)]
    layouts = {"by_month": ["check_ins"], "concern": ["check_ins"], "contact_mode": ["check_ins"],
               "signs": ["check_ins", "share"], "referrals": ["offered", "taken_up"], "closings": ["closings"],
               "overdue": ["clients"], "conversation_language": ["check_ins"], "interpreter": ["check_ins"]}
    heads = _row_heads()
    # TRANSLATORS: the only row of a report table that has no figures.
    empty = [[pgettext("an empty report table", "None"), ""]]
    for table in report_tables(release, include_advocates)[1:]:
        sections.append(f"<h2>{html.escape(table_title(table))}</h2>"
                        + _table(heads[table], _release_rows(release, table, layouts[table], content) or empty))
    if not include_advocates:
        left_out = _("Follow-ups overdue by advocate are left out: they are staff-performance figures, included only "
                     "when the supervisor chooses.")
        sections.append(f'<p class="small">{html.escape(left_out)}</p>')
    made = show(release.made_at, zone, with_zone=True)
    as_of = show(release.figures_as_of, zone, with_zone=True)
    # TRANSLATORS: the printable report's title (the browser tab); {period} is the period's name and dates.
    title = _("{agency}: caseload report, {period}").format(agency=release.agency, period=_report_name(release))
    # TRANSLATORS: the printable report's heading; {period} is the period's name and dates ("Q3 2026 (1 Jul 2026 –
    # 30 Sep 2026)").
    heading = _("Caseload report: {period}").format(period=_report_name(release))
    about = "\n".join((
        # TRANSLATORS: {period} is the previous period's name ("Q2 2026"), {dates} its first and last days.
        _("Compared with {period} ({dates}).").format(period=release.previous.shown_label(),
                                                      dates=release.previous.shown_dates()),
        # TRANSLATORS: {date} is when this copy was made, {name} the person who made it.
        _("Made on {date} by {name}.").format(date=made, name=release.made_by) + " "
        # TRANSLATORS: {date} is when the report's figures were fixed (first released).
        + _("Figures as of {date}.").format(date=as_of)))
    how_to_read = _("How to read these figures")
    page = f"""<!doctype html>
<html lang="{html.escape(i18n.language().html)}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
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
<h1>{html.escape(heading)}</h1>
<p class="small">{html.escape(about)}</p>
{"".join(sections)}
{funder_html(release, mapping) if mapping is not None else ""}
<h2>{html.escape(how_to_read)}</h2>
<p class="small">{html.escape(methods_note(release))}</p>
</body></html>"""
    _audit_report(db, actor, release, "printable report", len(release.cells), include_advocates)
    return page


def methods_note(release: Release) -> str:
    """The short methods note every report file carries, in one place so the formats agree."""
    # TRANSLATORS: a report's methods note. "not shown" in quotes is the words written in place of a hidden figure:
    # translate them as you translated "not shown". {k} is the smallest number of clients a figure may show.
    return _("These are counts of what advocates recorded at check-ins with clients: what they observed, not scores, "
             "risk levels or outcomes. A client is counted once where a figure says so; elsewhere each check-in, "
             "referral or closing counts. A figure based on fewer than {k} clients shows as \"not shown\", and so "
             "does any figure from which it could be worked out by adding or subtracting (that one may be of any "
             "size); a year's figure is not shown when one of its quarters hides it. Reports are made only for "
             "whole quarters and fiscal years of the whole agency, a year is built from its quarters, and a "
             "period's figures are fixed when its report is first made, so no two Waypoint reports can be "
             "subtracted to reveal a hidden figure. Records added or corrected for the period afterwards are not in "
             "these figures. No client codes or personal details are included.").format(k=release.k)


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
               zone: tzinfo | None = None, mapping: FunderMapping | None = None,
               content: Content | None = None) -> bytes:
    """The report as a PDF: charts and their figures, the funder's categories when chosen, and the methods note, in
    the language being written (`content` names signs and resources in it)."""
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
    data = render_pdf(release, include_advocates=include_advocates, extra_sections=sections, zone=zone or UTC,
                      content=content)
    _audit_report(db, actor, release, "pdf report", len(release.cells), include_advocates)
    return data
