"""Trends: how the team's work is going and where clients stand, for a chosen period and filters."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import timeutil_ui as tz
from dashboard.checkin_form import CONCERN_LABELS
from models.rules.permissions import Permission, require
from models.rules.privacy import HIDDEN, label, shown
from models.services.accounts import list_advocates
from models.services.exports import export_csv, printable_summary
from models.services.trends import PRESETS, Period, TrendFilter, TrendReport, trends

CACHE_SECONDS = 60


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=64)
def _report(_ctx: ui.AppContext, _actor, database_url: str, f: TrendFilter, k: int) -> TrendReport:  # type: ignore[no-untyped-def]
    """Cached per filter for a minute, shared by supervisors (the page checks the role before asking): a team
    meeting clicking through filters stays instant, and new check-ins show within a minute."""
    return trends(_ctx.db, _actor, _ctx.content, f, k=k)


def _period(today: date) -> Period | None:
    choice = st.segmented_control("Period", [*PRESETS, "Custom"], key="tr_period", default="4 weeks",
                                  required=True)
    if choice != "Custom":
        return Period.preset(choice or "4 weeks", today)
    picked = st.date_input("From and to", value=(today - timedelta(weeks=8), today), max_value=today,
                           key="tr_custom", format=tz.INPUT_DATE_FORMAT)
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.caption("Choose the last day of the period too.")
        return None
    return Period(picked[0], picked[1])


def _metric_text(m, k: int) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    if m.hidden:
        return label(k), None
    if m.value is None:  # a share of nothing, e.g. no referrals offered in the period
        return "–", None
    value = f"{m.value:.0%}" if m.kind == "share" else f"{m.value:,.0f}"
    change = m.change
    if change is None:
        return value, None
    delta = f"{change * 100:+.0f} points" if m.kind == "share" else f"{change:+,.0f}"
    return value, f"{delta} on previous"


def _sentence(text: str) -> str:
    """The first letter upper-cased and the rest as written (str.capitalize would lower-case the month)."""
    return text[:1].upper() + text[1:]


def _figures(frame: pd.DataFrame, columns: dict[str, str], k: int, shares: tuple[str, ...] = (),
             hidden: str = HIDDEN) -> None:
    """The numbers behind a chart as a plain table: readable by screen readers, with hidden cells named."""
    with st.expander("The figures"):
        table = pd.DataFrame({
            title: [shown(v, bool(h), k, "{:.0%}" if name in shares else "{:,.0f}") if name not in ("label", "name",
                    "advocate", "week", "start", "concern_label", "new") else str(v)
                    for v, h in zip(frame[name], frame[hidden], strict=True)]
            for name, title in columns.items()
        })
        st.dataframe(table, hide_index=True, width="stretch")


def _chart(chart, summary: str) -> None:  # type: ignore[no-untyped-def]
    """The chart, then its gist in words: a screen reader cannot read a drawing (the chart's own label says the
    same), and "The figures" under it hold every number."""
    st.altair_chart(chart, width="stretch")
    st.caption(f"In words: {ui.plain(summary)}")  # it names advocates, as they typed their names


def _closings(report: TrendReport, k: int) -> None:
    """Files closed in the period by reason: a short table and one sentence, with the same suppression as the rest."""
    st.header("Files closed, by reason", anchor=False)
    total = report.closings_total
    if total is None:
        st.caption("Closings have no level of concern: choose “All levels” to see them.")
        return
    frame = report.closings
    shown_rows = frame[~frame[HIDDEN].astype(bool)]
    hidden = int(frame[HIDDEN].astype(bool).sum())
    if total.hidden:
        words = f"Files closed in the period: {label(k)} clients, so no reason is shown."
    elif not total.value:
        words = "No files were closed in the period."
    else:
        named = [f"{r.label.lower()} {int(r.closings):,}" for r in shown_rows.itertuples() if r.closings]
        words = (f"{ui.counted(int(total.value), 'file')} closed in the period"
                 + (": " + "; ".join(named) if named else "") + "."
                 + (f" {ui.counted(hidden, 'reason')} left out: too few clients to show." if hidden else ""))
    # A table, not a chart: its sentence is not an "In words" caption (those pair one-to-one with the charts).
    st.caption(f"{words} A file reopened since still counts: the closing happened.")
    table = pd.DataFrame({
        "Reason": [*frame["label"], "All reasons"],
        "Files closed": [*(shown(v, bool(h), k) for v, h in zip(frame["closings"], frame[HIDDEN], strict=True)),
                         shown(total.value, total.hidden, k)],
    })
    st.dataframe(table, hide_index=True, width="content")


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    require(actor, Permission.VIEW_TRENDS)
    k = ctx.settings.suppression_min
    st.title("Trends")
    today = tz.now_local().date()
    period = _period(today)
    advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
    contexts = {i.code: i.label for i in ctx.content.checklist.section("contexts").items}
    c1, c2, c3 = st.columns(3)
    advocate = c1.selectbox("Advocate", [None, *advocates], key="tr_advocate",
                            format_func=lambda a: "All advocates" if a is None else advocates[a])
    context = c2.selectbox("Relationship context", [None, *contexts], key="tr_context",
                           format_func=lambda c: "All contexts" if c is None else contexts[c])
    concern = c3.selectbox("Level of concern", [None, *CONCERN_LABELS], key="tr_concern",
                           format_func=lambda c: "All levels" if c is None else CONCERN_LABELS[c])
    if period is None:
        return
    f = TrendFilter(period, advocate_id=advocate, context=context, concern=concern)
    report = _report(ctx, actor, ctx.settings.database_url, f, k)  # the URL keys the cache to this database
    st.caption(f"{tz.show_date(period.start)} to {tz.show_date(period.end)}. Any figure based on fewer than {k} "
               f"clients shows as “{label(k)}”, and so does any figure that would let it be worked out. Counts are "
               "what advocates observed, never scores.")

    cols = [c for _ in range(0, len(report.metrics), 3) for c in st.columns(3)]
    for col, m in zip(cols, report.metrics, strict=False):
        value, delta = _metric_text(m, k)
        col.metric(m.label, value, delta, help=m.help, delta_color="off" if m.kind == "share" else "normal")

    checked_in = next(m for m in report.metrics if m.label == "Check-ins")
    if not checked_in.hidden and not checked_in.value:
        st.info("No check-ins in this period with these filters. Overdue follow-ups are still shown below.")
    else:
        weekly = report.weekly.assign(week=report.weekly["week_start"].map(tz.show_date))
        _chart(charts.weekly_activity(report.weekly), charts.describe_weekly_activity(report.weekly))
        _figures(weekly, {"week": "Week starting", "check_ins": "Check-ins", "clients": "Clients seen"}, k)

        _chart(charts.sign_prevalence(report.items), charts.describe_sign_prevalence(report.items))
        added = report.items[report.items["added_in"] > 1]
        if not added.empty:
            by_version = {v: "; ".join(rows["label"]) for v, rows in added.groupby("added_in")}
            # Said once, per group of items added together: the chart's tooltip carries it for each item.
            st.caption(" ".join(
                f"{labels}: {report.new_item_note(int(v))}. Their share counts only the check-ins recorded since, "
                "so earlier check-ins, which did not ask about them, are not counted as “not observed”."
                for v, labels in by_version.items()))
        _figures(report.items, {"label": "Sign or reaction", "share": "Share of check-ins",
                                "check_ins": "Check-ins", "new": "Counted"}, k, shares=("share",))
        per = "by week" if period.bucket_weeks == 1 else "by four weeks"
        _chart(charts.prevalence_over_time(report.items_over_time, per),
               charts.describe_prevalence_over_time(report.items_over_time, per))

        concern_frame = report.concern.assign(
            concern_label=report.concern["concern"].map(CONCERN_LABELS),
            rank=report.concern["concern"].map({c: n for n, c in enumerate(CONCERN_LABELS)}),
            week=report.concern["week_start"].map(tz.show_date))
        _chart(charts.concern_over_time(concern_frame), charts.describe_concern_over_time(concern_frame))
        _figures(concern_frame, {"week": "Week starting", "concern_label": "Level of concern",
                                 "check_ins": "Check-ins"}, k)

        refs = report.referrals
        long = pd.concat([
            pd.DataFrame({"name": refs["name"], "measure": "Offered", "count": refs["offered"]}),
            pd.DataFrame({"name": refs["name"], "measure": "Taken up", "count": refs["accepted"]}),
        ])
        _chart(charts.referrals(long), charts.describe_referrals(long))
        _figures(refs.assign(offered_text=refs["offered"]), {"name": "Resource", "offered": "Offered"}, k,
                 hidden="offered_hidden")

        _chart(charts.progress(report.progress, per), charts.describe_progress(report.progress, per))
        _figures(report.progress.assign(start=report.progress["bucket_start"].map(tz.show_date)),
                 {"start": "Starting", "share": "Share with fewer signs", "clients": "Clients (3+ check-ins)"}, k,
                 shares=("share",))

    _chart(charts.overdue_by_advocate(report.overdue), charts.describe_overdue_by_advocate(report.overdue))
    _figures(report.overdue, {"advocate": "Advocate", "overdue": "Clients overdue"}, k)
    _closings(report, k)

    st.header("Export")
    st.caption("The figures above with the same suppression, the period and filters written into the file, and "
               "no client codes. Each export is recorded in the audit log.")
    e1, e2 = st.columns(2)
    stamp = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    with e1:
        ui.one_time_download("Download the figures (CSV)", "tr_csv", file_name=f"waypoint-trends-{stamp}.csv",
                             mime="text/csv", build=lambda: export_csv(ctx.db, actor, ctx.content, report, advocates))
    with e2:
        ui.one_time_download("Download a printable summary", "tr_summary", mime="text/html", icon=":material/print:",
                             file_name=f"waypoint-summary-{stamp}.html",
                             build=lambda: printable_summary(ctx.db, actor, ctx.content, report, advocates))


render()
