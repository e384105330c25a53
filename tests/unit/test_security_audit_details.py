"""Issue 15, item 5: audit rows say who did what to which record and when, never what a record holds.

The attack: an admin (who may not read case records) opens the audit log and reads, in the detail of a
safety-plan change, "in place: preparing.bag-ready, preparing.place-to-go", i.e. that a client is about to leave.
This runs every service that writes an audit row and checks each row's detail against the rule.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules.permissions import Actor
from models.services import auth, checkins, releases
from models.services.account_admin import end_sessions, reset_password
from models.services.account_life import change_role, rename
from models.services.account_review import confirm_account
from models.services.accounts import create_user, set_active
from models.services.attention import needs_attention
from models.services.audit_log import export_audit_csv, search_audit
from models.services.checkins import CheckInForm, check_in_history, client_timeline, correct_check_in, get_check_in
from models.services.clients import close_client, open_client, reassign_client, reopen_client
from models.services.exports import report_csv, report_html
from models.services.handout import build_handout
from models.services.handover import hand_over
from models.services.periods import quarter_of
from models.services.referrals import mark_referrals_offered
from models.services.retention import erase_client
from models.services.safety_plans import safety_plan, update_safety_plan
from models.services.trends import TrendFilter, preset, trends
from models.store.entities import CONCERN_LEVELS, AuditEvent
from tests.unit.helpers import make_account

NOTE = "Sister Marguerite collects the children from Thornbury school on Fridays."
NOTE_WORDS = ("marguerite", "thornbury", "children", "fridays")
PASSWORD = "correct horse battery staple 7"


def _actor(db, username: str, role: str) -> Actor:
    return make_account(db, username, role, password=PASSWORD)


def _forbidden(content) -> list[str]:
    """Everything a record can hold that could be quoted: item and step codes and labels, resource codes."""
    checklist, guidance = content.checklist, content.guidance
    words = list(checklist.all_codes()) + [checklist.item(c).label for c in checklist.all_codes()]
    words += list(guidance.all_codes()) + [guidance.step(c).label for c in guidance.all_codes()]
    words += [r.code for r in content.resources if len(r.code) > 4]
    return [w.lower() for w in words if w]


def test_no_audit_detail_holds_what_a_record_holds(db, content):
    admin = _actor(db, "alex", "admin")
    ada = _actor(db, "ada", "advocate")
    bo = _actor(db, "bo", "advocate")
    sam = _actor(db, "sam", "supervisor")
    context = content.checklist.section("contexts").items[0].code
    factors = [content.checklist.section("vulnerability").items[0].code]
    code = open_client(db, ada, content, relationship_context=context, factors=factors,
                       opened_on=utcnow().date() - timedelta(days=30)).code
    sam_code = open_client(db, sam, content, relationship_context=context, factors=[], advocate_id=ada.user_id,
                           opened_on=utcnow().date() - timedelta(days=30)).code
    items = [i for i in content.checklist.all_codes() if i not in content.checklist.immediate_codes()][:3]
    resources = [r.code for r in content.resources][:2]
    saved = checkins.record_check_in(db, ada, content, CheckInForm(
        client=code, occurred_at=utcnow().replace(microsecond=0) - timedelta(hours=1), contact_mode="phone",
        harm_contact="lives-with", concern="high", items=items, safety_planning=True,
        referrals_offered=resources[:1], note=NOTE, not_names=frozenset({"Marguerite"})),
        submission_key="audit-detail-1")
    form = CheckInForm.from_view(saved)
    corrected = correct_check_in(db, ada, content, saved.id, CheckInForm(
        **{**form.__dict__, "concern": "immediate", "note": NOTE + " Twice.", "items": items[:2],
           "not_names": frozenset({"marguerite"})}),
        expected_version=saved.version)
    mark_referrals_offered(db, ada, content, code, resources[1:], check_in_id=saved.id,
                           expected_version=corrected.version)
    get_check_in(db, ada, saved.id)
    check_in_history(db, ada, saved.id)
    client_timeline(db, sam, content, code)
    steps = content.guidance.all_codes()
    update_safety_plan(db, ada, content, code, {steps[0]: True, steps[3]: True, steps[5]: True})
    update_safety_plan(db, ada, content, code, {steps[3]: False})
    safety_plan(db, sam, content, code)
    build_handout(db, ada, content, code, resource_codes=resources, full_names=True, recognisable_ok=True)
    needs_attention(db, sam)
    close_client(db, ada, code, reason="goals_met")
    reopen_client(db, ada, code)
    reassign_client(db, sam, code, bo.user_id)
    trends(db, sam, content, TrendFilter(preset("Quarter", utcnow().date())), k=5)
    quarter = quarter_of(utcnow().date()).previous()
    made = releases.release(db, sam, content, quarter, k=5, zone="UTC", agency="A", fiscal_start=10,
                            today=utcnow().date())
    report_csv(db, sam, made, include_advocates=True)
    report_html(db, sam, made)
    cat = create_user(db, admin, username="cat", display_name="Cat", role="admin", password=PASSWORD)
    settings = Settings(database_url="sqlite://", mfa_required=frozenset())
    auth.sign_in(db, settings, "ada", PASSWORD)
    end_sessions(db, admin, ada.user_id)
    reset_password(db, admin, bo.user_id)  # an advocate: waits for a supervisor, who issues a setup code
    confirm_account(db, sam, bo.user_id)
    rename(db, admin, ada.user_id, "Ada Marguerite")  # the new name is never in the audit row
    hand_over(db, sam, bo.user_id, {code: ada.user_id})  # bo's one open client, back to ada
    set_active(db, admin, bo.user_id, False)
    set_active(db, admin, bo.user_id, True)
    change_role(db, admin, cat, "supervisor")
    search_audit(db, admin)
    export_audit_csv(db, admin)
    erase_client(db, admin, sam_code, sam_code)

    with db.reading() as s:
        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    actions = {r.action for r in rows}
    assert {"check_in_recorded", "check_in_corrected", "safety_plan_changed", "handout_created", "client_viewed",
            "client_opened", "client_reassigned", "client_erased", "display_name_changed", "clients_handed_over",
            "user_deactivated", "role_changed"} <= actions, actions
    forbidden = _forbidden(content)
    for row in rows:
        detail = (row.detail or "").lower()
        assert not any(w in detail for w in forbidden), (row.action, row.detail)
        assert not any(w in detail for w in NOTE_WORDS), (row.action, row.detail)
        if row.action != "aggregates_exported":  # an export names the filter asked for, not any record
            assert not any(re.search(rf"\b{level}\b", detail) for level in CONCERN_LEVELS), (row.action, row.detail)
            assert "lives-with" not in detail and "frequent" not in detail, (row.action, row.detail)
        for value in (row.target or "", row.actor_username or ""):
            assert not any(w in value.lower() for w in NOTE_WORDS + tuple(forbidden)), (row.action, value)
    plan_rows = [r for r in rows if r.action == "safety_plan_changed"]
    assert [r.detail for r in plan_rows] == ["3 steps changed", "1 step changed"]
