"""A quarter's (or fiscal year's) released figures, put into the categories a funder asks for (content/funders/).

Only a release is read: its figures are already suppressed, and it was made by someone allowed to make it, so
this module only rearranges them and checks no permission of its own. The one rule it adds: a line's figure is
shown only when every released figure it adds up is shown. A sum that took in a hidden figure would give that
figure back to anyone who subtracts the shown parts from it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import NamedTuple

from models.base.inputs import spreadsheet_safe as _safe_cell
from models.content.funders import FunderLine, FunderMapping
from models.services.releases import Release

SHOWN, HIDDEN, NOT_COLLECTED, NOT_RECORDED, NOT_AVAILABLE = (
    "shown", "hidden", "not collected", "not recorded", "not available")
NOT_SHOWN = "not shown"
CSV_COLUMNS = ("funder", "period", "period_start", "period_end", "agency", "section", "question", "value", "note",
               "question_wording_confirmed", "line_id")


@dataclass(frozen=True)
class ReportLine:
    id: str
    section: str
    question: str
    value: str  # what the reader sees: "12", "fewer than 5", "not shown", "not collected", "not recorded"
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
        return made(NOT_COLLECTED, line.not_collected, NOT_COLLECTED)
    if line.not_recorded is not None:
        return made(NOT_RECORDED, line.not_recorded, NOT_RECORDED)
    refs = line.cells()
    cells = [release.cell(*ref) for ref in refs]
    missing = [".".join(ref) for ref, c in zip(refs, cells, strict=True) if c is None]
    if missing:
        # Never read as zero: a figure the release does not hold may have been left out for any reason.
        return made(NOT_AVAILABLE, f"This release holds no figure for {', '.join(missing)}.", NOT_AVAILABLE)
    hidden = [c for c in cells if c is not None and (c.hidden or c.value is None)]
    shown_total = sum(_number(c.value) for c in cells if c is not None and not c.hidden and c.value is not None)
    if hidden:
        return made(NOT_SHOWN, f"Not shown: it would include a figure kept hidden because it is for fewer than "
                    f"{k} clients, or could give such a figure away.", HIDDEN)
    return made(str(shown_total), "", SHOWN, shown_total)


def funder_report(release: Release, mapping: FunderMapping) -> FunderReport:
    """Every line of the mapping answered from the release, in the mapping's order."""
    return FunderReport(
        funder=mapping.funder, title=mapping.title, mapping=mapping.name,
        source=f"{mapping.source.title}, {mapping.source.address} (checked {mapping.source.checked.isoformat()})",
        about=mapping.about, agency=release.agency,
        period_label=release.period.label(), period_dates=release.period.dates(),
        period_start=release.period.start.isoformat(), period_end=release.period.end.isoformat(),
        k=release.k, made_by=release.made_by, made_at=release.made_at.strftime("%Y-%m-%d %H:%M UTC"),
        lines=tuple(_line(release, line) for line in mapping.lines),
    )


def funder_csv(report: FunderReport) -> bytes:
    """One row per line, each carrying the funder and the period, so a row copied elsewhere still says what it
    is. Cells a spreadsheet could run as a formula are quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in report.lines:
        row = (report.funder, report.period_label, report.period_start, report.period_end, report.agency,
               line.section, line.question, line.value, line.note, "yes" if line.confirmed else "no", line.id)
        writer.writerow(tuple(_safe_cell(c) for c in row))
    return out.getvalue().encode("utf-8")


def funder_section(report: FunderReport) -> FunderSection:
    """The report as plain data for a titled table in a PDF: section, question, figure, note."""
    unconfirmed = sum(not line.confirmed for line in report.lines)
    intro = (f"{report.period_label} ({report.period_dates}), in the categories of the {report.title}. "
             f"{report.about}")
    note = (f"A line that would include a figure not shown in the report (one based on fewer than {report.k} "
            f"clients, or one that would give such a figure away) is not shown either, so that no hidden figure "
            f"can be worked out. \"Not "
            f"collected\": Waypoint stores no demographics by design. \"Not recorded\": Waypoint does not record "
            f"that service. Questions from: {report.source}. "
            + (f"The wording of {unconfirmed} question(s) (marked *) could not be confirmed in an official source."
               if unconfirmed else ""))
    rows = [[line.section, line.question + ("" if line.confirmed else " *"), line.value, line.note]
            for line in report.lines]
    return FunderSection(f"{report.funder}: {report.period_label}", intro,
                         ["Section", "Question", "Waypoint figure", "Note"], rows, note.strip())
