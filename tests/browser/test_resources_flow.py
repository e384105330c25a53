"""An advocate's referral work in a real browser: find a line by typing part of what it is for, copy its number,
read the crisis script, record the referral on the check-in, tick safety-plan steps and download the handout.
And an agency's own pack after a restart, and a broken one refused with a clear message."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models.base.settings import REPO_ROOT
from models.content.loader import _REVEALING
from models.startup import get_database
from models.store.entities import AuditEvent, CheckIn, CheckInReferral, Client, SafetyPlanStep
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    SCREENSHOTS,
    click_and_wait,
    open_app,
    pick,
    run_and_wait,
    screenshot,
    seed_client,
    sign_in,
)


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen_first: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.stack.append(tag)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.stack and self.stack[-1] in ("title", "h1", "h2") and data.strip():
            self.seen_first.append(data.strip())


def test_advocate_finds_copies_reads_records_plans_and_prints(page: Page, live_server: LiveServer, users):
    # A client of the advocate with one check-in an hour ago: the contact the referral belongs to.
    code = seed_client(live_server.database_url, users["advocate"][0], harm_contact="frequent", concern="high")
    shot = f"resources-{live_server.backend}"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    nav = page.get_by_test_id("stSidebarNav")

    # 1. Two keystrokes find the trafficking line first; part of its purpose finds it too.
    click_and_wait(page, nav.get_by_role("link", name="Resources"))
    search = page.get_by_label("Search resources")
    run_and_wait(page, lambda: search.press_sequentially("tr"))
    cards = page.locator("[class*='st-key-res_card_']")
    expect(cards.first.get_by_role("heading")).to_have_text("National Human Trafficking Hotline")
    screenshot(page, f"{shot}-1-two-keystrokes")
    run_and_wait(page, lambda: search.fill(""))
    run_and_wait(page, lambda: search.press_sequentially("anti-traff"))
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("heading")).to_have_text("National Human Trafficking Hotline")

    # 2. One click copies the number.
    number = cards.first.get_by_test_id("stCode").filter(has_text="1-888-373-7888")
    number.hover()
    number.get_by_role("button", name="Copy to clipboard").click()
    expect(number.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == "1-888-373-7888"
    screenshot(page, f"{shot}-2-copied")

    # 3. The crisis script, with the right numbers from the pack.
    click_and_wait(page, nav.get_by_role("link", name="Referral scripts"))
    run_and_wait(page, lambda: page.locator(".st-key-sc_script").get_by_text("When a client is in crisis").click())
    say = page.locator(".st-key-sc_say")
    expect(say).to_contain_text("911")
    expect(say).to_contain_text("988")
    expect(say).to_contain_text("START to 88788")
    read_aloud = say.inner_text().replace("\u2011", "-")  # numbers are kept whole on screen with non-breaking hyphens
    assert "call 1-800-799-7233 or text START to 88788" in read_aloud
    expect(page.get_by_test_id("stCode").filter(has_text="1-800-799-7233")).to_have_count(1)
    screenshot(page, f"{shot}-3-crisis-script")

    # 4. Record the referral on the client's current check-in.
    record = page.locator(".st-key-sc_record")
    pick(page, record.get_by_role("combobox", name="Client", exact=True), code)
    expect(record).to_contain_text("Current check-in")
    run_and_wait(page, lambda: record.get_by_text("988 Suicide & Crisis Lifeline", exact=True).click())
    click_and_wait(page, record.get_by_role("button", name="Mark as offered on this check-in"))
    done = record.get_by_text("988 Suicide & Crisis Lifeline offered", exact=False)
    expect(done).to_be_visible()
    done.scroll_into_view_if_needed()
    with get_database(live_server.database_url).reading() as s:
        offered = s.scalars(select(CheckInReferral.resource_code).join(CheckIn).join(Client)
                            .where(Client.code == code)).all()
        version = s.scalar(select(CheckIn.version).join(Client).where(Client.code == code))
    assert offered == ["lifeline-988"] and version == 2
    screenshot(page, f"{shot}-4-referral-recorded")

    # 5. Safety plan on the client's page: tick steps in two stages and save.
    click_and_wait(page, nav.get_by_role("link", name="Client timeline"))
    pick(page, page.get_by_role("combobox", name="Client", exact=True), code)
    plan = page.locator(f".st-key-sp_section_{code}")
    expect(plan).to_contain_text("0 of 38 steps in place")
    run_and_wait(page, lambda: plan.get_by_text("Show the plan, its history and the handout", exact=True).click())
    plan.get_by_text("A code word or signal agreed with someone trusted", exact=True).click()
    plan.get_by_text("Location sharing and shared accounts on their phone reviewed", exact=True).click()
    plan.get_by_role("tab", name=re.compile("Preparing to leave")).click()
    plan.get_by_text("Medicines and prescriptions for them and any children", exact=True).click()
    click_and_wait(page, plan.get_by_role("button", name="Save safety plan"))
    expect(page.get_by_text("Safety plan saved: 3 steps now in place.", exact=True)).to_be_visible()
    expect(plan).to_contain_text("3 of 38 steps in place")
    expect(plan.get_by_text("In place since", exact=False).first).to_be_visible()
    with get_database(live_server.database_url).reading() as s:
        ticked = sorted(s.scalars(select(SafetyPlanStep.step_code)).all())
    assert ticked == ["preparing.medicines", "while-staying.code-word", "while-staying.devices-checked"]
    plan.get_by_role("tab", name=re.compile("While still")).click()
    plan.scroll_into_view_if_needed()
    screenshot(page, f"{shot}-5-safety-plan")

    # 6. The discreet handout, once the advocate has asked whether paper is safe for the client to take home.
    # issue 15: prepared in a script run first, then one "Save" link to that file, served once to this browser
    run_and_wait(page, lambda: plan.get_by_text("Yes: print the handout", exact=True).click())
    prepare = plan.get_by_role("button", name="Download the handout")
    prepare.scroll_into_view_if_needed()
    run_and_wait(page, prepare.click)
    download_button = plan.get_by_role("link", name="Save things-to-remember.html")
    download_button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        download_button.click()
    download = info.value
    assert download.suggested_filename == "things-to-remember.html"
    saved = SCREENSHOTS / f"{shot}-handout.html"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download.save_as(saved)
    handout = saved.read_text()
    headings = _Headings()
    headings.feed(handout)
    assert headings.seen_first[0] == "Things to remember"
    assert not [h for h in headings.seen_first if _REVEALING.search(h)]
    assert code not in handout and "Waypoint" not in handout and "Ada" not in handout
    # None of the three steps can go on paper (a code word, devices, what to take), and 988 is a number many
    # people recognise, so it stays off unless chosen after a warning: the page holds 911 and nothing else.
    assert "Agree a word or emoji" not in handout and "prescriptions" not in handout
    assert "call 911" in handout and "988" not in handout
    assert "Suicide" not in handout and "Domestic" not in handout
    with get_database(live_server.database_url).reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "handout_created")).one()
    assert event.target == code and event.detail is None  # who and which client, never what it holds
    viewer = page.context.new_page()
    viewer.goto(saved.as_uri())
    expect(viewer.get_by_role("heading", level=1)).to_have_text("Things to remember")
    viewer.screenshot(path=str(SCREENSHOTS / f"{shot}-6-handout.png"), full_page=True)
    viewer.emulate_media(media="print")
    expect(viewer.get_by_text("Print this page", exact=False)).to_be_hidden()
    viewer.screenshot(path=str(SCREENSHOTS / f"{shot}-7-handout-print.png"), full_page=True)
    viewer.close()

    # 7. The guidance the steps come from, filtered to technology safety.
    click_and_wait(page, nav.get_by_role("link", name="Leaving guidance"))
    run_and_wait(page, lambda: page.locator(".st-key-gd_topics").get_by_text("Technology safety").click())
    expect(page.get_by_text("Location sharing and shared accounts on their phone reviewed", exact=True)).to_be_visible()
    expect(page.get_by_text("A code word or signal agreed with someone trusted", exact=True)).to_have_count(0)
    screenshot(page, f"{shot}-8-guidance-technology")


@pytest.fixture
def live_server_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """A content folder with an agency pack called our-county, made as the README says: a copy of the example."""
    kind = getattr(request, "param", None)
    if kind is None:
        return {}
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    pack = yaml.safe_load((REPO_ROOT / "content" / "resources" / "example-local.yaml").read_text())
    pack["pack"] = "our-county"
    pack["resources"][0]["name"] = "Our County Safe Home"
    if kind == "broken":
        pack["resources"][1]["web"] = "http://example.org/legal-aid"
    (content / "resources" / "our-county.yaml").write_text(yaml.safe_dump(pack, sort_keys=False))
    # Every language needs its copy of a pack (docs/languages.md); the same words stand in for a translation.
    (content / "es" / "resources" / "our-county.yaml").write_text(yaml.safe_dump(pack, sort_keys=False))
    return {"WAYPOINT_CONTENT_DIR": str(content), "WAYPOINT_RESOURCE_PACKS": "our-county,us-national"}


@pytest.mark.parametrize("live_server_env", ["own"], indirect=True)
def test_an_agency_pack_shows_first_after_a_restart(page: Page, live_server: LiveServer, users):
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Resources"))
    cards = page.locator("[class*='st-key-res_card_']")
    expect(cards).to_have_count(20)
    expect(cards.first.get_by_role("heading")).to_have_text("Our County Safe Home")
    screenshot(page, f"own-pack-{live_server.backend}")


@pytest.mark.parametrize("live_server_env", ["broken"], indirect=True)
def test_a_broken_agency_pack_stops_the_app_with_a_clear_message(page: Page, live_server: LiveServer):
    open_app(page, live_server.url)
    expect(page.get_by_text("Waypoint cannot start", exact=False)).to_be_visible()
    message = page.get_by_test_id("stCode")
    expect(message).to_contain_text("content/resources/our-county.yaml")
    expect(message).to_contain_text("entry 'example-legal-aid'")
    expect(message).to_contain_text("must be a full web address starting with https://")
    expect(page.get_by_label("Username", exact=True)).to_have_count(0)
    screenshot(page, f"broken-pack-{live_server.backend}")
