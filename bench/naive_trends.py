"""The trends page computed the naive way: whole tables into pandas, grouped there.

Two jobs: the benchmark's baseline (how slow and how big the obvious approach is), and the independent
reference the tests compare the SQL aggregates against. It shares nothing with models/services/trends.py but the
period arithmetic, the suppression rule and the frame layout; in particular it derives each check-in's order
and each client's first sign count itself instead of trusting the stored ones.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from models.content.loader import Content
from models.rules.privacy import HIDDEN, suppress
from models.services.periods import local_midnight
from models.services.trends import (
    PROGRESS_MIN_CHECK_INS,
    TrendFilter,
    bucket_columns,
    bucket_unit,
    buckets,
    new_item_note,
)
from models.store.database import Database
from models.store.entities import CONCERN_LEVELS, CheckIn, CheckInItem, CheckInReferral, Client, User


def load(db: Database) -> dict[str, pd.DataFrame]:
    with db.engine.connect() as conn:
        tables = {
            "check_ins": pd.read_sql(select(CheckIn.id, CheckIn.client_id, CheckIn.advocate_id, CheckIn.occurred_at,
                                            CheckIn.concern, CheckIn.safety_planning, CheckIn.sign_count,
                                            CheckIn.checklist_version), conn),
            "items": pd.read_sql(select(CheckInItem.check_in_id, CheckInItem.code), conn),
            "referrals": pd.read_sql(select(CheckInReferral.check_in_id, CheckInReferral.resource_code,
                                            CheckInReferral.accepted), conn),
            "clients": pd.read_sql(select(Client.id, Client.advocate_id, Client.status, Client.opened_on,
                                          Client.relationship_context, Client.next_due_at), conn),
            "users": pd.read_sql(select(User.id, User.display_name, User.role, User.active), conn),
        }
    for table, column in (("check_ins", "occurred_at"), ("clients", "next_due_at")):
        tables[table][column] = pd.to_datetime(tables[table][column])
    return tables


def _in_scope(t: dict[str, pd.DataFrame], f: TrendFilter, start: datetime, end: datetime) -> pd.DataFrame:
    ci = t["check_ins"]
    ci = ci[(ci["occurred_at"] >= start) & (ci["occurred_at"] < end)]
    if f.advocate_id is not None:
        ci = ci[ci["advocate_id"] == f.advocate_id]
    if f.concern:
        ci = ci[ci["concern"] == f.concern]
    if f.context:
        ids = t["clients"].loc[t["clients"]["relationship_context"] == f.context, "id"]
        ci = ci[ci["client_id"].isin(ids)]
    return ci


def _zone(f: TrendFilter) -> ZoneInfo | None:
    return ZoneInfo(f.zone) if f.zone else None


def _bucket(ci: pd.DataFrame, f: TrendFilter, unit: str) -> pd.Series:
    """The last bucket whose first instant (local midnight, as naive UTC) is at or before each check-in."""
    starts = pd.Series([local_midnight(b.first, _zone(f)) for b in buckets(f.period, unit)], dtype="datetime64[ns]")
    return pd.Series(starts.searchsorted(ci["occurred_at"], side="right") - 1, index=ci.index).clip(lower=0)


def compute(t: dict[str, pd.DataFrame], content: Content, f: TrendFilter, *, k: int,
            now: datetime) -> dict[str, pd.DataFrame]:
    start, end = f.period.bounds(_zone(f))
    ci = _in_scope(t, f, start, end).copy()
    ci["week"] = _bucket(ci, f, "week")
    spans = buckets(f.period, bucket_unit(f.period))
    weeks = buckets(f.period, "week")
    ci["bucket"] = _bucket(ci, f, bucket_unit(f.period))
    out: dict[str, pd.DataFrame] = {}

    per_week = ci.groupby("week").agg(check_ins=("id", "size"), clients=("client_id", "nunique"))
    weekly = pd.DataFrame({"week_start": [b.start for b in weeks]})
    weekly["check_ins"] = [int(per_week["check_ins"].get(n, 0)) for n in range(len(weekly))]
    weekly["clients"] = [int(per_week["clients"].get(n, 0)) for n in range(len(weekly))]
    out["weekly"] = bucket_columns(suppress(weekly, k=k, values=["check_ins"], groups=[[]]), weeks, "week_start")

    joined = t["items"].merge(ci[["id", "client_id", "bucket"]], left_on="check_in_id", right_on="id")
    total = len(ci)
    per_item = joined.groupby("code").agg(check_ins=("id", "size"), clients=("client_id", "nunique"))

    def share(n: int, on_form: int, all_check_ins: int, added_in: int) -> float | None:
        # An item added in a later checklist version counts only the check-ins whose form had it.
        if on_form:
            return n / on_form
        return None if all_check_ins and added_in > 1 else 0.0

    rows = []
    for section in content.checklist.checkin_sections():
        for item in section.items:
            n = int(per_item["check_ins"].get(item.code, 0))
            on_form = int((ci["checklist_version"] >= item.added_in).sum())
            rows.append({"code": item.code, "label": item.label, "section": section.title, "check_ins": n,
                         "clients": int(per_item["clients"].get(item.code, 0)),
                         "share": share(n, on_form, total, item.added_in), "added_in": item.added_in,
                         "on_checklist": bool(on_form) or not total})
    out["items"] = suppress(pd.DataFrame(rows), k=k, values=["check_ins", "share"])

    every = t["check_ins"]  # since when a new item is counted: every check-in, whatever the period and filters

    def note(added_in: int) -> str:
        on_form = every[every["checklist_version"] >= added_in]["occurred_at"]
        return new_item_note(added_in, on_form.min().date() if len(on_form) else None)

    out["items"]["new"] = [note(int(v)) for v in out["items"]["added_in"]]

    per_cell = joined.groupby(["bucket", "code"]).agg(check_ins=("id", "size"), clients=("client_id", "nunique"))
    versions = {b: rows.groupby("checklist_version").size() for b, rows in ci.groupby("bucket")}
    rows = []
    starts = [b.start for b in spans]
    for section in content.checklist.checkin_sections():
        for item in section.items:
            for n, bucket_start in enumerate(starts):
                count = int(per_cell["check_ins"].get((n, item.code), 0))
                in_bucket = versions.get(n, pd.Series(dtype=int))
                on_form = int(in_bucket[in_bucket.index >= item.added_in].sum())
                rows.append({"bucket_start": bucket_start, "code": item.code, "label": item.label,
                             "section": section.title, "check_ins": count,
                             "clients": int(per_cell["clients"].get((n, item.code), 0)),
                             "share": share(count, on_form, int(in_bucket.sum()), item.added_in),
                             "added_in": item.added_in, "on_checklist": bool(on_form) or not in_bucket.sum()})
    out["items_over_time"] = bucket_columns(suppress(pd.DataFrame(rows), k=k, values=["check_ins", "share"],
                                                     groups=[["code"]]), spans, "bucket_start")
    out["items_over_time"]["new"] = [note(int(v)) for v in out["items_over_time"]["added_in"]]

    per_concern = ci.groupby(["week", "concern"]).agg(check_ins=("id", "size"), clients=("client_id", "nunique"))
    levels = [f.concern] if f.concern else list(CONCERN_LEVELS)
    rows = [{"week_start": w, "concern": level, "check_ins": int(per_concern["check_ins"].get((n, level), 0)),
             "clients": int(per_concern["clients"].get((n, level), 0))}
            for n, w in enumerate(b.start for b in weeks) for level in levels]
    out["concern"] = bucket_columns(suppress(pd.DataFrame(rows), k=k, values=["check_ins"],
                                             groups=[["week_start"], ["concern"]]), weeks, "week_start")

    refs = t["referrals"].merge(ci[["id", "client_id"]], left_on="check_in_id", right_on="id")
    names = {r.code: r.name for r in content.resources}
    codes = [r.code for r in content.resources] + sorted(set(refs["resource_code"]) - set(names))
    rows = []
    for c in codes:
        mine = refs[refs["resource_code"] == c]
        took = mine[mine["accepted"].astype(bool)]
        rows.append({"resource": c, "name": names.get(c, f"{c} (no longer in the packs)"), "offered": len(mine),
                     "accepted": len(took), "clients": mine["client_id"].nunique(),
                     "accepted_clients": took["client_id"].nunique()})
    frame = pd.DataFrame(rows)
    offered = suppress(frame, k=k, values=["offered"], groups=[[]])
    took = suppress(frame.rename(columns={"clients": "offered_clients", "accepted_clients": "clients"}),
                    k=k, values=["accepted"], groups=[[]])
    result = offered.rename(columns={HIDDEN: "offered_hidden"})
    result["accepted"] = took["accepted"]
    result["accepted_clients"] = took["clients"]
    result["accepted_hidden"] = took[HIDDEN] | offered[HIDDEN]
    result.loc[result["accepted_hidden"], ["accepted", "accepted_clients"]] = pd.NA
    out["referrals"] = result

    cl, users = t["clients"], t["users"]
    late = cl[(cl["status"] == "open") & (cl["next_due_at"] < now)]
    if f.advocate_id is not None:
        late = late[late["advocate_id"] == f.advocate_id]
    if f.context:
        late = late[late["relationship_context"] == f.context]
    advocates = users[(users["role"] == "advocate") & users["active"].astype(bool)].sort_values("display_name")
    if f.advocate_id is not None:
        advocates = advocates[advocates["id"] == f.advocate_id]
    counts = late.groupby("advocate_id").size()
    frame = pd.DataFrame({"advocate_id": advocates["id"].to_list(), "advocate": advocates["display_name"].to_list(),
                          "clients": [int(counts.get(i, 0)) for i in advocates["id"]]})
    frame["overdue"] = frame["clients"]
    out["overdue"] = suppress(frame, k=k, values=["overdue"], groups=[[]])

    # Progress: order every check-in of every client ourselves, then look at the period's buckets.
    every = t["check_ins"].sort_values(["client_id", "occurred_at", "id"]).copy()
    every["seq"] = every.groupby("client_id").cumcount() + 1
    first = every.groupby("client_id")["sign_count"].first()
    first_version = every.groupby("client_id")["checklist_version"].first()
    seen = ci.merge(every[["id", "seq"]], on="id")
    last = seen.sort_values("seq").groupby(["bucket", "client_id"]).tail(1)
    last = last[last["seq"] >= PROGRESS_MIN_CHECK_INS]
    # Items the first check-in's checklist version did not ask are left out of the comparison with it.
    added_in = {i.code: i.added_in for s in content.checklist.sections for i in s.items}
    items_of = t["items"].groupby("check_in_id")["code"].apply(list)
    not_asked_then = [sum(added_in.get(code, 1) > first_version[client] for code in items_of.get(check_in, []))
                      for check_in, client in zip(last["id"], last["client_id"], strict=True)]
    last = last.assign(fell=(last["sign_count"] - not_asked_then) < last["client_id"].map(first))
    rows = []
    for n, bucket_start in enumerate(starts):
        here = last[last["bucket"] == n]
        clients, fell = len(here), int(here["fell"].sum())
        rows.append({"bucket_start": bucket_start, "clients": clients, "fell": fell, "not_fell": clients - fell,
                     "share": fell / clients if clients else None})
    progress = suppress(pd.DataFrame(rows), k=k, values=["fell", "share"], also_small=["fell", "not_fell"])
    out["progress"] = bucket_columns(progress.drop(columns=["not_fell"]), spans, "bucket_start")
    return out
