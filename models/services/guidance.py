"""Leaving guidance: safety-planning steps by stage, for the advocate to talk through with a client.

It is guidance for a conversation, not an assessment: no step is weighted, and nothing adds up to a score.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.base.i18n import N_
from models.content.loader import Content, Stage, Step
from models.rules.permissions import Actor, Permission, require

# The topics a step can be tagged with, in words: a page shows _(TOPIC_LABELS[topic]).
TOPIC_LABELS = {
    # TRANSLATORS: topics of the leaving guidance (for advocates), used to filter its steps.
    "take": N_("What to take"),
    "people": N_("Support network"),
    "contact": N_("No-contact"),
    "routine": N_("Changing routines"),
    "technology": N_("Technology safety"),
    "plan": N_("Plans"),
}


@dataclass(frozen=True)
class StageGuidance:
    stage: Stage
    steps: tuple[Step, ...]


def guidance_by_stage(content: Content, actor: Actor, *, topics: tuple[str, ...] = ()) -> list[StageGuidance]:
    """Every stage in order with its steps; with topics, only the steps tagged with any of them."""
    require(actor, Permission.VIEW_RESOURCES)
    if content.guidance is None:
        return []
    wanted = {t for t in topics if isinstance(t, str)} if isinstance(topics, (list, tuple, set, frozenset)) else set()
    return [StageGuidance(stage, tuple(s for s in stage.steps if not wanted or wanted.intersection(s.topics)))
            for stage in content.guidance.stages]
