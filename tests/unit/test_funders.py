"""Funder reports: the shipped mapping loads and names only figures a release holds, a sum that takes in a hidden
figure is never shown, what Waypoint does not keep says so, a broken mapping names its file and line, and the CSV
carries the funder and period on every row."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from models.base.settings import REPO_ROOT
from models.content import funders
from models.content.funders import ContentError, load_funder_mapping, load_funder_mappings, resource_codes
from models.content.loader import load_content
from models.services.clients import CLOSING_REASONS
from models.services.funder_report import (
    CSV_COLUMNS,
    HIDDEN,
    NOT_AVAILABLE,
    NOT_COLLECTED,
    NOT_RECORDED,
    SHOWN,
    funder_csv,
    funder_report,
    funder_section,
)
from models.services.periods import Period
from models.services.releases import SUMMARY_ROWS, TABLES, Cell, Release
from models.store.entities import CONCERN_LEVELS, CONTACT_MODES
from tests.unit.helpers import edit_yaml

CONTENT = REPO_ROOT / "content"
K = 5


@pytest.fixture(scope="module")
def mapping() -> funders.FunderMapping:
    return load_funder_mapping(CONTENT, "voca-pmt")


def _release(cells: list[Cell], agency: str = "Example County Advocacy") -> Release:
    return Release(period=Period(date(2026, 7, 1), date(2026, 9, 30), "quarter"),
                   previous=Period(date(2026, 4, 1), date(2026, 6, 30), "quarter"), agency=agency, k=K,
                   figures_as_of=datetime(2026, 10, 1, 5), made_at=datetime(2026, 12, 2, 15, 30), made_by="Sam",
                   cells=cells)


def _full_release(hidden: set[str] = frozenset(), values: dict[str, int] | None = None) -> Release:
    """Every row of every mappable table, as the release's computation lists them (zeros included): 7 for each
    figure unless `values` says otherwise, and the ones in `hidden` hidden."""
    values = values or {}
    cells: list[Cell] = []

    def add(table: str, row: str, column: str) -> None:
        ref = f"{table}.{row}.{column}"
        is_hidden = ref in hidden
        cells.append(Cell(table, row, row, column, None if is_hidden else values.get(ref, 7), is_hidden))

    for row in SUMMARY_ROWS:
        add("summary", row, "value")
    for row in CONTACT_MODES:
        add("contact_mode", row, "check_ins")
    for row in CONCERN_LEVELS:
        add("concern", row, "check_ins")
    for row in CLOSING_REASONS:
        add("closings", row, "closings")
    for code in sorted(resource_codes(CONTENT)):
        add("referrals", code, "offered")
        add("referrals", code, "taken_up")
    for row in ("yes", "no"):
        add("interpreter", row, "check_ins")
    for row in ("en", "es", "other"):
        add("conversation_language", row, "check_ins")
    return _release(cells)


# --- the shipped mapping ---------------------------------------------------------------------------------------

def test_the_vocabulary_matches_the_release_and_the_store():
    """funders.py cannot import the services or the store; this keeps its lists equal to theirs."""
    assert tuple(SUMMARY_ROWS) == funders.SUMMARY_ROWS
    assert funders.CONTACT_MODES == CONTACT_MODES
    assert funders.CONCERN_LEVELS == CONCERN_LEVELS
    assert tuple(CLOSING_REASONS) == funders.CLOSING_REASONS
    assert set(funders.CELLS) | set(funders.NOT_MAPPABLE) == set(TABLES)


def test_the_shipped_mapping_loads_with_its_source_and_every_figure_is_in_a_release(mapping):
    assert mapping.name == "voca-pmt" and mapping.source.address.startswith("https://ovc.ojp.gov/")
    assert mapping.source.checked == date(2026, 12, 2)
    assert "example" in mapping.about.lower()
    release = _full_release()
    refs = [ref for line in mapping.lines for ref in line.cells()]
    assert len(refs) > 20
    missing = [".".join(ref) for ref in refs if release.cell(*ref) is None]
    assert missing == []
    for table, row, _ in refs:
        assert table in TABLES
        if table == "summary":
            assert row in SUMMARY_ROWS


def test_every_referral_line_names_a_resource_of_the_active_national_pack(mapping):
    codes = {r.code for r in load_content(CONTENT, ("us-national",)).resources}
    named = {row for line in mapping.lines for table, row, _ in line.cells() if table == "referrals"}
    assert named and named <= codes
    # A3 and A4 never count the same resource twice.
    a3, a4 = ({row for _, row, _ in mapping.line(i).cells()} for i in
              ("a3-referral-victim-services", "a4-referral-other-services"))
    assert a3 and a4 and not a3 & a4


def test_the_mapping_covers_the_five_service_categories_and_demographics(mapping):
    sections = {line.section for line in mapping.lines}
    for name in ("A. Information & Referral", "B. Personal advocacy/accompaniment",
                 "C. Emotional support or safety services", "D. Shelter/housing services",
                 "E. Criminal/civil justice system assistance"):
        assert name in sections
    assert mapping.line("c1-crisis-intervention-safety-planning").cell == "summary.safety_planning.value"
    for line_id in ("race-ethnicity", "gender-identity", "age"):
        assert mapping.line(line_id).not_collected
    assert all(line.not_recorded for line in mapping.lines if line.section.startswith("D."))
    assert any(not line.confirmed and line.note for line in mapping.lines)
    assert all(line.note for line in mapping.lines if not line.confirmed)


def test_load_funder_mappings_finds_the_shipped_file():
    assert list(load_funder_mappings(CONTENT)) == ["voca-pmt"]


# --- the report and its safety rule ----------------------------------------------------------------------------

def test_a_report_shows_sums_of_shown_figures(mapping):
    report = funder_report(_full_release(values={"contact_mode.phone.check_ins": 30,
                                                 "contact_mode.text.check_ins": 12,
                                                 "contact_mode.chat.check_ins": 0,
                                                 "summary.clients_seen.value": 41}), mapping)
    by_id = {line.id: line for line in report.lines}
    assert (by_id["c2-hotline-counseling"].value, by_id["c2-hotline-counseling"].status) == ("42", SHOWN)
    assert by_id["individuals-served"].figure == 41
    assert by_id["a3-referral-victim-services"].value == str(7 * 7)
    assert report.period_label == "Q3 2026" and report.agency == "Example County Advocacy"
    assert [line.id for line in report.lines] == [line.id for line in mapping.lines]


def test_a_sum_with_a_hidden_figure_is_never_shown(mapping):
    """The shown parts and the line's total would give the hidden figure back, so the total is not given."""
    release = _full_release(hidden={"referrals.rainn.offered"},
                            values={"referrals.ndvh.offered": 40})
    line = {ln.id: ln for ln in funder_report(release, mapping).lines}["a3-referral-victim-services"]
    assert line.status == HIDDEN and line.figure is None
    assert not any(ch.isdigit() for ch in line.value)
    shown_parts = 40 + 7 * 5
    assert str(shown_parts) not in line.note and str(shown_parts) not in line.value
    assert f"fewer than {K}" in line.note


def test_every_hidden_figure_hides_every_line_that_adds_it(mapping):
    """Hide each figure of each line in turn: no line that takes it in ever shows a number."""
    for line in mapping.lines:
        for ref in line.cells():
            release = _full_release(hidden={".".join(ref)})
            result = {ln.id: ln for ln in funder_report(release, mapping).lines}[line.id]
            assert result.status == HIDDEN and result.figure is None, (line.id, ref)
            assert result.value == "not shown"


def test_a_lone_hidden_figure_reads_as_the_report_writes_it(mapping):
    """'not shown', as in the report's own tables: a figure hidden to protect another may be large."""
    release = _full_release(hidden={"summary.new_clients.value"})
    line = {ln.id: ln for ln in funder_report(release, mapping).lines}["new-individuals"]
    assert line.value == "not shown"
    zeros = {f"contact_mode.{m}.check_ins": 0 for m in ("phone", "text")}
    release = _full_release(hidden={"contact_mode.chat.check_ins"}, values=zeros)
    line = {ln.id: ln for ln in funder_report(release, mapping).lines}["c2-hotline-counseling"]
    assert line.value == "not shown" and line.status == HIDDEN


def test_a_figure_the_release_lacks_is_not_read_as_zero(mapping):
    release = _full_release()
    release.cells = [c for c in release.cells if not (c.table == "referrals" and c.row == "rainn")]
    line = {ln.id: ln for ln in funder_report(release, mapping).lines}["a3-referral-victim-services"]
    assert line.status == NOT_AVAILABLE and line.figure is None and "referrals.rainn.offered" in line.note


def test_not_collected_and_not_recorded_lines_say_so(mapping):
    lines = {ln.id: ln for ln in funder_report(_full_release(), mapping).lines}
    assert (lines["gender-identity"].value, lines["gender-identity"].status) == ("not collected", NOT_COLLECTED)
    assert "no demographics by design" in lines["age"].note
    assert lines["d1-emergency-shelter"].value == "not recorded" and lines["d1-emergency-shelter"].status == \
        NOT_RECORDED
    assert all(ln.figure is None for ln in lines.values() if ln.status != SHOWN)


# --- the CSV and the PDF section -------------------------------------------------------------------------------

def test_the_csv_has_one_row_per_line_with_funder_and_period(mapping):
    report = funder_report(_full_release(hidden={"referrals.rainn.offered"}), mapping)
    rows = list(csv.reader(io.StringIO(funder_csv(report).decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(mapping.lines)
    assert all(r[0] == mapping.funder and r[1] == "Q3 2026" and r[2] == "2026-07-01" for r in rows[1:])
    a3 = next(r for r in rows if r[-1] == "a3-referral-victim-services")
    assert a3[CSV_COLUMNS.index("value")] == "not shown"


def test_the_csv_quotes_cells_a_spreadsheet_would_run(mapping):
    report = funder_report(_release(_full_release().cells, agency="=HYPERLINK(\"x\")"), mapping)
    rows = list(csv.reader(io.StringIO(funder_csv(report).decode("utf-8"))))
    assert all(r[CSV_COLUMNS.index("agency")].startswith("'=") for r in rows[1:])


def test_the_pdf_section_is_a_titled_table_with_a_methods_note(mapping):
    section = funder_section(funder_report(_full_release(), mapping))
    assert section.title.endswith("Q3 2026") and section.headers[2] == "Waypoint figure"
    assert len(section.rows) == len(mapping.lines) and all(len(r) == 4 for r in section.rows)
    assert "fewer than 5 clients" in section.note and "no demographics by design" in section.note
    assert any(r[1].endswith(" *") for r in section.rows)


# --- broken mappings -------------------------------------------------------------------------------------------

@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(CONTENT, tmp_path / "content")
    return tmp_path / "content"


def _mapping_file(root: Path) -> Path:
    return root / "funders" / "voca-pmt.yaml"


def _set_line(root: Path, line_id: str, **fields: object) -> None:
    def change(data: dict) -> None:
        line = next(ln for ln in data["lines"] if ln["id"] == line_id)
        for key in ("cell", "sum", "not_collected", "not_recorded"):
            line.pop(key, None)
        line.update(fields)
    edit_yaml(_mapping_file(root), change)


@pytest.mark.parametrize(("fields", "expected"), [
    ({"cell": "summary.clients_served.value"}, "has no row 'clients_served'"),
    ({"cell": "summary.clients_seen.count"}, "has no column 'count'"),
    ({"cell": "sings.signs.fear.share"}, "there is no table 'sings'"),
    ({"cell": "overdue.3.clients"}, "staff data"),
    ({"cell": "clients_seen"}, "table.row.column"),
    ({"sum": ["summary.clients_seen.value", "summary.new_clients.value"]}, "distinct clients"),
    ({"sum": ["contact_mode.phone.check_ins", "contact_mode.phone.check_ins"]}, "twice"),
    ({"average": ["contact_mode.phone.check_ins"]}, "'average' is not a field Waypoint knows"),
    ({}, "give exactly one formula"),
    ({"cell": "summary.check_ins.value", "not_recorded": "x"}, "exactly one formula"),
])
def test_a_bad_line_names_the_file_and_the_line(copy, fields, expected):
    _set_line(copy, "c2-hotline-counseling", **fields)
    with pytest.raises(ContentError) as err:
        load_funder_mapping(copy, "voca-pmt")
    message = str(err.value)
    assert message.startswith("content/funders/voca-pmt.yaml: line 'c2-hotline-counseling'")
    assert expected in message


def test_an_unknown_resource_names_the_file_the_line_and_the_code(copy):
    _set_line(copy, "a3-referral-victim-services",
              sum=["referrals.ndvh.offered", "referrals.our-county-shelter.offered"])
    with pytest.raises(ContentError, match=r"voca-pmt.yaml: line 'a3-referral-victim-services': "
                                           r"referrals.our-county-shelter.offered names the resource "
                                           r"'our-county-shelter', which is in no resource pack"):
        load_funder_mapping(copy, "voca-pmt")


def test_a_resource_of_an_inactive_pack_is_accepted(copy):
    """example-local is not active by default, but a mapping may still name its codes."""
    _set_line(copy, "a3-referral-victim-services",
              sum=["referrals.ndvh.offered", "referrals.example-county-shelter.offered"])
    assert load_funder_mapping(copy, "voca-pmt").line("a3-referral-victim-services").sum


def test_duplicate_ids_a_missing_file_and_bad_yaml_are_refused(copy):
    edit_yaml(_mapping_file(copy), lambda d: d["lines"].append(dict(d["lines"][0])))
    with pytest.raises(ContentError, match="the line id 'individuals-served' is used twice"):
        load_funder_mapping(copy, "voca-pmt")
    with pytest.raises(ContentError, match="content/funders/fvpsa.yaml: the file is missing"):
        load_funder_mapping(copy, "fvpsa")
    _mapping_file(copy).write_text("lines: [unclosed\n")
    with pytest.raises(ContentError, match="not valid YAML"):
        load_funder_mapping(copy, "voca-pmt")


def test_a_future_checked_date_and_a_missing_confirmed_are_refused(copy):
    edit_yaml(_mapping_file(copy), lambda d: d["source"].update(checked="2099-01-01"))
    with pytest.raises(ContentError, match="field 'source.checked'"):
        load_funder_mapping(copy, "voca-pmt")
    shutil.copy(CONTENT / "funders" / "voca-pmt.yaml", _mapping_file(copy))
    edit_yaml(_mapping_file(copy), lambda d: d["lines"][0].pop("confirmed"))
    with pytest.raises(ContentError, match="line 'individuals-served', field 'confirmed': Field required"):
        load_funder_mapping(copy, "voca-pmt")
