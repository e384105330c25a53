"""Report files and the command line in another language (issue 20): a report is written in the language of whoever
makes it, while a release keeps storing English labels, so every later copy, in any language, is made from the same
figures; the command line writes in the agency's default language."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard import cli
from models.base import i18n
from models.base.settings import REPO_ROOT
from models.services import exports, releases, report_charts
from models.services.demo import load_demo
from models.services.periods import quarter_of
from models.store.entities import ReleasedFigures
from tests.unit.test_releases import NOW, _release, _supervisor

CONTENT = REPO_ROOT / "content"
Q3 = quarter_of(date(2026, 8, 1))


@pytest.fixture
def made(db, content):  # type: ignore[no-untyped-def]
    """A quarter released by a supervisor reading Spanish."""
    load_demo(db, content, seed=21, now=NOW)
    supervisor = _supervisor(db)
    i18n.load(CONTENT)
    with i18n.using("es"):
        return supervisor, _release(db, supervisor, content, Q3)


def test_a_release_made_in_spanish_stores_english_labels(db, made):  # type: ignore[no-untyped-def]
    with db.reading() as s:
        stored = {(c["table"], c["row"]): c["label"] for r in s.scalars(select(ReleasedFigures)) for c in r.cells}
    assert stored[("concern", "low")] == "Low" and stored[("summary", "check_ins")] == "Check-ins"
    assert stored[("contact_mode", "in-person")] == "In person" and stored[("interpreter", "yes")] == "Interpreter used"
    assert stored[("conversation_language", "es")] == "Spanish"
    assert stored[("by_month", "2026-09-01")] == "Sep 2026"


def test_a_report_shows_fixed_rows_months_and_languages_in_the_reader_s_language(db, made):  # type: ignore[no-untyped-def]
    release = made[1]
    low = release.cell("concern", "low", "check_ins")
    spoken = release.cell("conversation_language", "es", "check_ins")
    with i18n.using("es"):
        assert releases.cell_label(low) == i18n._("Low") == "Bajo"
        assert releases.cell_label(spoken) == "Español"
        months = list(release.shown_table("by_month")["label"])
        assert months[0] == "jul 2026" and all(not m.startswith(("Jul", "Aug", "Sep")) for m in months)
    # English reads what the release stored, so every English copy is the same.
    assert releases.cell_label(low) == "Low" and list(release.shown_table("by_month")["label"])[-1] == "Sep 2026"


def test_the_printable_page_and_the_csv_are_in_the_language_of_whoever_makes_them(db, made):  # type: ignore[no-untyped-def]
    supervisor, release = made
    with i18n.using("es"):
        page = exports.report_html(db, supervisor, release)
        rows = list(csv.reader(io.StringIO(exports.report_csv(db, supervisor, release).decode())))
    assert '<html lang="es">' in page and "<td>Bajo</td>" in page and "<td>Low</td>" not in page
    concern = [r for r in rows if r[8] in ("Low", "Bajo")]
    assert concern and all(r[8] == "Bajo" for r in concern)
    english = exports.report_html(db, supervisor, release)
    assert '<html lang="en">' in english and "<td>Low</td>" in english


def test_charts_carry_the_language_s_format_locale():
    frame = releases.Release(Q3, Q3.previous(), "A", 5, NOW, NOW, "Sam", [
        releases.Cell("closings", "goals_met", "Goals met", "closings", 1234.0)], []).table("closings")
    i18n.load(CONTENT)
    for code in ("en", "es"):
        with i18n.using(code):
            spec = report_charts.horizontal_bars(frame, "closings", k=5, title="x").to_dict()
            assert spec["config"]["locale"] == i18n.chart_locale_for(i18n.language().chart_locale)


def test_the_command_line_writes_in_the_agency_s_language_and_falls_back_to_english(tmp_path: Path, monkeypatch,
                                                                                    capsys):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "cmd_migrate", lambda args: print(i18n.current(), i18n._("Low")) or 0)
    monkeypatch.setenv("WAYPOINT_LANGUAGE", "es")
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out.split() == ["es", "Bajo"]
    # A language whose catalog is missing (a language just added): the command runs in English, as before.
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    (copy / i18n.LOCALE_DIR / "es.po").unlink()
    monkeypatch.setenv("WAYPOINT_CONTENT_DIR", str(copy))
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out.split() == ["en", "Low"]
