"""The report file: a release (figures already suppressed) drawn as a PDF with charts, read back with pypdf.

The releases are built by hand, so these tests need no database: a quarter with hidden cells, a quarter with no
earlier data, a fiscal year. The first two pages of the quarter's PDF are drawn to PNG with pdftoppm (when it is
installed) into artifacts/screenshots/, to be looked at.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from models.services import report_charts
from models.services.periods import Period, quarter_of
from models.services.releases import SUMMARY_ROWS, Cell, Release
from models.services.report_pdf import ReportSection, latin1, render_pdf

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"

CONCERN = {"low": "Low", "moderate": "Moderate", "high": "High", "immediate": "Immediate danger"}
MODES = {"in-person": "In person", "phone": "Phone", "text": "Text", "chat": "Chat", "video": "Video"}
SIGNS = {"fear": "Afraid to go home", "sleep": "Trouble sleeping", "isolation": "Cut off from friends or family",
         "threats": "Threats described", "children": "Worried about the children"}
RESOURCES = {"shelter": "Emergency shelter", "legal": "Legal advocacy", "counselling": "Counselling",
             "housing": "Housing help", "hotline": "National hotline"}
REASONS = {"goals_met": "Goals met", "client_ended": "Client chose to end", "lost_contact": "Lost contact",
           "moved_away": "Moved away", "referred": "Referred elsewhere"}
ADVOCATES = {"7": "Rosa Martínez", "9": "Sam O’Neill", "12": "Lee Park"}
K = 5


def _cells(table: str, labels: dict[str, str], column: str, values: dict[str, float | None],
           kind: str = "count") -> list[Cell]:
    return [Cell(table, row, label, column, values.get(row), hidden=values.get(row) is None, kind=kind)
            for row, label in labels.items()]


def make_release(period: Period, *, hidden: bool = True, earlier: bool = True, agency: str = "Harbor House",
                 scale: int = 1) -> Release:
    """A release with every table; `hidden` puts hidden cells in most tables; `scale` multiplies the figures."""
    h = None if hidden else 3  # a hidden figure has no value; an unhidden small one would be shown (only in tests)
    s = scale
    summary = {"check_ins": 412 * s, "clients_seen": 131 * s, "new_clients": 38 * s, "safety_planning": 97 * s,
               "safety_planning_clients": 61 * s, "referrals_offered": 144 * s, "referrals_taken_up": 71 * s,
               "files_closed": 29 * s}
    months = {m.isoformat(): f"{m:%b %Y}" for m in period.months}
    month_values = {m: float(120 + 17 * i) * s for i, m in enumerate(months)}
    if hidden:
        month_values[list(months)[-1]] = None
    cells = _cells("summary", SUMMARY_ROWS, "value", summary)
    cells[1] = Cell("summary", "clients_seen", SUMMARY_ROWS["clients_seen"], "value", 131 * s, kind="clients")
    cells += _cells("by_month", months, "check_ins", month_values)
    cells += _cells("concern", CONCERN, "check_ins", {"low": 180 * s, "moderate": 141 * s, "high": 88 * s,
                                                     "immediate": h})
    cells += _cells("contact_mode", MODES, "check_ins", {"in-person": 160 * s, "phone": 171 * s, "text": 52 * s,
                                                        "chat": h, "video": 0})
    signs = {"fear": 88 * s, "sleep": 140 * s, "isolation": 61 * s, "threats": h, "children": 35 * s}
    cells += _cells("signs", SIGNS, "check_ins", signs)
    cells += _cells("signs", SIGNS, "share", {r: (v / (412 * s) if v is not None else None) for r, v in signs.items()},
                    kind="share")
    cells += _cells("referrals", RESOURCES, "offered", {"shelter": 40 * s, "legal": 52 * s, "counselling": 31 * s,
                                                        "housing": 17 * s, "hotline": h})
    cells += _cells("referrals", RESOURCES, "taken_up", {"shelter": 22 * s, "legal": 30 * s, "counselling": 12 * s,
                                                         "housing": h, "hotline": 0})
    cells += _cells("closings", REASONS, "closings", {"goals_met": 11 * s, "client_ended": 7 * s,
                                                      "lost_contact": 6 * s, "moved_away": h, "referred": h})
    cells += _cells("overdue", ADVOCATES, "clients", {"7": 6, "9": h, "12": 8}, kind="clients")
    previous = _cells("summary", SUMMARY_ROWS, "value",
                      {"check_ins": 380 * s, "clients_seen": 120 * s, "new_clients": h, "safety_planning": 90 * s,
                       "safety_planning_clients": 55 * s, "referrals_offered": 130 * s, "referrals_taken_up": 66 * s,
                       "files_closed": 25 * s}) if earlier else []
    return Release(period=period, previous=period.previous(), agency=agency, k=K,
                   figures_as_of=datetime(2027, 1, 2, 6, 0), made_at=datetime(2027, 1, 15, 20, 5),
                   made_by="Dana Ruiz", cells=cells, previous_cells=previous, has_earlier_data=earlier)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text)


Q4 = quarter_of(date(2026, 11, 1))
FY = Period(date(2026, 7, 1), date(2027, 6, 30), "fiscal_year")


@pytest.fixture(scope="module")
def quarter_pdf() -> bytes:
    return render_pdf(make_release(Q4), zone=ZoneInfo("America/Chicago"))


def test_title_block_names_the_agency_the_period_and_the_period_before(quarter_pdf: bytes) -> None:
    text = _plain(_text(quarter_pdf))
    assert "Harbor House" in text
    assert "Caseload report" in text
    assert "Q4 2026" in text and "1 Oct 2026 - 31 Dec 2026" in text
    assert "Q3 2026, 1 Jul 2026 - 30 Sep 2026" in text
    assert "Made on 15 Jan 2027, 14:05 CST by Dana Ruiz" in text  # 20:05 UTC in Chicago
    assert "Figures as of 2 Jan 2027, 00:00 CST" in text


def test_metadata_and_page_numbers(quarter_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(quarter_pdf))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Harbor House - Caseload report, Q4 2026"
    assert meta.author == "Dana Ruiz, Harbor House"
    assert meta.creation_date is not None and meta.creation_date.replace(tzinfo=None) == datetime(2027, 1, 15, 20, 5)
    pages = len(reader.pages)
    assert pages >= 3
    assert f"Page 1 of {pages}" in reader.pages[0].extract_text()
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4 portrait
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.1)


def test_hidden_figures_are_written_fewer_than_k(quarter_pdf: bytes) -> None:
    text = _plain(_text(quarter_pdf))
    # The headline table: the previous period's hidden new-clients figure.
    assert re.search(r"New clients 38 not shown", text)
    assert re.search(r"Immediate danger not shown", text)
    assert re.search(r"Chat not shown", text) and re.search(r"Video 0", text)
    assert re.search(r"Threats described not shown not shown", text)  # the count and its share
    assert re.search(r"National hotline not shown 0", text)
    assert re.search(r"Housing help 17 not shown", text)
    assert re.search(r"Dec 2026 not shown", text)
    assert text.count("not shown") >= 10


def test_figure_tables_follow_their_order(quarter_pdf: bytes) -> None:
    text = _plain(_text(quarter_pdf))
    # Months in time order; concern low to immediate; the rest largest first.
    assert text.index("Oct 2026 120") < text.index("Nov 2026 137") < text.index("Dec 2026 not shown")
    assert text.index("Low 180") < text.index("Moderate 141") < text.index("High 88") < text.index("Immediate danger")
    assert text.index("Phone 171") < text.index("In person 160") < text.index("Text 52") < text.index("Video 0")
    assert text.index("Video 0") < text.index("Chat not shown")  # not shown: after the rest, of any size
    assert "Trouble sleeping 140 34%" in text


def test_charts_are_embedded_as_images(quarter_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(quarter_pdf))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 6  # months, concern, contact, signs, referrals, closings
    assert all(image.image.width > 600 for image in images)  # drawn at scale 2


def test_advocate_figures_only_when_chosen(quarter_pdf: bytes) -> None:
    text = _plain(_text(quarter_pdf))
    assert "Follow-ups overdue, by advocate" not in text
    assert "Rosa" not in text and "Park" not in text
    assert "Figures per advocate were left out of this report: they are staff-performance data" in text

    chosen = _plain(_text(render_pdf(make_release(Q4), include_advocates=True)))
    assert "Follow-ups overdue, by advocate" in chosen
    assert "Lee Park 8" in chosen and "Rosa Martínez 6" in chosen and "Sam O'Neill not shown" in chosen
    assert "left out of this report" not in chosen


def test_methods_note(quarter_pdf: bytes) -> None:
    text = _plain(_text(quarter_pdf))
    assert "About these figures" in text
    assert "observations, not scores" in text
    assert 'A figure based on fewer than 5 clients is written "not shown"' in text
    assert "whole calendar quarters and whole fiscal years, with no filters" in text
    assert "cannot be worked out from the other figures in this report or in any other Waypoint report" in text
    assert "No client codes, names or other personal details" in text


def test_no_earlier_data_says_so_instead_of_a_comparison() -> None:
    text = _plain(_text(render_pdf(make_release(Q4, earlier=False))))
    assert "Q3 2026, 1 Jul 2026 - 30 Sep 2026 (no earlier records, so no comparison is shown)" in text
    assert text.count("no earlier records") == 1 + len(SUMMARY_ROWS)
    assert re.search(r"Check-ins 412 no earlier records", text)


def test_fiscal_year_has_twelve_months_in_order() -> None:
    pdf = render_pdf(make_release(FY, hidden=False, scale=4))
    text = _plain(_text(pdf))
    assert "FY 2026-27" in text and "1 Jul 2026 - 30 Jun 2027" in text
    assert "FY 2025-26, 1 Jul 2025 - 30 Jun 2026" in text
    table = text[text.index("Month Check-ins"):]
    positions = [table.index(f"{m:%b %Y} ") for m in FY.months]
    assert positions == sorted(positions)
    assert "not shown" not in text.split("About these figures")[0]  # nothing hidden in this one
    assert "1,648" in text  # thousands written with a separator


def test_extra_sections_break_across_pages_with_the_header_repeated() -> None:
    rows = [[f"Service category {n}", str(n * 3), "fewer than 5" if n % 7 == 0 else str(n)] for n in range(1, 90)]
    section = ReportSection(title="Funder categories (VOCA)", intro="The quarter's figures in the funder's words.",
                            headers=["Category", "Check-ins", "Clients"], rows=rows, note="Demographics: not "
                            "collected. Waypoint stores none by design.")
    pdf = render_pdf(make_release(Q4), extra_sections=[section])
    reader = PdfReader(io.BytesIO(pdf))
    pages = [_plain(p.extract_text()) for p in reader.pages]
    holding = [i for i, p in enumerate(pages) if "Service category" in p]
    assert len(holding) >= 2  # the table runs onto a second page
    for i in holding:
        assert "Category Check-ins Clients" in pages[i]  # header on every page it runs onto
    whole = " ".join(pages)
    assert "Funder categories (VOCA)" in whole and "Service category 89 267 89" in whole
    assert "Demographics: not collected." in whole


def test_text_beyond_latin1_prints_and_cannot_break_out() -> None:
    agency = "Casa de la Esperanza “Nuestra Señora” — Año 2026…\nŁódź 中心 <b>&amp;</b> **bold**\u200b" + " Long" * 30
    release = make_release(Q4, agency=agency)
    section = ReportSection(title="Categorías del financiador – ¿qué se pide?", intro="Niños y niñas: ¡sí!",
                            headers=["Categoría", "Número"], rows=[["Atención en español", "12"], ["x" * 300, "1"]])
    pdf = render_pdf(release, extra_sections=[section])
    text = _plain(_text(pdf))
    assert 'Casa de la Esperanza "Nuestra Señora" - Año 2026... Lódz ?? <b>&amp;</b> **bold**' in text
    assert "Categorías del financiador - ¿qué se pide?" in text and "Niños y niñas: ¡sí!" in text
    assert "Atención en español 12" in text
    head = _plain(PdfReader(io.BytesIO(pdf)).pages[1].extract_text()).split(" Check-ins by")[0]
    assert head.endswith("...")  # the running head is cut to its line, never run off the page


def test_latin1_normaliser() -> None:
    assert latin1("‘a’ “b” – — … € ≥") == "'a' \"b\" - - ... EUR >="
    assert latin1("Peña\nÖrjan\tő\u200b\x07") == "Peña Örjan o"
    assert latin1("line one\nline two", one_line=False) == "line one\nline two"
    assert latin1("中") == "?"
    assert latin1(None) == ""


def test_an_empty_table_says_nothing_was_recorded() -> None:
    release = make_release(Q4)
    release.cells = [c for c in release.cells if c.table != "closings"]
    text = _plain(_text(render_pdf(release)))
    assert "Files closed, by reason Nothing was recorded for this in the period." in text
    assert len([i for p in PdfReader(io.BytesIO(render_pdf(release))).pages for i in p.images]) == 5


def test_first_pages_drawn_for_looking(quarter_pdf: bytes, tmp_path: Path) -> None:
    """Not an assertion on looks: the pages are written to artifacts/screenshots/ for a person to check."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "report.pdf"
    source.write_bytes(quarter_pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(source), str(SHOTS / "report-pdf")],
                   check=True, timeout=60)
    drawn = sorted(SHOTS.glob("report-pdf-*.png"))
    assert len(drawn) >= 2


def _layers(chart: object) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    spec = chart.to_dict()  # type: ignore[attr-defined]
    return spec["data"]["values"] if "data" in spec else spec["layer"][0]["data"]["values"], spec["layer"]


def test_charts_mark_hidden_figures_and_keep_their_order() -> None:
    release = make_release(Q4)
    closings = report_charts.horizontal_bars(release.table("closings"), "closings", k=K, title="Files closed")
    points, layers = _layers(closings)
    hidden = [p for p in points if p["hidden"]]
    assert {p["label"] for p in hidden} == {"Moved away", "Referred elsewhere"}
    assert all(p["words"] == "not shown" and p["end"] == 0 and p["fill"] != report_charts.INK for p in hidden)
    order = layers[0]["encoding"]["y"]["sort"]
    assert order == ["Goals met", "Client chose to end", "Lost contact", "Moved away", "Referred elsewhere"]
    axis = layers[0]["encoding"]["x"]["axis"]
    assert axis["format"] == ",d" and axis["tickMinStep"] == 1  # counts: whole-number ticks

    concern = report_charts.concern_order(release.table("concern").iloc[::-1].reset_index(drop=True))
    chart = report_charts.horizontal_bars(concern, "check_ins", k=K, title="Check-ins", by_value=False)
    assert _layers(chart)[1][0]["encoding"]["y"]["sort"] == ["Low", "Moderate", "High", "Immediate danger"]

    months = release.table("by_month").iloc[::-1].reset_index(drop=True)  # given newest first
    points, layers = _layers(report_charts.month_bars(months, "check_ins", k=K, title="Check-ins"))
    assert layers[0]["encoding"]["x"]["sort"] == ["Oct 2026", "Nov 2026", "Dec 2026"]
    assert [(p["upper"], p["lower"]) for p in points if p["hidden"]] == [("fewer", "than 5")]


def test_paired_chart_keeps_both_series_in_its_legend() -> None:
    frame = make_release(Q4).table("referrals")
    frame["taken_up_hidden"] = True  # every "taken up" figure hidden
    frame["taken_up"] = None
    points, layers = _layers(report_charts.paired_bars(frame, {"offered": "Offered", "taken_up": "Taken up"}, k=K,
                                                       title="Referrals"))
    fill = layers[0]["encoding"]["fill"]
    assert fill["legend"]["values"] == ["Offered", "Taken up"]
    assert sum(p["hidden"] for p in points) == len(frame) + 1  # all taken up, and the hidden offered one
    assert report_charts.to_png(report_charts.paired_bars(frame, {"offered": "Offered", "taken_up": "Taken up"},
                                                          k=K, title="Referrals"))[:8] == b"\x89PNG\r\n\x1a\n"
