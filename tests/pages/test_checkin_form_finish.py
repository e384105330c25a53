"""The check-in form, finished (issue 17): the next-due choice stays chosen, the confirmation stays by Save until
the advocate moves on, every problem is summed up by Save in the words on screen, a new check-in can start from
the client's last one (never its note, date or referrals), no "Select all" on referrals, 911 said once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from models.base.timeutil import utcnow
from models.store.entities import AuditEvent, CheckIn, CheckInItem, CheckInReferral, Client
from tests.pages.helpers import actor, advocate_client, check_in, fill_check_in, open_page, texts

NOTE = "Said the new routine helps."


def _signs(content, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.code for i in content.checklist.section("signs").items[:n]]


def _in_save_bar(at, kind: str, bar: str = "ci_savebar") -> list[str]:  # type: ignore[no-untyped-def]
    """The values of the `kind` elements ("success", "error") drawn inside the Save bar."""
    return [str(e.value) for e in getattr(at.main.get_by_key(bar), kind)]


def test_the_next_due_choice_stays_chosen_when_the_concern_changes(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    due = at.radio(key="ci_due_choice")
    assert due.value == "default" and due.options == ["From the level of concern", "On a date I choose"]
    for level, days in (("high", "3 days"), ("low", "14 days"), ("immediate", "1 day")):
        fill_check_in(at, code, concern=level)
        at.run()
        due = at.radio(key="ci_due_choice")
        assert due.value == "default", level
        assert due.options == ["From the level of concern", "On a date I choose"]
        assert due.index == 0  # shown selected: the widget is the same one, not a new one with nothing chosen
        assert any(f"in {days}" in c.value for c in at.caption), level
    at.button(key="ci_save").click().run()
    with db.reading() as s:
        saved = s.scalars(select(CheckIn)).one()
    assert saved.next_due_at - saved.occurred_at == timedelta(days=1)  # immediate danger: one day


def test_the_confirmation_stays_by_save_until_the_advocate_moves_on(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, concern="immediate")
    at.button(key="ci_save").click().run()
    said = _in_save_bar(at, "success")
    assert said and f"Check-in for {code} saved." in said[0] and "needs-attention list" in said[0]
    # The first tick of the next check-in: still there.
    at.checkbox(key=f"ci_item_{_signs(content, 1)[0]}").check().run()
    assert any(f"Check-in for {code} saved." in s for s in _in_save_bar(at, "success"))
    at.button(key="ci_dismiss_saved").click().run()
    assert not _in_save_bar(at, "success") and "saved." not in texts(at)
    # Saved again, then another page and back: gone.
    fill_check_in(at, code)
    at.button(key="ci_save").click().run()
    assert _in_save_bar(at, "success")
    at.switch_page("views/caseload.py").run()
    at.switch_page("views/check_in.py").run()
    assert not at.exception
    assert "saved." not in texts(at)
    # A refused save takes the old message away too: the bar then says what to fix.
    fill_check_in(at, code)
    at.button(key="ci_save").click().run()
    at.radio(key="ci_concern").set_value(None)
    at.button(key="ci_save").click().run()
    assert not _in_save_bar(at, "success") and _in_save_bar(at, "error")


def test_every_problem_is_summed_up_by_save_with_a_link_to_its_field(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    at.selectbox(key="ci_client").select(code)
    at.text_area(key="ci_note").input("Said the week was calmer.")
    at.button(key="ci_save").click().run()
    (summary,) = _in_save_bar(at, "error")
    assert "3 things to fix" in summary
    for name, anchor in (("How you were in contact", "ci-fix-contact-mode"),
                         ("Contact with the person causing harm", "ci-fix-harm-contact"),
                         ("Level of concern", "ci-fix-concern")):
        assert f"[{name}](#{anchor})" in summary
        assert any(f'id="{anchor}"' in m.value for m in at.markdown), anchor  # where the link lands
        assert f"[{name}](#{anchor}): not chosen yet" in summary
    assert at.text_area(key="ci_note").value == "Said the week was calmer."  # typing kept
    # Each problem is explained beside its field, once, in the words on screen ("Not known" is the option's label).
    harm = [e.value for e in at.error if "person causing harm" in e.value and "[" not in e.value]
    assert harm == ["Choose the contact with the person causing harm, or “Not known” if you are not sure."]
    assert sum("Choose your level of concern" in e.value for e in at.error) == 1
    assert "'unknown'" not in texts(at)


def test_start_from_the_last_check_in_copies_the_ticks_but_not_the_note_date_or_referrals(app, db, people, content):
    signs = _signs(content, 5)
    code = advocate_client(db, content, people, occurred_at=utcnow() - timedelta(days=6), items=signs,
                           contact_mode="video", harm_contact="frequent", concern="high", note="Earlier words.",
                           referrals_offered=["ndvh"], referrals_accepted=["ndvh"], safety_planning=True)
    at = open_page(app, "ada", "check_in")
    at.selectbox(key="ci_client").select(code).run()
    at.button(key="ci_copy_last").click().run()
    assert not at.exception
    for c in content.checklist.section("signs").items:
        assert at.checkbox(key=f"ci_item_{c.code}").value is (c.code in signs)
    assert at.button_group(key="ci_mode").value == "video"
    assert (at.radio(key="ci_harm").value, at.radio(key="ci_concern").value) == ("frequent", "high")
    assert at.text_area(key="ci_note").value == ""
    assert at.button_group(key="ci_offered").value == [] and at.checkbox(key="ci_safety").value is False
    then = utcnow() - timedelta(days=6)
    day = f"{then.day} {then:%b %Y}"
    assert any(f"Copied from the check-in of {day}" in i.value for i in at.info)
    with db.reading() as s:
        viewed = s.scalars(select(AuditEvent).where(AuditEvent.action == "client_viewed",
                                                    AuditEvent.detail.like("%to start a new one from"))).all()
    assert len(viewed) == 1 and viewed[0].target == code
    # Every tick is still the advocate's: change one, save.
    at.checkbox(key=f"ci_item_{signs[0]}").uncheck()
    at.text_area(key="ci_note").input(NOTE)
    at.button(key="ci_save").click().run()
    with db.reading() as s:
        newest = s.scalars(select(CheckIn).join(Client).where(Client.code == code)
                           .order_by(CheckIn.id.desc())).first()
        items = set(s.scalars(select(CheckInItem.code).where(CheckInItem.check_in_id == newest.id)))
        referrals = s.scalars(select(CheckInReferral).where(CheckInReferral.check_in_id == newest.id)).all()
    assert items == set(signs[1:]) and referrals == [] and not newest.safety_planning
    assert newest.occurred_at > utcnow() - timedelta(hours=1)


def test_start_from_a_client_with_no_check_in_says_so(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    at.button(key="ci_copy_last").click().run()
    assert "Choose the client first" in texts(at)
    at.selectbox(key="ci_client").select(code).run()
    at.button(key="ci_copy_last").click().run()
    assert any(f"{code} has no check-in yet" in c.value for c in at.caption)


def test_referrals_have_no_select_all(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    offered = at.button_group(key="ci_offered")
    # One button per line, chosen one by one: there is no control that picks them all.
    assert len(offered.options) == len(content.resources) and not any("all" in o.lower() for o in offered.options)
    at.selectbox(key="ci_client").select(code)
    at.button_group(key="ci_offered").select("ndvh").run()
    accepted = at.button_group(key="ci_accepted")
    assert accepted.options == ["National Domestic Violence Hotline"] and accepted.value == []


def test_the_crisis_panel_gives_911_once(app, db, people, content):
    code = advocate_client(db, content, people)
    self_harm = next(i.code for s in content.checklist.checkin_sections() for i in s.items
                     if i.immediate == "self-harm")
    at = open_page(app, "ada", "check_in")
    at.selectbox(key="ci_client").select(code)
    at.checkbox(key=f"ci_item_{self_harm}").check()
    at.radio(key="ci_concern").set_value("immediate").run()
    panel = "\n".join(m.value for m in at.markdown)
    assert len(re.findall(r"call \*\*911\*\*", panel)) == 1  # the number to call, once, at the top
    assert "Emergency services (911)" in panel and panel.count("Emergency services (911)") == 1
    assert panel.index("For help now") < panel.index("Self-harm was noted") < panel.index("Immediate danger")
    assert "National Domestic Violence Hotline" in panel and "988" in panel


def test_the_correction_form_on_the_timeline_still_works(app, db, people, content):
    code = advocate_client(db, content, people)
    saved = check_in(db, actor(people), content, code, occurred_at=utcnow() - timedelta(days=3), concern="low",
                     submission_key="k-finish-1")
    at = open_page(app, "ada", "client")
    at.selectbox(key="tl_code").select(code).run()
    at.button(key=f"tl_correct_{saved.id}").click().run()
    assert not at.exception
    assert at.radio(key="tl_due_choice").value == "date"
    assert not [b for b in at.button if b.key == "tl_copy_last"]  # a correction keeps its own check-in
    at.radio(key="tl_concern").set_value("high")
    at.date_input(key="tl_due_date").set_value((utcnow() - timedelta(days=5)).date())
    at.button(key="tl_save").click().run()
    assert any("[Next check-in due](#tl-fix-next-due-at)" in e for e in _in_save_bar(at, "error", "tl_savebar"))
    assert at.radio(key="tl_concern").value == "high"  # kept
    at.date_input(key="tl_due_date").set_value((utcnow() + timedelta(days=5)).date())
    at.button(key="tl_save").click().run()
    assert "Correction saved" in at.success[0].value


def test_save_with_no_client_names_every_problem_at_once(app, db, people, content):
    advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    at.button(key="ci_save").click().run()
    (summary,) = _in_save_bar(at, "error")
    assert "4 things to fix" in summary  # not one round at a time: the client, then three more
    for name in ("Client code", "How you were in contact", "Contact with the person causing harm",
                 "Level of concern"):
        assert f"[{name}](" in summary, name


def test_start_from_the_last_check_in_keeps_what_was_already_chosen_today(app, db, people, content):
    signs = _signs(content, 3)
    code = advocate_client(db, content, people, occurred_at=utcnow() - timedelta(days=6), items=signs[:2],
                           contact_mode="video", harm_contact="frequent", concern="high")
    at = open_page(app, "ada", "check_in")
    at.selectbox(key="ci_client").select(code)
    at.radio(key="ci_concern").set_value("moderate")
    at.checkbox(key=f"ci_item_{signs[2]}").check().run()
    at.button(key="ci_copy_last").click().run()
    assert at.radio(key="ci_concern").value == "moderate"  # chosen today: not replaced by the copy
    assert at.radio(key="ci_harm").value == "frequent"  # empty before: filled from the last check-in
    assert all(at.checkbox(key=f"ci_item_{c}").value for c in signs)  # today's tick kept beside the copied ones


def test_an_item_needing_a_response_now_says_so_where_it_was_ticked(app, db, people, content):
    code = advocate_client(db, content, people)
    section = next(s for s in content.checklist.checkin_sections() if any(i.immediate for i in s.items))
    urgent = next(i for i in section.items if i.immediate)
    at = open_page(app, "ada", "check_in")
    at.selectbox(key="ci_client").select(code)
    at.checkbox(key=f"ci_item_{urgent.code}").check().run()
    notices = [w.value for w in at.warning if "needs a response now" in w.value]
    assert notices == ["This needs a response now: [see what to do](#ci-crisis), under Level of concern."]
    assert any('id="ci-crisis"' in m.value for m in at.markdown)  # where the link lands: the crisis panel


def test_a_far_off_next_date_with_immediate_danger_is_questioned_beside_the_date(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, concern="immediate")
    at.radio(key="ci_due_choice").set_value("date").run()
    at.date_input(key="ci_due_date").set_value(utcnow().date() + timedelta(days=18)).run()
    warned = [w.value for w in at.warning if "suggested within" in w.value]
    assert len(warned) == 1 and "immediate danger concern" in warned[0] and "within 1 day" in warned[0]
    at.date_input(key="ci_due_date").set_value(utcnow().date() + timedelta(days=1)).run()
    assert not [w.value for w in at.warning if "suggested within" in w.value]


def test_a_half_filled_check_in_is_still_there_after_a_look_at_another_page(app, db, people, content):
    """Found by the issue-19 walk: Streamlit forgets the values of widgets a run does not draw, so an advocate who
    opened the caseload mid check-in came back to an empty form."""
    code = advocate_client(db, content, people)
    sign = _signs(content, 1)[0]
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, sign=sign, note=NOTE, concern="high")
    at.run()
    at.switch_page("views/caseload.py").run()
    at.switch_page("views/resources.py").run()
    at.switch_page("views/check_in.py").run()
    assert not at.exception
    assert at.selectbox(key="ci_client").value == code
    assert at.checkbox(key=f"ci_item_{sign}").value is True
    assert at.radio(key="ci_concern").value == "high" and at.text_area(key="ci_note").value == NOTE
    at.button(key="ci_save").click().run()
    with db.reading() as s:
        saved = s.scalars(select(CheckIn)).one()
        assert saved.concern == "high" and s.scalars(select(CheckInItem.code)).all() == [sign]
    # Saved: the next visit starts empty.
    at.switch_page("views/caseload.py").run()
    at.switch_page("views/check_in.py").run()
    assert at.selectbox(key="ci_client").value is None and at.text_area(key="ci_note").value == ""


def test_a_kept_form_goes_with_sign_out(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, note=NOTE)
    at.run()
    at.switch_page("views/caseload.py").run()
    at.button(key="sign_out").click().run()
    from tests.pages.conftest import sign_in

    sign_in(at, "ada")
    at.switch_page("views/check_in.py").run()
    assert at.selectbox(key="ci_client").value is None and at.text_area(key="ci_note").value == ""

