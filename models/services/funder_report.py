"""A quarter's (or fiscal year's) released figures, put into the categories a funder asks for (content/funders/).

Only a release is read: its figures are already suppressed, and it was made by someone allowed to make it, so
this module only rearranges them and checks no permission of its own. The one rule it adds: a line's figure is
shown only when every released figure it adds up is shown. A sum that took in a hidden figure would give that
figure back to anyone who subtracts the shown parts from it.

The funder's own words (sections, questions, its notes) come from content/funders/ as the funder wrote them;
Waypoint's words around them (a value such as "not shown", the notes it writes, the CSV's headers) come from the
catalog, in the language of whoever makes the report.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC
from typing import NamedTuple

from models.base import i18n
from models.base.i18n import N_, _, ngettext
from models.base.inputs import spreadsheet_safe as _safe_cell
from models.base.timeutil import show
from models.content.funders import FunderLine, FunderMapping
from models.services.releases import NOT_SHOWN, Release

# A line's status (a code, compared in code and tests); NOT_COLLECTED, NOT_RECORDED and NOT_AVAILABLE are also the
# English of the value a reader sees (VALUES).
SHOWN, HIDDEN, NOT_COLLECTED, NOT_RECORDED, NOT_AVAILABLE = (
    "shown", "hidden", "not collected", "not recorded", "not available")
VALUES = {
    # TRANSLATORS: a funder report's figure for a question Waypoint never stores, by design (demographics).
    NOT_COLLECTED: N_("not collected"),
    # TRANSLATORS: a funder report's figure for a service Waypoint does not record (shelter, court...).
    NOT_RECORDED: N_("not recorded"),
    # TRANSLATORS: a funder report's figure that the report's released figures do not hold.
    NOT_AVAILABLE: N_("not available"),
}
# The CSV's header row, in English; a file is written with them in the language of whoever makes it.
CSV_COLUMNS = (
    # TRANSLATORS: column names in the header row of a funder report's CSV file (a spreadsheet): short, lower case,
    # words joined by underscores. This one: the funder's name.
    N_("funder"),
    # TRANSLATORS: a CSV column name: the report's period ("Q3 2026").
    N_("period"),
    # TRANSLATORS: a CSV column name: the first day of the report's period.
    N_("period_start"),
    # TRANSLATORS: a CSV column name: the last day of the report's period.
    N_("period_end"),
    # TRANSLATORS: a CSV column name: the agency's name.
    N_("agency"),
    # TRANSLATORS: a CSV column name: the section of the funder's form.
    N_("section"),
    # TRANSLATORS: a CSV column name: the funder's question.
    N_("question"),
    # TRANSLATORS: a CSV column name: the figure itself.
    N_("value"),
    # TRANSLATORS: a CSV column name: a note about the figure.
    N_("note"),
    # TRANSLATORS: a CSV column name: whether the question's wording was confirmed in an official source (yes/no).
    N_("question_wording_confirmed"),
    # TRANSLATORS: a CSV column name: the line's code in the mapping file.
    N_("line_id"),
)


@dataclass(frozen=True)
class ReportLine:
    id: str
    section: str
    question: str
    value: str  # what the reader sees, in the language written: "12", "not shown", "not collected", "not recorded"
    note: str
    status: str  # SHOWN, HIDDEN, NOT_COLLECTED, NOT_RECORDED or NOT_AVAILABLE
    confirmed: bool  # the funder's wording was confirmed in a public source (see the mapping file)
    figure: int | None = None  # the number itself, only when shown


@dataclass(frozen=True)
class FunderReport:
    funder: str
    title: str
    mapping: str  # the mapping file's name
    source: str  # the citation of the question list
    about: str
    agency: str
    period_label: str
    period_dates: str
    period_start: str
    period_end: str
    k: int
    made_by: str
    made_at: str
    lines: tuple[ReportLine, ...]


class FunderSection(NamedTuple):
    """What a PDF needs for one titled table."""

    title: str
    intro: str
    headers: list[str]
    rows: list[list[str]]
    note: str


def _number(value: float) -> int:
    return int(round(value))


def _line(release: Release, line: FunderLine) -> ReportLine:
    k = release.k

    def made(value: str, note: str, status: str, figure: int | None = None) -> ReportLine:
        joined = " ".join(p for p in (note, line.note or "") if p)
        return ReportLine(line.id, line.section, line.question, value, joined, status, line.confirmed, figure)

    if line.not_collected is not None:
        return made(_(VALUES[NOT_COLLECTED]), line.not_collected, NOT_COLLECTED)
    if line.not_recorded is not None:
        return made(_(VALUES[NOT_RECORDED]), line.not_recorded, NOT_RECORDED)
    refs = line.cells()
    cells = [release.cell(*ref) for ref in refs]
    missing = [".".join(ref) for ref, c in zip(refs, cells, strict=True) if c is None]
    if missing:
        # Never read as zero: a figure the release does not hold may have been left out for any reason.
        # TRANSLATORS: a funder report's note; {cells} are codes of figures, such as "referrals.ndvh.offered".
        note = _("This release holds no figure for {cells}.").format(cells=", ".join(missing))
        return made(_(VALUES[NOT_AVAILABLE]), note, NOT_AVAILABLE)
    hidden = [c for c in cells if c is not None and (c.hidden or c.value is None)]
    shown_total = sum(_number(c.value) for c in cells if c is not None and not c.hidden and c.value is not None)
    if hidden:
        # TRANSLATORS: a funder report's note on a line whose figure is not shown; {k} is the smallest number of
        # clients a figure may show.
        return made(_(NOT_SHOWN), _("Not shown: it would include a figure kept hidden because it is for fewer than "
                                    "{k} clients, or could give such a figure away.").format(k=k), HIDDEN)
    return made(str(shown_total), "", SHOWN, shown_total)


def funder_report(release: Release, mapping: FunderMapping) -> FunderReport:
    """Every line of the mapping answered from the release, in the mapping's order."""
    return FunderReport(
        funder=mapping.funder, title=mapping.title, mapping=mapping.name,
        # TRANSLATORS: where a funder's questions come from: a document's title, its address and the day Waypoint's
        # authors last checked it.
        source=_("{title}, {address} (checked {date})").format(
            title=mapping.source.title, address=mapping.source.address,
            date=show(mapping.source.checked, UTC, with_time=False)),
        about=mapping.about, agency=release.agency,
        period_label=release.period.shown_label(), period_dates=release.period.shown_dates(),
        period_start=release.period.start.isoformat(), period_end=release.period.end.isoformat(),
        k=release.k, made_by=release.made_by, made_at=release.made_at.strftime("%Y-%m-%d %H:%M UTC"),
        lines=tuple(_line(release, line) for line in mapping.lines),
    )


def funder_csv(report: FunderReport) -> bytes:
    """One row per line, each carrying the funder and the period, so a row copied elsewhere still says what it
    is. Cells a spreadsheet could run as a formula are quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_(c) for c in CSV_COLUMNS])
    for line in report.lines:
        row = (report.funder, report.period_label, report.period_start, report.period_end, report.agency,
               line.section, line.question, line.value, line.note, _("yes") if line.confirmed else _("no"), line.id)
        writer.writerow(tuple(_safe_cell(c) for c in row))
    return out.getvalue().encode("utf-8")


def funder_section(report: FunderReport) -> FunderSection:
    """The report as plain data for a titled table in a PDF: section, question, figure, note."""
    unconfirmed = sum(not line.confirmed for line in report.lines)
    # TRANSLATORS: {period} is a period's name ("Q3 2026"), {dates} its first and last days, {title} the name of
    # the funder's report (in the funder's own language, English).
    intro = (_("{period} ({dates}), in the categories of the {title}.").format(
        period=report.period_label, dates=report.period_dates, title=report.title) + " " + report.about)
    sentences = [
        # TRANSLATORS: {k} is the smallest number of clients a figure may show.
        _("A line that would include a figure not shown in the report (one based on fewer than {k} clients, or one "
          "that would give such a figure away) is not shown either, so that no hidden figure can be worked out.")
        .format(k=report.k),
        # TRANSLATORS: "Not collected" in quotes is the figure written for such a question: translate it as you
        # translated "not collected".
        _("\"Not collected\": Waypoint stores no demographics by design."),
        # TRANSLATORS: "Not recorded" in quotes is the figure written for such a question: translate it as you
        # translated "not recorded".
        _("\"Not recorded\": Waypoint does not record that service."),
        # TRANSLATORS: {source} is the funder's document: its title, address and the day it was checked.
        _("Questions from: {source}.").format(source=report.source),
    ]
    if unconfirmed:
        sentences.append(ngettext(
            "The wording of {n} question (marked *) could not be confirmed in an official source.",
            "The wording of {n} questions (marked *) could not be confirmed in an official source.",
            unconfirmed).format(n=i18n.number(unconfirmed)))
    rows = [[line.section, line.question + ("" if line.confirmed else " *"), line.value, line.note]
            for line in report.lines]
    # TRANSLATORS: column headings of a funder report's table: the funder's section, its question, Waypoint's figure
    # for it and a note.
    headers = [_("Section"), _("Question"), _("Waypoint figure"), _("Note")]
    return FunderSection(f"{report.funder}: {report.period_label}", intro, headers, rows, " ".join(sentences))
