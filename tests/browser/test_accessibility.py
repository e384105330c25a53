"""Accessibility in a real Chromium: an axe-core scan of every page each role can reach, and the main flows
done with the keyboard alone.

The scan fails on any violation axe rates "serious" or "critical". Minor and moderate ones are kept in a
per-page summary: printed (run with -s), and written to artifacts/axe/ (JSON per role and backend, plus
summary.md over every JSON there). Nothing is excluded from the scan; the one kind of finding set aside
(contrast inside a disabled widget, which WCAG exempts) is listed in the summary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from dashboard.ui import PAGES
from models.base.settings import Settings
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.startup import get_database
from models.store.entities import CheckIn, CheckInItem, Client
from tests.browser.conftest import REPO_ROOT, LiveServer
from tests.browser.helpers import (
    click_and_wait,
    demo_passwords,
    expect_pressed,
    open_app,
    option_button,
    run_and_wait,
    screenshot,
    sign_in,
    wait_for_app,
)

AXE_DIR = REPO_ROOT / "artifacts" / "axe"
BLOCKING = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
ROLES = ("advocate", "supervisor", "admin")
CODE = r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}"
AXE = Axe()
# The whole document is scanned, Streamlit's own parts (sidebar, header, widgets) included: no element and no
# rule is excluded. The one thing set aside is described at _IN_DISABLED_WIDGET_JS below.
AXE_CONTEXT: dict[str, list[list[str]]] | None = None
AXE_OPTIONS = {"resultTypes": ["violations"]}


@dataclass
class PageScan:
    """What axe found on one page (or one state of a page)."""

    name: str
    violations: list[dict] = field(default_factory=list)
    exempt: list[str] = field(default_factory=list)  # findings set aside, each with the reason

    def by_impact(self, impacts: tuple[str, ...]) -> list[dict]:
        return [v for v in self.violations if v.get("impact") in impacts]

    def counts(self) -> dict[str, int]:
        return {i: len(self.by_impact((i,))) for i in IMPACTS}

    def line(self) -> str:
        counts = ", ".join(f"{n} {i}" for i, n in self.counts().items() if n) or "no violations"
        rules = "; ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])} element{'s' * (len(v['nodes']) != 1)})"
                          for v in self.violations)
        return (f"{self.name}: {counts}" + (f" — {rules}" if rules else "")
                + (f" (set aside: {'; '.join(self.exempt)})" if self.exempt else ""))


def reachable_pages(role: str) -> list[str]:
    """The sidebar titles a role gets, from the same registry the app builds its navigation from."""
    actor = Actor(user_id=0, username="x", display_name="x", role=role)
    titles = []
    for spec in PAGES:
        if spec.allowed(actor) and spec.visible:
            titles.append("Caseloads" if spec.key == "caseload" and role != "advocate" else spec.title)
    return titles


# WCAG 1.4.3 sets no contrast minimum for "text that is part of an inactive user interface component". Streamlit
# draws a disabled widget (here: "Referrals the client took up" while nothing is offered) at 40% opacity, and axe
# cannot tell that its label belongs to a disabled control (the label is a separate, aria-hidden element), so it
# reports it. Only color-contrast findings inside a widget that is disabled right now are set aside, each one
# listed in the summary as set aside; every other finding counts.
_IN_DISABLED_WIDGET_JS = """(selector) => {
  const e = document.querySelector(selector);
  const widget = e && e.closest('.stElementContainer');
  return !!(widget && widget.querySelector('input:disabled, textarea:disabled, button:disabled, '
                                           + '[aria-disabled="true"]'));
}"""


def scan(page: Page, name: str) -> PageScan:
    """Run axe on the page as it is now; call only when the app is idle."""
    results = AXE.run(page, context=AXE_CONTEXT, options=AXE_OPTIONS)
    violations, exempt = [], []
    for v in results.response["violations"]:
        if v["id"] == "color-contrast":
            kept = [n for n in v["nodes"] if not (len(n["target"]) == 1 and isinstance(n["target"][0], str)
                                                   and page.evaluate(_IN_DISABLED_WIDGET_JS, n["target"][0]))]
            exempt += [f"color-contrast inside a disabled widget: {n['html'][:120]}"
                       for n in v["nodes"] if n not in kept]
            if not kept:
                continue
            v = {**v, "nodes": kept}
        violations.append(v)
    return PageScan(name, violations, exempt)


def _detail(scan_: PageScan) -> str:
    out = []
    for v in scan_.by_impact(BLOCKING):
        out.append(f"{scan_.name}: {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            out.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            out.append(f"      {node.get('failureSummary', '').strip()[:300]}")
    return "\n".join(out)


def _write_summary(label: str, scans: list[PageScan]) -> Path:
    """JSON per run, and a markdown table rebuilt from every JSON in artifacts/axe/."""
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    path = AXE_DIR / f"{label}.json"
    path.write_text(json.dumps([
        {"page": s.name, "counts": s.counts(), "exempt": s.exempt,
         "violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"], "elements": len(v["nodes"]),
                         "targets": [n["target"] for n in v["nodes"]][:10],
                         "html": v["nodes"][0]["html"][:300] if v["nodes"] else "",
                         "why": (v["nodes"][0].get("failureSummary") or "").strip()[:400] if v["nodes"] else ""}
                        for v in s.violations]}
        for s in scans
    ], indent=2))
    lines = ["# axe-core results", "",
             "| run | page | critical | serious | moderate | minor | rules | set aside |",
             "|---|---|---|---|---|---|---|---|"]
    for other in sorted(AXE_DIR.glob("*.json")):
        for entry in json.loads(other.read_text()):
            c = entry["counts"]
            rules = ", ".join(f"{v['id']} ({v['impact']})" for v in entry["violations"]) or "none"
            aside = "; ".join(entry.get("exempt", [])).replace("|", "\\|") or ""
            lines.append(f"| {other.stem} | {entry['page']} | {c['critical']} | {c['serious']} | {c['moderate']} "
                         f"| {c['minor']} | {rules} | {aside} |")
    (AXE_DIR / "summary.md").write_text("\n".join(lines) + "\n")
    return path


def _report(label: str, scans: list[PageScan]) -> None:
    _write_summary(label, scans)
    print(f"\naxe results, {label}:")
    for s in scans:
        print("  " + s.line())
    blocking = [s for s in scans if s.by_impact(BLOCKING)]
    assert not blocking, "serious or critical accessibility violations:\n" + "\n".join(map(_detail, blocking))


def _visit(page: Page, title: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    click_and_wait(page, nav.get_by_role("link", name=title, exact=True))


def test_sign_in_page_has_no_serious_violations(page: Page, live_server: LiveServer) -> None:
    """Signed out, the sign-in page is the only page: scanned empty, with the no-accounts notice, and after a
    refused sign-in (the error message)."""
    scans = []
    open_app(page, live_server.url)
    scans.append(scan(page, "Sign in (no accounts yet)"))
    passwords = demo_passwords(live_server.database_url, seed=11)
    open_app(page, live_server.url)
    scans.append(scan(page, "Sign in"))
    screenshot(page, f"axe-{live_server.backend}-sign-in")
    sign_in(page, "advocate", "not the password at all")
    expect(page.get_by_test_id("stAlert")).to_be_visible()
    scans.append(scan(page, "Sign in (refused)"))
    sign_in(page, "advocate", passwords["advocate"])
    click_and_wait(page, page.get_by_role("button", name="Sign out"))
    scans.append(scan(page, "Sign in (after signing out)"))
    _report(f"{live_server.backend}-signed-out", scans)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_has_no_serious_violations(page: Page, live_server: LiveServer, role: str) -> None:
    """Every sidebar page of the role on demo data, by the sidebar link, plus the states behind a choice."""
    passwords = demo_passwords(live_server.database_url, seed=11)
    open_app(page, live_server.url)
    sign_in(page, role, passwords[role])
    titles = reachable_pages(role)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link")).to_have_count(len(titles))  # the registry and the sidebar agree
    scans = []
    for title in titles:
        _visit(page, title)
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        scans.append(scan(page, title))
        screenshot(page, f"axe-{live_server.backend}-{role}-{title}")
        scans.extend(_more_states(page, title, f"axe-{live_server.backend}-{role}"))
    _report(f"{live_server.backend}-{role}", scans)


def _more_states(page: Page, title: str, shot: str) -> list[PageScan]:
    """Pages whose main content appears only after a choice: scan that state too."""
    found = []
    if title in ("My caseload", "Caseloads"):
        # The text alternative of the table, then the client it leads to: timeline, chart, grid, check-ins.
        page.get_by_test_id("stExpander").filter(has_text="Caseload as a list").locator("summary").click()
        links = page.get_by_test_id("stExpander").filter(has_text="Caseload as a list").get_by_role("link")
        expect(links.first).to_be_visible()
        found.append(scan(page, f"{title} (list of links open)"))
        click_and_wait(page, links.first)
        expect(page.get_by_role("heading", name="Client timeline")).to_be_visible()
        expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
        page.get_by_test_id("stExpander").filter(has_text="concern").first.locator("summary").click()
        found.append(scan(page, "Client timeline (a client chosen, a check-in open)"))
        screenshot(page, f"{shot}-client-chosen")
    elif title == "Record a check-in":
        # Saving an empty form: every refusal shows under its field.
        click_and_wait(page, page.get_by_role("button", name="Save check-in"))
        expect(page.get_by_test_id("stAlert").first).to_be_visible()
        found.append(scan(page, "Record a check-in (refused, errors shown)"))
        screenshot(page, f"{shot}-check-in-errors")
    elif title == "Trends":
        # Every chart is labelled with its gist (Vega turns the spec's description into an aria-label), and
        # the same gist is on the page as text.
        charts = page.get_by_test_id("stVegaLiteChart")
        expect(charts).to_have_count(7)
        labels = [charts.nth(n).get_attribute("aria-label") or "" for n in range(7)]
        print("\nchart labels:\n  " + "\n  ".join(map(str, labels)))
        assert all(label.startswith("Chart: ") for label in labels), labels
        expect(page.get_by_text("In words: ", exact=False)).to_have_count(7)
    elif title == "Needs attention":
        page.get_by_test_id("stExpander").locator("summary").first.click()
        found.append(scan(page, "Needs attention (list of links open)"))
    return found


# --- the keyboard alone -------------------------------------------------------------------------------------

MAX_TABS = 80


def _focused(page: Page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e ? `${e.tagName} ${e.getAttribute('role') || ''} ${e.getAttribute('aria-label') || ''} `
                   + `${(e.innerText || e.value || '').slice(0, 60)}`.replace(/\\s+/g, ' ') : ''; }""")


def tab_to(page: Page, target, backwards: bool = False) -> int:  # type: ignore[no-untyped-def]
    """Press Tab (or Shift+Tab) until `target` has the keyboard focus; fail if it never does. Returns the count,
    so a test shows how far a keyboard user travels."""
    key = "Shift+Tab" if backwards else "Tab"
    trail = []
    for n in range(1, MAX_TABS + 1):
        page.keyboard.press(key)
        if target.evaluate("e => e === document.activeElement || e.contains(document.activeElement)"):
            return n
        trail.append(_focused(page))
    raise AssertionError(f"{target} never took the focus after {MAX_TABS} presses of {key}; focus went: "
                         + " | ".join(trail[-25:]))


def press_and_wait(page: Page, key: str) -> None:
    """Press a key that makes the app run (Enter on a button or link, Space on a box) and wait until idle."""
    run_and_wait(page, lambda: page.keyboard.press(key))


def test_main_flows_work_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    """Sign in, record a check-in and open a referral script with Tab, typing, Enter, Space and the arrow
    keys; the mouse is never used."""
    passwords = demo_passwords(live_server.database_url, seed=11)
    shot = f"keyboard-{live_server.backend}"
    open_app(page, live_server.url)
    tabs: dict[str, int] = {}

    # Streamlit's skip link comes first. Then: Tab to the username, type, Tab to the password, type, Enter.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    tabs["username"] = tab_to(page, page.get_by_label("Username", exact=True))
    page.keyboard.type("advocate")
    tabs["password"] = tab_to(page, page.get_by_label("Password", exact=True))
    page.keyboard.type(passwords["advocate"])
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Welcome, Ada Advocate (demo)")).to_be_visible()

    # The sidebar link to the check-in form, by Tab and Enter.
    nav = page.get_by_test_id("stSidebarNav")
    tabs["nav: Record a check-in"] = tab_to(page, nav.get_by_role("link", name="Record a check-in"))
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Record a check-in")).to_be_visible()

    # The client: type part of a code into the combobox and take the first match with Enter.
    client = page.get_by_role("combobox", name="Client code")
    tabs["client"] = tab_to(page, client)
    page.keyboard.press("ArrowDown")
    option = page.get_by_role("option").first
    expect(option).to_be_visible()
    code = option.inner_text().strip()
    page.keyboard.type(code[:3])
    press_and_wait(page, "Enter")
    expect(client).to_have_value(code)

    # How they were in contact: a radio group drawn as buttons; Tab into it ("In person", the first), then the
    # arrow key moves to "Phone" and Space chooses it.
    group = page.locator(".st-key-ci_mode [role=radiogroup]")
    tabs["contact mode"] = tab_to(page, group)
    page.keyboard.press("ArrowRight")
    mode = option_button(page, "ci_mode", "Phone")
    expect(mode).to_be_focused()
    press_and_wait(page, "Space")
    expect_pressed(mode)

    # Two observed items, ticked with Space.
    s = Settings()
    first_section = next(load_content(s.content_dir, s.resource_packs).checklist.checkin_sections())
    for n, item in enumerate(first_section.items[:2]):
        box = page.get_by_role("checkbox", name=item.label, exact=True)
        tabs[f"item {n + 1}"] = tab_to(page, box)
        press_and_wait(page, "Space")
        expect(box).to_be_checked()
    ticked = [item.code for item in first_section.items[:2]]

    # The two radio groups: Tab into the group, arrow keys choose.
    harm = page.get_by_role("radiogroup", name="Contact with the person causing harm")
    tabs["harm contact"] = tab_to(page, harm)
    press_and_wait(page, "ArrowDown")
    expect(harm.get_by_role("radio", name="Some contact")).to_be_checked()
    concern = page.get_by_role("radiogroup", name="Level of concern")
    tabs["concern"] = tab_to(page, concern)
    press_and_wait(page, "ArrowRight")
    press_and_wait(page, "ArrowRight")
    expect(concern.get_by_role("radio", name="High")).to_be_checked()
    screenshot(page, f"{shot}-1-check-in-filled")

    # Save with Enter on the button.
    tabs["save"] = tab_to(page, page.get_by_role("button", name="Save check-in"))
    press_and_wait(page, "Enter")
    expect(page.get_by_text(f"Check-in for {code} saved.")).to_be_visible()
    with get_database(live_server.database_url).reading() as session:
        saved = session.scalars(select(CheckIn).join(Client).where(Client.code == code)
                                .order_by(CheckIn.id.desc())).first()
        saved_items = sorted(session.scalars(select(CheckInItem.code).where(CheckInItem.check_in_id == saved.id)))
    assert (saved.contact_mode, saved.harm_contact, saved.concern) == ("phone", "some", "high")
    assert saved_items == sorted(ticked)
    screenshot(page, f"{shot}-2-check-in-saved")

    # A referral script: the sidebar link, then another situation chosen among the pills with Enter.
    tabs["nav: Referral scripts"] = tab_to(page, nav.get_by_role("link", name="Referral scripts"), backwards=True)
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Referral scripts")).to_be_visible()
    situation = page.get_by_role("radiogroup", name="Situation")
    second = situation.get_by_role("radio").nth(1)
    wanted = second.inner_text().strip()
    said = page.get_by_test_id("stVerticalBlock").filter(has_text="What you can say").last.inner_text()
    tabs["situation"] = tab_to(page, situation)
    page.keyboard.press("ArrowRight")
    if not second.is_checked():
        press_and_wait(page, "Enter")
    wait_for_app(page)
    expect(second).to_be_checked()
    expect(page.get_by_test_id("stVerticalBlock").filter(has_text="What you can say").last).not_to_have_text(said)
    screenshot(page, f"{shot}-3-script")

    # The caseload's list of links (the table itself is a canvas): open it with Enter, follow a link with Enter.
    tabs["nav: My caseload"] = tab_to(page, nav.get_by_role("link", name="My caseload"), backwards=True)
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    listed = page.get_by_test_id("stExpander").filter(has_text="Caseload as a list of links")
    tabs["caseload list"] = tab_to(page, listed.locator("summary"))
    page.keyboard.press("Enter")
    first = listed.get_by_role("link").first
    expect(first).to_be_visible()
    opened = re.search(CODE, first.inner_text()).group(0)
    expect(first).to_have_accessible_name(re.compile(rf"^{opened}: (Overdue|Due)"))  # the icon is aria-hidden
    tabs["first client link"] = tab_to(page, first)
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Client timeline")).to_be_visible()
    expect(page.get_by_role("heading", name=opened)).to_be_visible()
    screenshot(page, f"{shot}-4-client-from-list")
    print(f"\nkeyboard flow ({live_server.backend}), Tab presses to reach each control: {tabs}; script: {wanted}")
