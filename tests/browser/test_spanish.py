"""Waypoint in Spanish, in a real Chromium: an advocate picks Español on the sign-in page and records a check-in,
a supervisor whose account reads Spanish opens Trends; axe scans both pages with the document's lang set to es.
Screenshots go to artifacts/screenshots/ (es-*.png); the README's Spanish picture is made here too."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from models.services import account_admin
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    actor_named,
    click_and_wait,
    counts,
    database,
    demo_passwords,
    open_app,
    option_button,
    press_button,
    run_and_wait,
    screenshot,
    wait_for_app,
)
from tests.browser.test_accessibility import BLOCKING, _detail, scan

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def _sign_in_in_spanish(page: Page, username: str, password: str) -> None:
    page.get_by_label("Nombre de usuario", exact=True).fill(username)
    page.get_by_label("Contraseña", exact=True).fill(password)
    click_and_wait(page, page.get_by_role("button", name="Iniciar sesión", exact=True))


def test_an_advocate_records_a_check_in_in_spanish(page: Page, live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=7)
    page.set_viewport_size({"width": 1280, "height": 800})
    open_app(page, live_server.url)
    assert page.evaluate("document.documentElement.lang") == "en"
    run_and_wait(page, option_button(page, "signin_language", "Español").click)
    expect(page.get_by_role("heading", name="Iniciar sesión en Waypoint")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "es"
    screenshot(page, "es-sign-in")
    _sign_in_in_spanish(page, "advocate", passwords["advocate"])
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()

    nav = page.get_by_test_id("stSidebarNav")
    click_and_wait(page, nav.get_by_role("link", name="Registrar un seguimiento"))
    expect(page.get_by_role("heading", name="Registrar un seguimiento")).to_be_visible()
    box = page.get_by_role("combobox", name="Código de participante")
    box.click()
    first = page.get_by_role("option").first
    code = first.inner_text().strip()
    run_and_wait(page, first.click)
    press_button(page, "ci_mode", "Teléfono")
    language = page.get_by_role("combobox", name="Idioma de la conversación")
    language.click()
    language.press_sequentially("español")
    run_and_wait(page, lambda: language.press("Enter"))
    press_button(page, "ci_interp", "No se usó")
    run_and_wait(page, lambda: page.get_by_text("Defiende o justifica lo que ha hecho", exact=False).click())
    run_and_wait(page, lambda: page.get_by_text("Algo de contacto", exact=True).click())
    run_and_wait(page, lambda: page.get_by_text("Moderado", exact=True).click())
    page.get_by_role("heading", name="Registrar un seguimiento").scroll_into_view_if_needed()
    shot = screenshot(page, "es-check-in")
    if live_server.backend == "sqlite" and os.environ.get("WAYPOINT_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(IMAGES / "check-in-es.png"))
    assert shot.stat().st_size > 20_000
    found = scan(page, "es check-in form")
    assert found.by_impact(BLOCKING) == [], _detail(found)

    before = counts(live_server.database_url, "advocate")
    click_and_wait(page, page.get_by_role("button", name="Guardar seguimiento"))
    expect(page.get_by_text(f"Seguimiento de {code} guardado.", exact=False)).to_be_visible()
    assert counts(live_server.database_url, "advocate")["check_ins"] == before["check_ins"] + 1
    screenshot(page, "es-check-in-saved")


def test_a_supervisor_reads_trends_in_spanish(page: Page, live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=8)
    with database(live_server.database_url) as db:
        from models.base import i18n
        from models.base.settings import Settings

        i18n.load(Settings.from_env().content_dir)
        account_admin.set_own_language(db, actor_named(db, "supervisor"), "es")
    page.set_viewport_size({"width": 1280, "height": 900})
    open_app(page, live_server.url)
    page.get_by_label("Username", exact=True).fill("supervisor")  # the account's language applies once signed in
    page.get_by_label("Password", exact=True).fill(passwords["supervisor"])
    click_and_wait(page, page.get_by_role("button", name="Sign in", exact=True))
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Tendencias"))
    expect(page.get_by_role("heading", name="Tendencias")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first).to_be_visible()
    wait_for_app(page)
    assert page.evaluate("document.documentElement.lang") == "es"
    shot = screenshot(page, "es-trends")
    assert shot.stat().st_size > 20_000
    found = scan(page, "es trends")
    assert found.by_impact(BLOCKING) == [], _detail(found)
