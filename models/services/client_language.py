"""A client's preferred language: the handout and the scripts read aloud open in it, whatever language the
advocate reads Waypoint in. A language only (one Waypoint's content is written in), nothing else about the person.
"""

from __future__ import annotations

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _
from models.rules.permissions import Actor
from models.services import audit, liveness
from models.services.clients import Access, load_client, refusals_audited
from models.store.database import Database


def preferred_language(db: Database, actor: Actor, code: str) -> str | None:
    """The client's preferred language, or None (the advocate's own is used then)."""
    with refusals_audited(db, actor, "client_viewed"), db.reading() as s:
        client = load_client(s, actor, code, Access.READ)
        language = client.preferred_language
    return language if i18n.known(language) else None


def set_preferred_language(db: Database, actor: Actor, code: str, language: str | None) -> None:
    """Record (or, with None, forget) the language the client prefers. The client's advocate or a supervisor; the
    audit row names the client's code and that it changed, not the language (it says something about the person)."""
    if language is not None and not i18n.known(language):
        raise ValidationFailed({"language": _("Choose one of the languages listed.")})
    with refusals_audited(db, actor, "client_language_set"), db.writing() as s:
        liveness.check(s, actor)
        client = load_client(s, actor, code, Access.MANAGE, lock=True)
        if client.preferred_language == language:
            return
        client.preferred_language = language
        audit.record(s, actor, "client_language_set", target_type="client", target=client.code)
