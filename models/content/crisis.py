"""What to say when an answer needs an immediate response. Shown at once, before anything is saved.

The words are Waypoint's own; the numbers come from the active resource packs, never typed twice. Each line says
what it can do, because a support line listed beside 911 can be mistaken for one that sends help: only an
emergency service can, and the panel says so in plain words.

The words are catalog texts, given in the reader's language where they are returned (crisis_prompts, text_caution,
ways_to_reach, CrisisLine.role_words). A line's `role` itself stays the English text, so a page can tell the line
that sends help (`line.role == SENDS_HELP`) whatever language it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.base.i18n import N_, _
from models.content.loader import Content, Resource

KINDS = ("suicide", "self-harm", "danger")

# What a line offered in the panel can do, by the first of its needs that decides it.
# TRANSLATORS: what a help line offered in the crisis panel can do; shown after its name and numbers.
SENDS_HELP = N_("the number for help now: it can send police, fire or an ambulance")
# TRANSLATORS: what a help line offered in the crisis panel can do; shown after its name and numbers.
SUPPORT_ONLY = N_("support and planning, once the immediate danger has passed; it cannot send emergency help")
# TRANSLATORS: what a help line offered in the crisis panel can do; shown after its name and numbers.
TALK_NOW = N_("someone to talk to now, at any hour")

# Texting an emergency service reaches a dispatcher only where the local centre accepts texts; elsewhere the sender
# gets a reply telling them to call, which costs time in an emergency. Every place that offers it says so.
# TRANSLATORS: said beside texting 911.
TEXT_EMERGENCY_CAUTION = N_("only where local emergency services accept texts; otherwise call")


@dataclass(frozen=True)
class CrisisLine:
    resource: Resource
    role: str  # what it is for, in plain words: SENDS_HELP, SUPPORT_ONLY or TALK_NOW, in English

    @property
    def role_words(self) -> str:
        """The role in the reader's language, for the panel."""
        return _(self.role)


@dataclass(frozen=True)
class CrisisPrompt:
    kind: str
    heading: str
    say: str
    lines: tuple[CrisisLine, ...]  # lines not already listed under an earlier prompt of the same panel

    @property
    def resources(self) -> tuple[Resource, ...]:
        return tuple(line.resource for line in self.lines)


# Each prompt's heading and what to say, marked for the catalog; crisis_prompts() gives them in the reader's language.
_WORDS = {
    "suicide": (
        N_("Thoughts of suicide were noted"),
        # TRANSLATORS: guidance for the advocate; the quoted question is what they can ask the client.
        N_("Ask directly and calmly: \"Are you thinking about ending your life?\" Asking does not put the idea "
           "there. Stay with them, listen without judging, and offer to call or text 988 together now. If they "
           "have a plan and the means at hand, or are in danger right now, call 911."),
    ),
    "self-harm": (
        N_("Self-harm was noted"),
        # TRANSLATORS: guidance for the advocate; the quoted words are what they can say to the client.
        N_("Say what you noticed without blame: \"Thank you for telling me. You deserve support with this.\" Ask "
           "whether they are safe right now and whether any injury needs care. Offer 988 for support at any hour; "
           "call 911 if there is a serious injury or immediate danger."),
    ),
    "danger": (
        N_("Immediate danger was noted"),
        # TRANSLATORS: guidance for the advocate; use the Hotline's official name in the language.
        N_("If they are in danger now, 911 is the number for help now: it is the one that can send someone (text "
           "911 only where that works locally). If they cannot talk freely, agree on yes-or-no questions. The "
           "National Domestic Violence Hotline cannot send police or an ambulance: it is for support and planning "
           "once the immediate danger has passed, at any hour."),
    ),
}


def text_caution(resource: Resource) -> str | None:
    """The caution that goes beside a text line (in the reader's language), or None: texting an emergency service
    (911) does not work everywhere, so it is never offered without saying so."""
    if resource.text and "emergency" in resource.needs:
        return _(TEXT_EMERGENCY_CAUTION)
    return None


def ways_to_reach(resource: Resource) -> list[str]:
    """Call, text (with its caution where texting may not get through) and TTY, as the crisis panel reads them
    out, in the reader's language. Markdown: the numbers in bold."""
    # TRANSLATORS: one way to reach a help line, in a list after its name ("call **911**, text **911**").
    how = [_("call **{number}**").format(number=resource.phone.number)] if resource.phone else []
    if resource.text:
        if resource.text.keyword:
            # TRANSLATORS: {keyword} is the word to send, as the service spells it ("START").
            text = _("text **{keyword} to {number}**").format(keyword=resource.text.keyword,
                                                              number=resource.text.number)
        else:
            text = _("text **{number}**").format(number=resource.text.number)
        caution = text_caution(resource)
        # TRANSLATORS: {way} is "text **911**", {caution} says where texting works.
        how.append(_("{way} ({caution})").format(way=text, caution=caution) if caution else text)
    if resource.tty:
        how.append(_("TTY {number}").format(number=resource.tty))
    return how


def role(resource: Resource) -> str:
    """What a line offered in the crisis panel can do for someone in danger now."""
    if "emergency" in resource.needs:
        return SENDS_HELP
    if "suicidal-crisis" in resource.needs:
        return TALK_NOW
    return SUPPORT_ONLY


def crisis_prompts(content: Content, kinds: set[str]) -> list[CrisisPrompt]:
    """In a fixed order (suicide, self-harm, danger), each with the resources the packs flag for it. A resource
    flagged for several kinds (911 for all three) is listed once, under the first prompt that shows it. Under
    immediate danger, the line that can send help comes first whatever the packs' order."""
    prompts = []
    listed: set[str] = set()
    for kind in KINDS:
        if kind not in kinds:
            continue
        heading, say = (_(words) for words in _WORDS[kind])
        fresh = [r for r in content.resources_for_immediate(kind) if r.code not in listed]
        if kind == "danger":
            fresh.sort(key=lambda r: role(r) != SENDS_HELP)  # stable: otherwise the packs' order
        listed.update(r.code for r in fresh)
        prompts.append(CrisisPrompt(kind, heading, say, tuple(CrisisLine(r, role(r)) for r in fresh)))
    return prompts
