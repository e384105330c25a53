"""The demo supervisor makes a quarter's report in a real browser: the PDF opens, carries the agency, the period
and its comparison, charts and "not shown"; the CSV holds no client code; each file is audited; the figures are
fixed at the first copy."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from models.startup import get_database
from models.store.entities import AuditEvent, Client, ReleasedFigures
from tests.browser.conftest import LiveServer
from tests.browser.helpers import SCREENSHOTS, click_and_wait, demo_passwords, open_app, screenshot, sign_in


def _save(page: Page, name: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(rf"^Save {name}")).click()
    return download.value.path().read_bytes()


def test_supervisor_makes_a_quarter_report_as_pdf_and_csv(page: Page, live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=9)
    shot = f"reports-{live_server.backend}"
    open_app(page, live_server.url)
    sign_in(page, "supervisor", passwords["supervisor"])
    nav = page.get_by_test_id("stSidebarNav")
    click_and_wait(page, nav.get_by_role("link", name="Reports"))
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.get_by_text("Not released yet")).to_be_visible()
    screenshot(page, f"{shot}-1-page")

    # A quarter (the first option may be a fiscal year).
    box = page.get_by_test_id("stSelectbox").filter(has_text="Report for")
    box.click()
    quarter = page.get_by_role("option", name=re.compile(r"^Q\d 20\d\d \(quarter")).first
    label = quarter.inner_text()
    click_and_wait(page, quarter)
    period = label.split(" (")[0]

    click_and_wait(page, page.get_by_role("button", name="Prepare the report (PDF)"))
    pdf = _save(page, r"waypoint-report-quarter-\d{8}\.pdf")
    assert pdf.startswith(b"%PDF")
    path = SCREENSHOTS / f"{shot}-report.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(path)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Waypoint agency" in text and period in text
    assert "Compared with" in text or "compared with" in text
    assert "not shown" in text
    assert "Figures per advocate were left out" in text  # staff-performance figures are opt-in
    assert sum(len(p.images) for p in reader.pages) >= 4  # the charts
    with get_database(live_server.database_url).reading() as s:
        codes = list(s.scalars(select(Client.code)))
        assert s.scalars(select(ReleasedFigures)).all()  # the first copy released the quarter
    assert not any(code in text for code in codes)
    if shutil.which("pdftoppm"):  # the pages as pictures, to look at
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(path),
                        str(SCREENSHOTS / f"{shot}-pdf-page")], check=True, timeout=60)

    expect(page.get_by_text("Released on")).to_be_visible()  # saving ran the page again: now released
    screenshot(page, f"{shot}-2-released")
    click_and_wait(page, page.get_by_role("button", name="Prepare the figures (CSV)"))
    data = _save(page, r"waypoint-figures-").decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert rows and {r["report"] for r in rows} <= {period, ""} and any(r["value"] == "not shown" for r in rows)
    assert not any(code in data for code in codes)
    with get_database(live_server.database_url).reading() as s:
        exported = s.scalars(select(AuditEvent).where(AuditEvent.action == "aggregates_exported")).all()
    assert [e.detail.split(",")[0] for e in exported] == ["pdf report", "csv"]
