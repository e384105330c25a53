"""Referral scripts: words an advocate can say, with every resource detail filled in from the active packs.

Nothing in a script is typed twice: a placeholder such as {ndvh.phone} is replaced with the pack's value at the
moment the script is shown, so a number changed in a pack changes in every script at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.content.loader import PLACEHOLDER, Content, ContentError, Resource, Script, resource_field
from models.rules.permissions import Actor, Permission, require


@dataclass(frozen=True)
class RenderedScript:
    """A script ready to show: Markdown with every placeholder filled, and the resources it names."""

    code: str
    title: str
    when: str
    say: str
    notes: str | None
    resources: tuple[Resource, ...]  # every resource the script names, in order of first appearance
    offerable: tuple[Resource, ...]  # the ones an advocate can mark as offered from it


def fill(text: str, content: Content) -> str:
    """Replace every {resource.field} with the pack's value. Load-time validation makes a gap impossible;
    if one appears anyway (content changed under a running app), fail loudly rather than show a blank."""

    def value(match) -> str:  # type: ignore[no-untyped-def]
        code, _, field = match.group(1).partition(".")
        try:
            found = resource_field(content.resource(code), field)
        except KeyError:
            found = None
        if found is None:
            raise ContentError(f"script placeholder {{{match.group(1)}}} has no value in the active packs")
        return found

    return PLACEHOLDER.sub(value, text)


def list_scripts(content: Content, actor: Actor) -> list[Script]:
    """Every script, in the order the file gives them (the order an agency chose)."""
    require(actor, Permission.VIEW_RESOURCES)
    return list(content.scripts)


def render_script(content: Content, actor: Actor, code: str) -> RenderedScript:
    """One script with its resource details filled in. Raises KeyError for an unknown code."""
    require(actor, Permission.VIEW_RESOURCES)
    script = content.script(code)
    return RenderedScript(
        code=script.code,
        title=script.title,
        when=script.when,
        say=fill(script.say, content),
        notes=fill(script.notes, content) if script.notes else None,
        resources=tuple(content.resource(c) for c in script.named_resources()),
        offerable=tuple(content.resource(c) for c in script.offerable()),
    )


def scripts_naming(content: Content, actor: Actor, resource_code: str) -> list[Script]:
    """The scripts that mention a resource, so its card can point to the words to use."""
    require(actor, Permission.VIEW_RESOURCES)
    return [s for s in content.scripts if resource_code in s.named_resources()]
