"""Recording from a referral script that a resource was offered, on the client's current check-in.

The change goes through `correct_check_in`, so it is validated like any correction, keeps the earlier version
in the check-in's history and is audited. "Current" means the client's latest check-in by when it happened:
offering a referral belongs to the contact the advocate is in, not to one from weeks ago, so the page shows the
date and the advocate records a new check-in when this is a new contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.i18n import _
from models.base.inputs import row_id, shown_code
from models.content.loader import Content
from models.rules.permissions import Actor
from models.services.checkins import CheckInForm, CheckInView, correct_check_in, get_check_in
from models.services.clients import Access, load_client, normalize_code, refusals_audited
from models.store.database import Database
from models.store.entities import CheckIn


def _latest_id(db: Database, actor: Actor, code: str, access: Access) -> int | None:
    with refusals_audited(db, actor, "client_viewed" if access is Access.READ else "check_in_corrected"), \
            db.reading() as s:
        client = load_client(s, actor, code, access)
        return s.scalar(select(CheckIn.id).where(CheckIn.client_id == client.id)
                        .order_by(CheckIn.occurred_at.desc(), CheckIn.id.desc()).limit(1))


def current_check_in(db: Database, actor: Actor, code: str) -> CheckInView | None:
    """The client's latest check-in (audited as a view), or None when nothing has been recorded yet."""
    check_in_id = _latest_id(db, actor, code, Access.READ)
    return get_check_in(db, actor, check_in_id) if check_in_id is not None else None


def mark_referrals_offered(db: Database, actor: Actor, content: Content, code: str, resource_codes: Sequence[str],
                           *, check_in_id: int, expected_version: int) -> CheckInView:
    """Add resources to the referrals offered at the client's current check-in; ones already there stay as
    they are (taken up stays taken up). Raises ValidationFailed (keyed "referrals" or "check_in"),
    EditConflict when the check-in changed since it was shown, or PermissionDenied (audited)."""
    if isinstance(resource_codes, str) or not isinstance(resource_codes, (list, tuple, set, frozenset)):
        raise ValidationFailed({"referrals": _("Choose the resources to mark as offered from the list.")})
    wanted = list(dict.fromkeys(c for c in resource_codes if isinstance(c, str) and c))
    if not wanted:
        raise ValidationFailed({"referrals": _("Choose at least one resource to mark as offered.")})
    unknown = list(dict.fromkeys(shown_code(c) for c in wanted if c not in {r.code for r in content.resources}))
    if unknown:
        # TRANSLATORS: {codes} lists resource codes.
        raise ValidationFailed({"referrals": _("These are not in the resource list: {codes}. Reload the page and "
                                               "choose again.").format(codes=", ".join(unknown[:5]))})
    latest = _latest_id(db, actor, code, Access.WRITE)
    if latest is None:
        raise ValidationFailed({"check_in": _("This client has no check-in yet. Record the check-in for this "
                                              "contact first, then mark the referral.")})
    if row_id(check_in_id) is None or latest != check_in_id:  # True == 1 in Python: a bool is no id
        raise ValidationFailed({"check_in": _("A newer check-in has been recorded for this client since the page "
                                              "was opened. Nothing was saved. Reload and mark it on the newer one.")})
    view = get_check_in(db, actor, check_in_id)
    if view.client_code != normalize_code(code):  # defensive: the id came from this client's latest
        raise ValidationFailed({"check_in": _("That check-in belongs to another client. Nothing was saved.")})
    offered = list(view.referrals_offered) + [c for c in wanted if c not in view.referrals_offered]
    form = replace(CheckInForm.from_view(view), referrals_offered=tuple(offered))
    return correct_check_in(db, actor, content, check_in_id, form, expected_version=expected_version)
