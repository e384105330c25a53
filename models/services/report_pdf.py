"""The caseload report as a PDF a supervisor can hand to a funder: one release (models/services/releases.py), its
charts and their figures, and a methods note.

Everything here is drawn from a `Release`, whose figures are already suppressed: a hidden figure is written
"not shown" in the tables and named on the charts without a bar, never left out. Per-advocate figures
are staff-performance data and appear only when the person making the report chooses them.

Fonts: no Unicode TrueType font comes with our pip packages (the web app's are WOFF2, which needs brotli to read), and
a fresh Debian machine may have no system fonts at all, so the page uses the PDF core font Helvetica, which needs
no file. Helvetica covers Latin-1, so Spanish prints in full; `latin1()` turns typographic characters (curly
quotes, dashes, ellipses) into their plain forms, strips accents it cannot show, and writes "?" for anything else,
so no agency name or label can stop a report. The charts' text is drawn by vl-convert, with the system's fonts
or, on a machine with none, the Liberation Sans it carries in its own binary.

The report is written in the language of whoever makes it (i18n.current()): its words from the catalog, its dates,
numbers and chart axes the language's way, fixed row labels translated by their codes (releases.row_label).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo

import pandas as pd
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from models.base import i18n
from models.base.i18n import N_, _
from models.base.timeutil import show
from models.content.loader import Content
from models.services import report_charts as charts
from models.services.releases import SUMMARY_ROWS, Cell, Release, cell_label, shown_as, table_title

FILE_TYPE = "application/pdf"

INK = (34, 34, 34)
MUTED = (102, 102, 102)
RULE = (200, 200, 200)
HEAD_FILL = (238, 242, 246)
STRIPE = (248, 248, 248)
MARGIN = 18  # mm
PX_MM = 0.27  # mm per chart pixel (at scale 1): an 11 px label prints at about 8.4 pt


@dataclass(frozen=True)
class ReportSection:
    """A further titled table for the report (the funder-category report is one): plain text, printed as given."""

    title: str
    intro: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    widths: tuple[float, ...] = ()  # relative column widths; () for the default (first column wide)
    align: tuple[str, ...] = ()  # "LEFT" or "RIGHT" per column; () for text left, numbers right


# Typographic characters Helvetica lacks, as the plain characters a typewriter would use.
_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u2032": "'", "\u2039": "<", "\u203a": ">",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-", "\u2023": "-", "\u2043": "-", "\u20ac": "EUR", "\u2122": "(TM)",
    "\u2264": "<=", "\u2265": ">=", "\u2192": "->", "\u2190": "<-", "\u2260": "!=", "\u2248": "~",
    "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u2007": " ", "\u2008": " ",
    "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0152": "OE", "\u0153": "oe",
    "\u0131": "i", "\u0126": "H", "\u0127": "h",  # letters with a stroke: no accent to strip
    "\t": " ", "\r": "",
})


def latin1(value: object, *, one_line: bool = True) -> str:
    """Text the core font can print, whatever it came in as: typographic characters made plain, accents Latin-1
    lacks dropped (ő to o), anything else "?", control characters removed; line breaks become spaces when
    `one_line` (a name must not break out of its line)."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value)).translate(_PLAIN)
    out = []
    for ch in text:
        if ch == "\n":
            out.append(" " if one_line else "\n")
        elif unicodedata.category(ch)[0] == "C":  # control, format (zero-width), private use, unassigned
            continue
        elif ord(ch) < 256:
            out.append(ch)
        else:
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out.append(plain if plain and all(ord(c) < 256 and c.isprintable() for c in plain) else "?")
    return "".join(out)


class _Page(FPDF):
    """A4 portrait with a quiet running head after the first page and "Page n of N" at the foot."""

    def __init__(self, running_head: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_head = running_head
        self.set_margins(MARGIN, 16, MARGIN)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self._fitted(self.running_head), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(5)
        self.set_text_color(*INK)

    def _fitted(self, text: str) -> str:
        """One line within the margins: a long agency name is cut short with "..." rather than run off the page."""
        if self.get_string_width(text) <= self.epw:
            return text
        while text and self.get_string_width(text + "...") > self.epw:
            text = text[:-1]
        return text.rstrip() + "..."

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(*MUTED)
        # TRANSLATORS: the foot of each page of a report's PDF: "Page 2 of 5".
        words = _("Page {page} of {pages}").format(page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(0, 5, latin1(words), align="C")


def _number(cell: Cell | None, k: int) -> str:
    if cell is None:
        # TRANSLATORS: in a report's table, for a figure the report does not hold.
        return _("not available")
    if cell.hidden:
        return shown_as(cell, k)
    if cell.value is None or pd.isna(cell.value):
        # TRANSLATORS: in a report's table, for a figure with nothing recorded.
        return _("none recorded")
    if cell.kind == "share":
        return i18n.percent(cell.value)
    return i18n.number(int(round(cell.value)))


@dataclass(frozen=True)
class _Figure:
    """One chart and its figure table: the release table, the first column's heading, the columns shown (headings
    are catalog texts, translated when drawn)."""

    table: str
    row_heading: str
    columns: dict[str, str]
    chart: Callable[[Release, pd.DataFrame], object]
    order: str = "value"  # "value": largest first; "as_given": the release's (natural) order; "time"; "concern"


def _bars(column: str, title: str, *, by_value: bool = True) -> Callable[[Release, pd.DataFrame], object]:
    def draw(release: Release, frame: pd.DataFrame) -> object:
        return charts.horizontal_bars(frame, column, k=release.k, title=_(title), by_value=by_value)
    return draw


def _signs(release: Release, frame: pd.DataFrame) -> object:
    total = release.cell("summary", "check_ins", "value")
    # A hidden share has no bar (report_charts): its row is named "not shown".
    top = (release.k / total.value) if total and total.value and not total.hidden else 0.02
    return charts.horizontal_bars(frame, "share", k=release.k, title=_(SHARE), share=True,
                                  placeholder=min(top, 1.0), count_column="check_ins")


def _referrals(release: Release, frame: pd.DataFrame) -> object:
    # TRANSLATORS: the axis title of a report's chart of referrals offered and taken up.
    return charts.paired_bars(frame, {"offered": _(OFFERED), "taken_up": _(TAKEN_UP)}, k=release.k,
                              title=_("Referrals"))


def _months(release: Release, frame: pd.DataFrame) -> object:
    return charts.month_bars(frame, "check_ins", k=release.k, title=_(CHECK_INS))


# Headings of the figure tables and chart axes (catalog texts).
# TRANSLATORS: a column heading and chart axis title in a caseload report.
CHECK_INS = N_("Check-ins")
# TRANSLATORS: a column heading and chart axis title: the share of check-ins where a sign was observed.
SHARE = N_("Share of check-ins")
# TRANSLATORS: referrals offered (a column heading and chart legend in a caseload report).
OFFERED = N_("Offered")
# TRANSLATORS: referrals the client took up (a column heading and chart legend in a caseload report).
TAKEN_UP = N_("Taken up")
# TRANSLATORS: a column heading and chart axis title: client files closed.
FILES_CLOSED = N_("Files closed")

FIGURES = (
    # TRANSLATORS: the first column's heading of a caseload report's table of check-ins per month.
    _Figure("by_month", N_("Month"), {"check_ins": CHECK_INS}, _months, order="time"),
    _Figure("concern", N_("Level of concern"), {"check_ins": CHECK_INS},
            _bars("check_ins", CHECK_INS, by_value=False), order="concern"),
    # TRANSLATORS: the first column's heading of a report's table of check-ins by how the contact happened.
    _Figure("contact_mode", N_("How the contact happened"), {"check_ins": CHECK_INS}, _bars("check_ins", CHECK_INS)),
    _Figure("signs", N_("Sign or reaction"), {"check_ins": CHECK_INS, "share": SHARE}, _signs),
    # TRANSLATORS: the first column's heading of a report's table of referrals: the resource offered.
    _Figure("referrals", N_("Resource"), {"offered": OFFERED, "taken_up": TAKEN_UP}, _referrals),
    # TRANSLATORS: the first column's heading of a report's table of files closed: why each was closed.
    _Figure("closings", N_("Reason"), {"closings": FILES_CLOSED}, _bars("closings", FILES_CLOSED)),
    # TRANSLATORS: the first column's heading of a report's table: the language a check-in's conversation was in.
    _Figure("conversation_language", N_("Language of the conversation"), {"check_ins": CHECK_INS},
            _bars("check_ins", CHECK_INS)),
    # TRANSLATORS: the first column's heading of a report's table of check-ins with and without an interpreter.
    _Figure("interpreter", N_("Interpreter"), {"check_ins": CHECK_INS}, _bars("check_ins", CHECK_INS)),
)


def _ordered(release: Release, figure: _Figure, content: Content | None = None) -> pd.DataFrame:
    frame = release.shown_table(figure.table, content)
    if frame.empty:
        return frame
    if figure.order == "time":
        return frame.sort_values("row", kind="stable").reset_index(drop=True)
    if figure.order == "concern":
        return charts.concern_order(frame)
    return charts.value_order(frame, next(iter(figure.columns)), k=release.k)


class _Report:
    def __init__(self, release: Release, zone: tzinfo, content: Content | None = None) -> None:
        self.release, self.zone, self.content = release, zone, content
        # TRANSLATORS: a report PDF's title (its metadata and running head); {period} is the period's name ("Q3 2026").
        title = _("{agency} - Caseload report, {period}").format(agency=release.agency,
                                                                 period=release.period.shown_label())
        self.pdf = _Page(latin1(title))
        self.pdf.set_title(latin1(title))
        self.pdf.set_author(latin1(f"{release.made_by}, {release.agency}"))
        # TRANSLATORS: a report PDF's subject (metadata); {period} is the period's name, {dates} its first and last
        # days.
        self.pdf.set_subject(latin1(_("Caseload figures for {period} ({dates})").format(
            period=release.period.shown_label(), dates=release.period.shown_dates())))
        self.pdf.set_creator("Waypoint")
        self.pdf.set_creation_date(release.made_at.replace(tzinfo=UTC) if release.made_at.tzinfo is None
                                   else release.made_at)
        self.pdf.add_page()

    # Text ------------------------------------------------------------------------------------------------
    def para(self, text: str, *, size: float = 10, style: str = "", color: tuple[int, int, int] = INK,
             height: float | None = None, space: float = 1.5) -> None:
        self.pdf.set_font("helvetica", style=style, size=size)
        self.pdf.set_text_color(*color)
        self.pdf.multi_cell(0, height or size * 0.5, latin1(text, one_line=False), align="L",
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(space)
        self.pdf.set_text_color(*INK)

    def heading(self, text: str, *, keep: float = 30) -> None:
        """A section heading, moved to the next page with what follows when fewer than `keep` mm are left."""
        if self.pdf.will_page_break(keep + 12):
            self.pdf.add_page()
        self.pdf.ln(3)
        self.para(text, size=13, style="B", space=0.5)
        self.pdf.set_draw_color(*RULE)
        self.pdf.line(self.pdf.l_margin, self.pdf.get_y(), self.pdf.w - self.pdf.r_margin, self.pdf.get_y())
        self.pdf.ln(2.5)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
              widths: Sequence[float] | None = None, align: Sequence[str] | None = None) -> None:
        """A table whose header row repeats on every page it runs onto; numbers right-aligned."""
        n = max(len(headers), 1)
        widths = widths or ([2.0] + [1.0] * (n - 1) if n > 2 else [1.4, 1.0][:n])
        align = list(align or ["LEFT"] + ["RIGHT"] * (n - 1))
        self.pdf.set_font("helvetica", size=9.5)
        self.pdf.set_draw_color(*RULE)
        head = FontFace(emphasis="BOLD", color=INK, fill_color=HEAD_FILL)
        with self.pdf.table(col_widths=widths, text_align=align, headings_style=head, line_height=4.6,
                            borders_layout="HORIZONTAL_LINES", cell_fill_color=STRIPE, cell_fill_mode="ROWS",
                            padding=(1, 2, 1, 2), repeat_headings=1, markdown=False, width=self.pdf.epw,
                            v_align="TOP") as table:
            header = table.row()
            for text in list(headers)[:n] or [""]:
                header.cell(latin1(text))
            for values in rows:
                row = table.row()
                cells = [latin1(v) for v in list(values)[:n]]
                for text in cells + [""] * (n - len(cells)):
                    row.cell(text)
        self.pdf.ln(2)

    # Sections --------------------------------------------------------------------------------------------
    def title_block(self) -> None:
        r, pdf = self.release, self.pdf
        self.para(r.agency, size=12, style="B", color=MUTED, space=0.5)
        # TRANSLATORS: the large title on a report PDF's first page.
        self.para(_("Caseload report"), size=24, height=11, space=1)
        self.para(f"{r.period.shown_label()}:  {r.period.shown_dates()}", size=13, style="B", space=3)
        if r.has_earlier_data:
            # TRANSLATORS: {period} is the previous period's name ("Q2 2026"), {dates} its first and last days.
            compared = _("Compared with the period before: {period}, {dates}")
        else:
            # TRANSLATORS: {period} is the previous period's name ("Q2 2026"), {dates} its first and last days.
            compared = _("Compared with the period before: {period}, {dates} (no earlier records, so no comparison is "
                         "shown)")
        self.para(compared.format(period=r.previous.shown_label(), dates=r.previous.shown_dates()), size=10)
        made = show(r.made_at, self.zone, with_zone=True)
        # TRANSLATORS: {date} is when this copy of the report was made, {name} the person who made it.
        self.para(_("Made on {date} by {name}").format(date=made, name=r.made_by), size=10, space=0.5)
        # TRANSLATORS: {date} is when the report's figures were fixed (first released).
        self.para(_("Figures as of {date}").format(date=show(r.figures_as_of, self.zone, with_zone=True)), size=10,
                  space=2)
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)

    def headline(self) -> None:
        r = self.release
        self.heading(table_title("summary"))
        previous = {c.row: c for c in r.previous_cells if c.table == "summary" and c.column == "value"}
        rows = []
        for code, name in SUMMARY_ROWS.items():
            cell = r.cell("summary", code, "value")
            before = _number(previous.get(code), r.k) if r.has_earlier_data else _("no earlier records")
            rows.append([cell_label(cell, self.content) if cell and cell.label else _(name), _number(cell, r.k),
                         before])
        # TRANSLATORS: column headings of a report's headline figures; {period} is a period's name ("Q3 2026").
        heads = [_("Figure"), _("This period ({period})").format(period=r.period.shown_label()),
                 _("Previous period ({period})").format(period=r.previous.shown_label())]
        self.table(heads, rows, widths=[2.2, 1.2, 1.4])

    def figure(self, figure: _Figure) -> None:
        r = self.release
        frame = _ordered(r, figure, self.content)
        title = table_title(figure.table)
        if frame.empty:
            self.heading(title, keep=10)
            # TRANSLATORS: under a report table's title when nothing was recorded for it in the period.
            self.para(_("Nothing was recorded for this in the period."), color=MUTED)
            return
        png = charts.to_png(figure.chart(r, frame), scale=2)  # type: ignore[arg-type]
        width_px, height_px = _png_size(png)
        w = min(width_px / 2 * PX_MM, self.pdf.epw)
        h = w * height_px / width_px
        # A short figure table stays on the page with its chart; a long one may run on (its header repeats).
        self.heading(title, keep=h + 12 + (7 * (len(frame) + 1) if len(frame) <= 15 else 20))
        # TRANSLATORS: the description of a chart for screen readers; {title} is the chart's title.
        alt_text = _("Chart: {title}").format(title=title)
        self.pdf.image(io.BytesIO(png), x=self.pdf.l_margin, w=w, h=h, alt_text=latin1(alt_text))
        self.pdf.ln(3)
        cells = {(c.row, c.column): c for c in r.cells if c.table == figure.table}
        rows = [[label] + [_number(cells.get((row, column)), r.k) for column in figure.columns]
                for row, label in zip(frame["row"], frame["label"], strict=True)]
        self.table([_(figure.row_heading), *(_(head) for head in figure.columns.values())], rows)

    def advocates(self, include: bool) -> None:
        r = self.release
        if not include:
            self.pdf.ln(2)
            self.para(_("Figures per advocate were left out of this report: they are staff-performance data, "
                        "included only when the person making the report chooses to."), size=9.5, color=MUTED)
            return
        self.heading(table_title("overdue"))
        frame = r.shown_table("overdue", self.content)
        self.para(_("Open files whose next check-in date had passed, per advocate, when these figures were fixed. "
                    "These are staff-performance figures, included because the person making the report chose to."),
                  size=9.5,
                  color=MUTED)
        if frame.empty:
            self.para(_("No follow-ups were overdue."), color=MUTED)
            return
        frame = frame.sort_values("label", kind="stable", key=lambda s: s.str.lower())  # by name: not a ranking
        cells = {c.row: c for c in r.cells if c.table == "overdue" and c.column == "clients"}
        # TRANSLATORS: column headings of a report's table of follow-ups overdue per advocate.
        self.table([_("Advocate"), _("Clients with a follow-up overdue")],
                   [[label, _number(cells.get(row), r.k)] for row, label in zip(frame["row"], frame["label"],
                                                                                strict=True)])

    def extra(self, section: ReportSection) -> None:
        self.heading(section.title)
        if section.intro:
            self.para(section.intro, size=9.5)
        self.table(section.headers, section.rows, widths=section.widths or None, align=section.align or None)
        if section.note:
            self.para(section.note, size=8.5, color=MUTED)

    def methods(self) -> None:
        k = self.release.k
        # TRANSLATORS: the heading of a report's methods note.
        self.heading(_("About these figures"), keep=85)  # the whole note on one page
        for head, text in (
            # TRANSLATORS: a bold lead-in of a report's methods note; the paragraph follows it on the same line.
            (_("What is counted."),
             # TRANSLATORS: "each counted once" in quotes repeats the words of some row labels ("Clients seen (each
             # counted once)"): translate them the same way.
             _("The figures count check-ins that advocates recorded in Waypoint during the period, by day in the "
               "agency's time zone. Where a line says \"each counted once\", a client seen several times counts "
               "once. Levels of concern, signs and reactions and ways of contact are what advocates observed and "
               "recorded at a check-in: they are observations, not scores, and they measure no one.")),
            # TRANSLATORS: a bold lead-in of a report's methods note: the words written in place of a hidden figure
            # (translate them as you translated "not shown").
            (_("\"Not shown\"."),
             # TRANSLATORS: {k} is the smallest number of clients a figure may show. "not shown" and "hidden in a
             # quarter" in quotes are the words the report writes in place of a hidden figure: translate them as you
             # translated "not shown: hidden in a quarter".
             _("A figure based on fewer than {k} clients is written \"not shown\" and has no bar on the charts, so "
               "that no small group of people can be picked out. Where the figures shown would give it back by "
               "subtraction from a total, another figure is not shown either, and that one may be of any size. A "
               "year's figure is not shown when a quarter does not show it (\"hidden in a quarter\"). A zero is "
               "shown: it points to nobody.").format(k=k)),
            # TRANSLATORS: a bold lead-in of a report's methods note.
            (_("Why a hidden figure stays hidden."),
             _("Reports leave Waypoint only for whole calendar quarters and whole fiscal years, with no filters, and "
               "a year is built from its quarters. A quarter's figures are fixed when first released and are not "
               "counted again. So a hidden figure cannot be worked out from the other figures in this report or in "
               "any other Waypoint report.")),
            # TRANSLATORS: a bold lead-in of a report's methods note.
            (_("What is not here."),
             _("No client codes, names or other personal details are in this report, only totals. Figures per "
               "advocate appear only when the person making the report chooses them.")),
        ):
            self.pdf.set_font("helvetica", style="B", size=9.5)
            self.pdf.set_text_color(*INK)
            self.pdf.write(5, latin1(head) + " ")
            self.pdf.set_font("helvetica", size=9.5)
            self.pdf.write(5, latin1(text, one_line=False))
            self.pdf.ln(7)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (IHDR), without decoding the image."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def render_pdf(release: Release, *, include_advocates: bool = False, extra_sections: Sequence[ReportSection] = (),
               zone: tzinfo = UTC, content: Content | None = None) -> bytes:
    """The report as PDF bytes, in the language being written. Times are shown in `zone` (the agency's);
    per-advocate figures only when `include_advocates`; `extra_sections` (such as the funder-category report) come
    after the charts; `content` (the checklist and resources in the language being written) names signs and
    resources in that language (without it they read as the release stored them, in English)."""
    report = _Report(release, zone, content)
    report.title_block()
    report.headline()
    for figure in FIGURES:
        report.figure(figure)
    report.advocates(include_advocates)
    for section in extra_sections:
        report.extra(section)
    report.methods()
    return bytes(report.pdf.output())
