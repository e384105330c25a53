"""Funder mappings: which of Waypoint's released figures answer which question a funder asks (content/funders/).

An agency edits these files, so a wrong one must stop with a message naming the file, the line's id and the
problem, never produce a report with a silently missing or misread figure. A line points at figures of a release
(models/services/releases.py) as `table.row.column`. This module sits below the services and may not import them
or the store, so the tables, rows and columns a line may name are listed here; tests/unit/test_funders.py checks
that they match the release's TABLES and SUMMARY_ROWS, CONTACT_MODES and CLOSING_REASONS.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictBool, ValidationError, model_validator

from models.content.loader import (
    RESOURCES_DIR,
    ContentError,
    Prose,
    Slug,
    Text,
    Url,
    _Model,
    _not_future,
    _read_yaml,
    _short,
    _shown,
    load_pack,
)

FUNDERS_DIR = Path("funders")
FORMULAS = ("cell", "sum", "not_collected", "not_recorded")

# What a line may add up: counts only. Shares do not add up, the check-ins by month change with every period,
# and per-advocate figures are staff data that never go to a funder.
SUMMARY_ROWS = ("check_ins", "clients_seen", "new_clients", "safety_planning", "safety_planning_clients",
                "referrals_offered", "referrals_taken_up", "files_closed")
# Distinct clients: one client can be in two of them, so they are never added to anything.
CLIENT_ROWS = ("clients_seen", "safety_planning_clients")
CONTACT_MODES = ("in-person", "phone", "text", "chat", "video")
CONCERN_LEVELS = ("low", "moderate", "high", "immediate")
CLOSING_REASONS = ("goals_met", "client_ended", "lost_contact", "moved_away", "referred", "other")
# table -> (its columns a line may name, its rows; None for referrals, whose rows are resource codes)
CELLS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "summary": (("value",), SUMMARY_ROWS),
    "contact_mode": (("check_ins",), CONTACT_MODES),
    "concern": (("check_ins",), CONCERN_LEVELS),
    "referrals": (("offered", "taken_up"), None),
    "closings": (("closings",), CLOSING_REASONS),
    "conversation_language": (("check_ins",), None),  # rows: conversation language codes (languages.yaml)
    "interpreter": (("check_ins",), ("yes", "no")),
}
NOT_MAPPABLE = {
    "signs": "its shares do not add up and are not counts a funder asks for",
    "by_month": "its rows change with every period",
    "overdue": "it holds figures per advocate, which are staff data and never go to a funder",
}


def parse_ref(ref: str) -> tuple[str, str, str]:
    """'referrals.ndvh.offered' -> ('referrals', 'ndvh', 'offered'). Rows have no dots in the mappable tables."""
    table, _, rest = ref.partition(".")
    row, _, column = rest.rpartition(".")
    return table, row, column


def _ref(value: str) -> str:
    value = value.strip()
    table, row, column = parse_ref(value)
    if not (table and row and column):
        raise ValueError(f"'{_short(value)}' must name a figure as table.row.column "
                         "(for example summary.clients_seen.value)")
    if table in NOT_MAPPABLE:
        raise ValueError(f"'{_short(value)}': the table '{table}' cannot be used in a funder report: "
                         f"{NOT_MAPPABLE[table]}")
    if table not in CELLS:
        raise ValueError(f"'{_short(value)}': there is no table '{_short(table, 30)}'; use one of "
                         f"{', '.join(CELLS)}")
    columns, rows = CELLS[table]
    if column not in columns:
        raise ValueError(f"'{_short(value)}': the table '{table}' has no column '{_short(column, 30)}'; use "
                         f"{' or '.join(columns)}")
    if rows is not None and row not in rows:
        raise ValueError(f"'{_short(value)}': the table '{table}' has no row '{_short(row, 40)}'; its rows are "
                         f"{', '.join(rows)}")
    return value


CellRef = Annotated[str, AfterValidator(_ref)]


class Source(_Model):
    title: Text
    address: Url
    version: Text
    checked: Annotated[date, AfterValidator(_not_future)]


class FunderLine(_Model):
    """One question of the funder's, and how Waypoint answers it (exactly one formula)."""

    id: Slug
    section: Text
    question: Text
    cell: CellRef | None = None
    sum: tuple[CellRef, ...] | None = Field(default=None, min_length=2)
    not_collected: Text | None = None
    not_recorded: Text | None = None
    confirmed: StrictBool
    note: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_formula(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = {*cls.model_fields, *FORMULAS}
            unknown = [k for k in data if k not in known]
            if unknown:
                raise ValueError(f"'{_short(str(unknown[0]), 40)}' is not a field Waypoint knows; a line's formula "
                                 f"is one of {', '.join(FORMULAS)}")
        return data

    @model_validator(mode="after")
    def _one_formula(self) -> FunderLine:
        given = [f for f in FORMULAS if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one formula ({', '.join(FORMULAS)}); this line has "
                             f"{' and '.join(given) if given else 'none'}")
        if self.sum is not None:
            seen: set[str] = set()
            for ref in self.sum:
                if ref in seen:
                    raise ValueError(f"sum names {ref} twice; each figure may be added once")
                seen.add(ref)
                table, row, _ = parse_ref(ref)
                if table == "summary" and row in CLIENT_ROWS:
                    raise ValueError(f"sum cannot include {ref}: it counts distinct clients, and one client can "
                                     "be counted in two such figures; use cell: instead")
        return self

    @property
    def formula(self) -> str:
        return next(f for f in FORMULAS if getattr(self, f) is not None)

    def cells(self) -> tuple[tuple[str, str, str], ...]:
        """The release figures the line adds up, as (table, row, column); none for a not_* line."""
        refs = (self.cell,) if self.cell is not None else (self.sum or ())
        return tuple(parse_ref(r) for r in refs)


class FunderMapping(_Model):
    funder: Text
    title: Text
    source: Source
    also_consulted: tuple[Text, ...] = ()
    about: Prose
    lines: tuple[FunderLine, ...] = Field(min_length=1)
    name: str = ""  # the file's name without .yaml, filled in when loaded

    @model_validator(mode="after")
    def _unique_ids(self) -> FunderMapping:
        seen: set[str] = set()
        for line in self.lines:
            if line.id in seen:
                raise ValueError(f"the line id '{line.id}' is used twice; every line needs its own id")
            seen.add(line.id)
        return self

    def line(self, line_id: str) -> FunderLine:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """'line 'a3-referral-victim-services', field 'sum' #2' from a pydantic error location."""
    if len(loc) >= 2 and loc[0] == "lines" and isinstance(loc[1], int):
        lines = data.get("lines") if isinstance(data, dict) else None
        entry = lines[loc[1]] if isinstance(lines, list) and 0 <= loc[1] < len(lines) else None
        line_id = entry.get("id") if isinstance(entry, dict) else None
        name = f"line '{_short(line_id)}'" if isinstance(line_id, str) else f"line #{loc[1] + 1}"
        rest = loc[2:]
    else:
        name, rest = "", loc
    fields = [str(p) for p in rest if isinstance(p, str)]
    numbers = [p for p in rest if isinstance(p, int)]
    field = ".".join(fields)
    pieces = [name] if name else []
    if field:
        pieces.append(f"field '{field}'" + (f" #{numbers[-1] + 1}" if numbers else ""))
    return ", ".join(pieces) or "the top level"


def _explain(exc: ValidationError, data: Any, shown: str) -> ContentError:
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "is not a field Waypoint knows (check the spelling)"
        lines.append(f"{shown}: {_where(data, loc)}: {msg}")
    return ContentError("\n".join(lines[:10]) + (f"\n… and {len(lines) - 10} more problems" if len(lines) > 10 else ""))


def resource_codes(content_dir: Path) -> set[str]:
    """Every resource code in every pack in content/resources/, active or not: a mapping may name a national line
    that one agency does not use, and the report then says the figure is not in that release."""
    codes: set[str] = set()
    for path in sorted((Path(content_dir) / RESOURCES_DIR).glob("*.yaml")):
        codes |= {r.code for r in load_pack(content_dir, path.stem).resources}
    return codes


def load_funder_mapping(content_dir: Path, name: str, *, codes: Collection[str] | None = None) -> FunderMapping:
    """Load content/funders/<name>.yaml and check it, including that every referral names a known resource
    (`codes`, or every pack in content/resources/ when not given)."""
    content_dir = Path(content_dir)
    path = content_dir / FUNDERS_DIR / f"{name}.yaml"
    shown = _shown(path, content_dir)
    data = _read_yaml(path, shown)
    if not isinstance(data, dict):
        raise ContentError(f"{shown}: expected a mapping of fields at the top of the file.")
    if "name" in data:
        raise ContentError(f"{shown}: the top level: 'name' is not a field Waypoint knows (the file's name is used)")
    try:
        mapping = FunderMapping.model_validate({**data, "name": name})
    except ValidationError as exc:
        raise _explain(exc, data, shown) from None
    known = set(resource_codes(content_dir) if codes is None else codes)
    problems = [f"{shown}: line '{line.id}': referrals.{row}.{column} names the resource '{_short(row)}', which is "
                "in no resource pack; use a code from content/resources/"
                for line in mapping.lines for table, row, column in line.cells()
                if table == "referrals" and row not in known]
    if problems:
        raise ContentError("\n".join(problems[:10]))
    return mapping


def load_funder_mappings(content_dir: Path, *, codes: Collection[str] | None = None) -> dict[str, FunderMapping]:
    """Every mapping in content/funders/, by file name; none when the folder is absent."""
    content_dir = Path(content_dir)
    known = set(resource_codes(content_dir) if codes is None else codes)
    return {path.stem: load_funder_mapping(content_dir, path.stem, codes=known)
            for path in sorted((content_dir / FUNDERS_DIR).glob("*.yaml"))}
