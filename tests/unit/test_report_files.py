"""The files a report leaves the agency as (CSV, printable page, PDF, a funder's categories): only supervisors make
them, each is audited, none holds a client code, per-advocate figures only when chosen, hidden figures written as
hidden, and names typed by people stay text (no markup, no spreadsheet formula)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from models.base.settings import Settings
from models.content.funders import load_funder_mapping
from models.rules.permissions import Actor, PermissionDenied
from models.services import exports, releases
from models.services.demo import load_demo
from models.services.periods import quarter_of
from models.store.entities import AuditEvent, Client, User
from tests.unit.bad_inputs import DB_SETTINGS, any_text
from tests.unit.helpers import make_people
from tests.unit.test_releases import NOW, TODAY, _release, _supervisor

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Q3 = quarter_of(date(2026, 8, 1))


@pytest.fixture
def demo(db, content):
    load_demo(db, content, seed=21, now=NOW)
    return _supervisor(db)


def _exported(db) -> list[AuditEvent]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "aggregates_exported")
                              .order_by(AuditEvent.id)))


def test_each_file_is_made_only_for_supervisors_and_audited(db, content, demo):
    made = _release(db, demo, content, Q3)
    with db.reading() as s:
        user = s.scalar(select(User).where(User.role == "advocate"))
    advocate = Actor(user.id, user.username, user.display_name, user.role)
    mapping = load_funder_mapping(Settings().content_dir, "voca-pmt")
    for build in (lambda a: exports.report_csv(db, a, made), lambda a: exports.report_html(db, a, made),
                  lambda a: exports.report_pdf(db, a, made), lambda a: exports.funder_file(db, a, made, mapping)):
        with pytest.raises(PermissionDenied):
            build(advocate)
        build(demo)
    kinds = [e.detail.split(",")[0] for e in _exported(db)]
    assert kinds == ["csv", "printable report", "pdf report", "funder report voca-pmt"]
    assert all("Q3 2026 (2026-07-01 to 2026-09-30)" in e.detail for e in _exported(db))


def test_the_csv_says_what_it_covers_hides_small_figures_and_holds_no_code(db, content, demo):
    made = _release(db, demo, content, Q3)
    data = exports.report_csv(db, demo, made).decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert tuple(rows[0]) == exports.REPORT_COLUMNS
    assert {(r["report"], r["period_start"], r["period_end"]) for r in rows} == {("Q3 2026", "2026-07-01",
                                                                                  "2026-09-30")}
    assert {r["compared_with_start"] for r in rows} == {"2026-04-01"}
    assert any(r["value"] == "not shown" for r in rows)
    assert not any(r["table"] == releases.TABLES["overdue"] for r in rows)  # staff figures: opt-in
    with db.reading() as s:
        codes = list(s.scalars(select(Client.code)))
    assert codes and not any(code in data or code.replace("-", "") in data for code in codes)
    previous = [r for r in rows if r["table"].endswith("previous period")]
    assert {r["row"] for r in previous} == set(releases.SUMMARY_ROWS.values())
    with_staff = list(csv.DictReader(io.StringIO(exports.report_csv(db, demo, made, include_advocates=True)
                                                 .decode())))
    assert any(r["table"] == releases.TABLES["overdue"] for r in with_staff)
    assert "per-advocate figures included" in _exported(db)[-1].detail


def test_an_item_added_later_is_a_share_of_the_check_ins_that_asked_it(db, content, demo):
    made = _release(db, demo, content, Q3)
    later = [i for s in content.checklist.checkin_sections() for i in s.items if i.added_in > 1]
    assert later
    total = made.cell("summary", "check_ins", "value").value
    asked = made.cell("signs", later[0].code, "asked")
    assert asked.value is not None and 0 < asked.value <= total
    first = next(i for s in content.checklist.checkin_sections() for i in s.items if i.added_in == 1)
    assert made.cell("signs", first.code, "asked").value == total


def test_closings_in_the_files_carry_the_same_suppression(db, content, demo):
    made = _release(db, demo, content, Q3)
    rows = [r for r in csv.DictReader(io.StringIO(exports.report_csv(db, demo, made).decode()))
            if r["table"] == releases.TABLES["closings"]]
    assert [r["row"] for r in rows] == list(releases.CLOSING_REASONS.values())
    shown = {r["row"]: r["value"] for r in rows}
    hidden = [c for c in made.cells if c.table == "closings" and c.hidden]
    assert all(shown[c.label] == "not shown" for c in hidden)
    assert len([c for c in hidden if c.value != 0]) != 1 or made.cell("summary", "files_closed", "value").hidden


def test_the_printable_page_and_the_pdf_carry_the_period_the_comparison_and_the_methods(db, content, demo):
    made = _release(db, demo, content, Q3)
    page = exports.report_html(db, demo, made)
    assert page.startswith("<!doctype html>") and "@media print" in page
    assert "Q3 2026" in page and "Q2 2026" in page and "not scores" in page
    assert "Follow-ups overdue by advocate are left out" in page
    pdf = PdfReader(io.BytesIO(exports.report_pdf(db, demo, made)))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Q3 2026" in text and "Q2 2026" in text and "not shown" in text
    assert "About these figures" in text


def test_a_year_hidden_in_a_quarter_is_not_called_small(db, content, demo):
    periods = releases.available(db, demo, today=TODAY, fiscal_start=10, zone="America/Chicago")
    year = _release(db, demo, content, next(p for p in periods if p.kind == "fiscal_year"))
    quarter_hidden = [c for c in year.cells if c.why == "quarter"]
    assert quarter_hidden
    data = exports.report_csv(db, demo, year).decode()
    assert releases.NOT_SHOWN_YEAR in data


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


MARKUP = st.one_of(st.sampled_from(["<script>alert(1)</script>", '<img src=x onerror="alert(1)">',
                                    "</td></tr></table><script>x</script>", "=HYPERLINK(\"http://x\",\"y\")",
                                    "+1+1", "-2+3", "@SUM(A1)", "\tx", "'; DROP TABLE clients; --"]), any_text)


@pytest.fixture
def sam(db):
    return make_people(db, "sam").sam


@DB_SETTINGS
@given(name=MARKUP, label=MARKUP, agency=MARKUP)
def test_names_and_labels_stay_text(db, sam, name: str, label: str, agency: str) -> None:  # type: ignore[no-untyped-def]
    """An advocate's display name, a resource name, a checklist label or the agency's name with markup or a
    formula: the printable page escapes it and the CSV never starts a cell with a formula character."""
    cells = [releases.Cell("summary", "check_ins", "Check-ins", "value", 12.0),
             releases.Cell("signs", "x", label, "check_ins", 3.0), releases.Cell("signs", "x", label, "share", 0.25,
                                                                                kind="share"),
             releases.Cell("referrals", "r", label, "offered", None, True),
             releases.Cell("overdue", "1", name, "clients", 2.0, kind="snapshot")]
    made = releases.Release(Q3, Q3.previous(), agency or "A", 5, datetime(2026, 10, 2), datetime(2026, 10, 2), name,
                            cells, [], False)
    page = exports.report_html(db, sam, made, include_advocates=True)
    parser = _Tags()
    parser.feed(page)
    assert parser.tags <= {"html", "head", "meta", "title", "style", "body", "h1", "p", "h2", "table", "thead",
                           "tbody", "tr", "th", "td"}, parser.tags
    data = exports.report_csv(db, sam, made, include_advocates=True).decode()
    for row in csv.reader(io.StringIO(data)):
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
