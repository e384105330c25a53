"""Trends: how the team's work is going and where clients stand, for a chosen period and filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import timeutil_ui as tz
from dashboard.checkin_form import CONCERN_LABELS
from models.base import i18n
from models.base.i18n import N_, _, ngettext
from models.rules.permissions import Permission, require
from models.rules.privacy import HIDDEN, label
from models.services import periods
from models.services.accounts import list_advocates
from models.services.periods import Period
from models.services.trends import TrendFilter, TrendReport, trends

CACHE_SECONDS = 60


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=64)
def _report(_ctx: ui.AppContext, _actor, database_url: str, f: TrendFilter, k: int) -> TrendReport:  # type: ignore[no-untyped-def]
    """Cached per filter for a minute, shared by supervisors (the page checks the role before asking): a team
    meeting clicking through filters stays instant, and new check-ins show within a minute."""
    return trends(_ctx.db, _actor, _ctx.content, f, k=k)


KINDS = ("month", "quarter", "fiscal_year", "year_to_date", "custom")
RECENT = {"month": 13, "quarter": 8, "fiscal_year": 5}  # how many to offer in the list, the current one first


def _period(today: date, start_month: int) -> Period | None:
    """Month, quarter or fiscal year (then which one, newest first), year to date, or custom dates. The current
    quarter by default: what a supervisor reports on."""
    # The kinds' names are models.services.periods' words (KINDS): translated there once marked for the catalog.
    kind = st.segmented_control(_("Period"), KINDS, key="tr_period", default="quarter", required=True,
                                format_func=lambda k: _(periods.KINDS[k])) or "quarter"
    if kind in RECENT:
        choices = periods.recent(kind, today, start_month, RECENT[kind])
        return st.selectbox(_(periods.KINDS[kind]), choices, key=f"tr_{kind}", format_func=lambda p: p.shown_label())
    if kind == "year_to_date":
        return periods.year_to_date(today, start_month)
    picked = st.date_input(_("From and to"), value=(today - timedelta(days=29), today), max_value=today,
                           key="tr_custom", format=tz.INPUT_DATE_FORMAT)
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.caption(_("Choose the last day of the period too."))
        return None
    return Period(picked[0], picked[1])


def _span(period: Period) -> str:
    """'1 Jul – 30 Sep 2026', or with both years when they differ."""
    if period.start.year == period.end.year:
        return f"{tz.day_month(period.start)} – {i18n.month_day_year(period.end)}"
    return period.shown_dates()


def period_words(period: Period) -> str:
    """The period's dates and what it is compared with: 'Q4 2026 so far, to 2 Dec: 1 Oct – 2 Dec 2026 (63 days).
    Compared with the same 63 days of the quarter before: 1 Jul – 1 Sep 2026.'"""
    before = period.previous()
    n = period.days
    partial = period.partial and period.kind in ("month", "quarter", "fiscal_year")
    said = {"whole": period.whole().shown_label() if partial else "", "to": tz.day_month(period.end),
            "span": _span(period), "before": _span(before), "n": i18n.number(n)}
    # TRANSLATORS: {whole} is the period's name ("Q4 2026"), {to} a day ("2 Dec"), {span} and {before} date ranges.
    if partial and period.kind == "month":
        text = ngettext("{whole} so far, to {to}: {span} ({n} day). Compared with the same {n} day of the month "
                        "before: {before}.",
                        "{whole} so far, to {to}: {span} ({n} days). Compared with the same {n} days of the month "
                        "before: {before}.", n)
    elif partial and period.kind == "quarter":
        text = ngettext("{whole} so far, to {to}: {span} ({n} day). Compared with the same {n} day of the quarter "
                        "before: {before}.",
                        "{whole} so far, to {to}: {span} ({n} days). Compared with the same {n} days of the quarter "
                        "before: {before}.", n)
    elif partial and period.kind == "fiscal_year":
        text = ngettext("{whole} so far, to {to}: {span} ({n} day). Compared with the same {n} day of the fiscal "
                        "year before: {before}.",
                        "{whole} so far, to {to}: {span} ({n} days). Compared with the same {n} days of the fiscal "
                        "year before: {before}.", n)
    elif period.kind == "year_to_date":
        text = _("{label}: {span}. Compared with the same days of the year before: {before}.")
    else:
        text = ngettext("{label}: {span} ({n} day). Compared with {before}.",
                        "{label}: {span} ({n} days). Compared with {before}.", n)
    return text.format(label=period.shown_label() if period.kind != "custom" else _("Custom period"), **said)


def _metric_text(m, k: int) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    """The figure and its change on the previous period: 'No change' for 0 (shown without an arrow), 'No earlier
    records to compare with' when nothing was recorded before the period."""
    if m.hidden:
        return label(k), None
    if m.value is None:  # a share of nothing, e.g. no referrals offered in the period
        return "–", None
    value = i18n.percent(m.value) if m.kind == "share" else i18n.number(m.value, digits=0)
    if not m.compared:
        return value, _(NO_EARLIER)
    change = m.change
    if change is None:
        return value, None
    steps = round(change * 100) if m.kind == "share" else round(change)
    if steps == 0:
        return value, _(NO_CHANGE)
    # The sign first, as written before: Streamlit points the arrow down when the delta starts with "-".
    signed = ("+" if steps > 0 else "-") + i18n.number(abs(steps))
    if m.kind == "share":
        # TRANSLATORS: keep {change} first: it is "+5" or "-3", and the arrow beside it follows that sign.
        return value, ngettext("{change} point on previous", "{change} points on previous", abs(steps)).format(
            change=signed)
    # TRANSLATORS: keep {change} first: it is "+12" or "-4", and the arrow beside it follows that sign.
    return value, _("{change} on previous").format(change=signed)


NO_EARLIER = N_("No earlier records to compare with")
NO_CHANGE = N_("No change")


def _cell(value: object, hidden: bool, k: int, share: bool = False) -> str:
    """A figure as text in the reader's language, or the words for a hidden one (privacy.shown, localised)."""
    if hidden:
        return label(k)
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return i18n.percent(float(value)) if share else i18n.number(float(value), digits=0)  # type: ignore[arg-type]


def _sentence(text: str) -> str:
    """The first letter upper-cased and the rest as written (str.capitalize would lower-case the month)."""
    return text[:1].upper() + text[1:]


def _figures(frame: pd.DataFrame, columns: dict[str, str], k: int, shares: tuple[str, ...] = (),
             hidden: str = HIDDEN) -> None:
    """The numbers behind a chart as a plain table: readable by screen readers, with hidden cells named."""
    with st.expander(_("The figures")):
        table = pd.DataFrame({
            title: [_cell(v, bool(h), k, name in shares) if name not in ("label", "name", "advocate", "week",
                    "start", "concern_label", "new", "part") else str(v)
                    for v, h in zip(frame[name], frame[hidden], strict=True)]
            for name, title in columns.items()
        })
        st.dataframe(table, hide_index=True, width="stretch")


def _chart(name: str, shown: tuple[Any, ...], chart: Callable[[], Any], summary: Callable[[], str]) -> None:
    """The chart, then its gist in words: a screen reader cannot read a drawing (the chart's own label says the
    same), and "The figures" under it hold every number. The spec is kept by what the chart shows (`shown`: its
    frame and wording; charts.kept_spec): the same figures always give the same chart."""
    spec, words = charts.kept_spec((name, charts.digest(*shown)), chart, summary)
    st.vega_lite_chart(spec, width="stretch")
    st.caption(_("In words: {summary}").format(summary=ui.plain(words)))  # it names advocates, as they typed them


def _closings(report: TrendReport, k: int) -> None:
    """Files closed in the period by reason: a short table and one sentence, with the same suppression as the rest."""
    st.header(_("Files closed, by reason"), anchor=False)
    total = report.closings_total
    if total is None:
        # TRANSLATORS: “All levels” is the choice of the Level of concern filter on this page.
        st.caption(_("Closings have no level of concern: choose “All levels” to see them."))
        return
    frame = report.closings
    shown_rows = frame[~frame[HIDDEN].astype(bool)]
    hidden = int(frame[HIDDEN].astype(bool).sum())
    if total.hidden:
        words = _("Files closed in the period: {hidden} clients, so no reason is shown.").format(hidden=label(k))
    elif not total.value:
        words = _("No files were closed in the period.")
    else:
        n = int(total.value)
        named = [f"{_(r.label).lower()} {i18n.number(int(r.closings))}" for r in shown_rows.itertuples() if r.closings]
        # TRANSLATORS: {reasons} lists each reason with its count: "moved away 3; goals met 12".
        words = (ngettext("{n} file closed in the period: {reasons}.", "{n} files closed in the period: {reasons}.", n)
                 if named else ngettext("{n} file closed in the period.", "{n} files closed in the period.", n)
                 ).format(n=i18n.number(n), reasons="; ".join(named))
        if hidden:
            words += " " + ngettext("{n} reason left out: too few clients to show.",
                                    "{n} reasons left out: too few clients to show.", hidden).format(
                n=i18n.number(hidden))
    # A table, not a chart: its sentence is not an "In words" caption (those pair one-to-one with the charts).
    st.caption(words + " " + _("A file reopened since still counts: the closing happened."))
    table = pd.DataFrame({
        _("Reason"): [*(_(label) for label in frame["label"]), _("All reasons")],
        _("Files closed"): [*(_cell(v, bool(h), k) for v, h in zip(frame["closings"], frame[HIDDEN], strict=True)),
                            _cell(total.value, total.hidden, k)],
    })
    st.dataframe(table, hide_index=True, width="content")


def _languages(report: TrendReport, k: int) -> None:
    """Check-ins by the conversation's language and by interpreter use: two short tables, hidden cells named."""
    st.header(_("Language of the conversation"), anchor=False)
    languages, interpreters = report.languages, report.interpreters
    if languages.empty and interpreters.empty:
        st.caption(_("No check-in in the period records the language of the conversation or an interpreter."))
        return
    st.caption(_("Only check-ins that record it are counted: the check-in form asks, and an answer is optional."))
    left, right = st.columns(2)
    if not languages.empty:
        left.dataframe(pd.DataFrame({
            _("Language"): [i18n.conversation_name(str(c)) for c in languages["language"]],
            _("Check-ins"): [_cell(v, bool(h), k) for v, h in zip(languages["check_ins"], languages[HIDDEN],
                                                                  strict=True)],
        }), hide_index=True, width="content")
    if not interpreters.empty:
        right.dataframe(pd.DataFrame({
            _("Interpreter"): [_("Used") if used else _("Not used") for used in interpreters["interpreter"]],
            _("Check-ins"): [_cell(v, bool(h), k) for v, h in zip(interpreters["check_ins"], interpreters[HIDDEN],
                                                                  strict=True)],
        }), hide_index=True, width="content")


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    require(actor, Permission.VIEW_TRENDS)
    k = ctx.settings.suppression_min
    st.title(_("Trends"))
    today = tz.now_local().date()
    period = _period(today, ctx.settings.fiscal_year_start)
    advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
    contexts = {i.code: i.label for i in ctx.content.checklist.section("contexts").items}
    c1, c2, c3 = st.columns(3)
    advocate = c1.selectbox(_("Advocate"), [None, *advocates], key="tr_advocate",
                            format_func=lambda a: _("All advocates") if a is None else advocates[a])
    context = c2.selectbox(_("Relationship context"), [None, *contexts], key="tr_context",
                           format_func=lambda c: _("All contexts") if c is None else contexts[c])
    concern = c3.selectbox(_("Level of concern"), [None, *CONCERN_LABELS], key="tr_concern",
                           format_func=lambda c: _("All levels") if c is None else _(CONCERN_LABELS[c]))
    if period is None:
        return
    f = TrendFilter(period, advocate_id=advocate, context=context, concern=concern, zone=ctx.settings.time_zone)
    report = _report(ctx, actor, ctx.settings.database_url, f, k)  # the URL keys the cache to this database
    st.caption(period_words(period))
    if not report.earlier_records:
        first = (" " + _("The first check-in was recorded on {date}.").format(date=tz.show_date(report.first_record))
                 if report.first_record else "")
        st.caption(_("No earlier records to compare with: nothing was recorded before this period, by anyone.")
                   + first)
    # TRANSLATORS: {hidden} is how a hidden figure reads, e.g. “fewer than 5”.
    st.caption(_("Any figure based on fewer than {k} clients shows as “{hidden}”, and so does any figure that would "
                 "let it be worked out. Counts are what advocates observed, never scores; a change is neither good "
                 "nor bad.").format(k=i18n.number(k), hidden=label(k)))

    hidden = label(k)
    cols = [c for _row in range(0, len(report.metrics), 3) for c in st.columns(3)]
    for col, m in zip(cols, report.metrics, strict=False):
        value, delta = _metric_text(m, k)
        # More check-ins or more signs observed is neither good nor bad: no colour, and no arrow where nothing
        # changed or nothing can be compared.
        col.metric(_(m.label), value, delta, help=_(m.help), delta_color="off",
                   delta_arrow="off" if delta in (_(NO_EARLIER), _(NO_CHANGE)) else "auto")

    checked_in = next(m for m in report.metrics if m.label == "Check-ins")  # the service's own (English) label
    if not checked_in.hidden and not checked_in.value:
        st.info(_("No check-ins in this period with these filters. Overdue follow-ups are still shown below."))
    else:
        # Each week by the first day it counts (a period starting on a Sunday starts with that Sunday).
        weekly = report.weekly.assign(week=report.weekly["first_day"].map(tz.show_date))
        _chart("weekly", (report.weekly, hidden), lambda: charts.weekly_activity(report.weekly, hidden),
               lambda: charts.describe_weekly_activity(report.weekly, hidden))
        _figures(weekly, {"week": _("Week starting"), "check_ins": _("Check-ins"), "clients": _("Clients seen"),
                          "part": _("Note")}, k)

        _chart("signs", (report.items, hidden), lambda: charts.sign_prevalence(report.items, hidden),
               lambda: charts.describe_sign_prevalence(report.items, hidden))
        added = report.items[report.items["added_in"] > 1]
        if not added.empty:
            by_version = {v: "; ".join(rows["label"]) for v, rows in added.groupby("added_in")}
            # Said once, per group of items added together: the chart's tooltip carries it for each item.
            # TRANSLATORS: {items} names checklist items, {since} says since when they are counted.
            st.caption(" ".join(
                _("{items}: {since}. Their share counts only the check-ins recorded since, so earlier check-ins, "
                  "which did not ask about them, are not counted as “not observed”.").format(
                    items=labels, since=report.new_item_note(int(v)))
                for v, labels in by_version.items()))
        _figures(report.items, {"label": _("Sign or reaction"), "share": _("Share of check-ins"),
                                "check_ins": _("Check-ins"), "new": _("Counted")}, k, shares=("share",))
        per = f"by {report.unit}"
        _chart("signs_over_time", (report.items_over_time, per, hidden),
               lambda: charts.prevalence_over_time(report.items_over_time, per, hidden),
               lambda: charts.describe_prevalence_over_time(report.items_over_time, per, hidden))

        concern_frame = report.concern.assign(
            concern_label=report.concern["concern"].map(lambda c: _(CONCERN_LABELS[c])),
            rank=report.concern["concern"].map({c: n for n, c in enumerate(CONCERN_LABELS)}),
            week=report.concern["first_day"].map(tz.show_date))
        _chart("concern", (concern_frame, hidden), lambda: charts.concern_over_time(concern_frame, hidden),
               lambda: charts.describe_concern_over_time(concern_frame, hidden))
        _figures(concern_frame, {"week": _("Week starting"), "concern_label": _("Level of concern"),
                                 "check_ins": _("Check-ins")}, k)

        refs = report.referrals
        long = pd.concat([  # "Offered" and "Taken up" are codes here: the chart shows them in words
            pd.DataFrame({"name": refs["name"], "measure": "Offered", "count": refs["offered"]}),
            pd.DataFrame({"name": refs["name"], "measure": "Taken up", "count": refs["accepted"]}),
        ])
        _chart("referrals", (long, hidden), lambda: charts.referrals(long, hidden),
               lambda: charts.describe_referrals(long, hidden))
        _figures(refs.assign(offered_text=refs["offered"]), {"name": _("Resource"), "offered": _("Offered")}, k,
                 hidden="offered_hidden")

        _chart("progress", (report.progress, per, hidden), lambda: charts.progress(report.progress, per, hidden),
               lambda: charts.describe_progress(report.progress, per, hidden))
        _figures(report.progress.assign(start=report.progress["bucket_start"].map(tz.show_date)),
                 {"start": _("Starting"), "share": _("Share with fewer signs"),
                  "clients": _("Clients (3+ check-ins)")}, k, shares=("share",))

    _chart("overdue", (report.overdue, hidden), lambda: charts.overdue_by_advocate(report.overdue, hidden),
           lambda: charts.describe_overdue_by_advocate(report.overdue, hidden))
    _figures(report.overdue, {"advocate": _("Advocate"), "overdue": _("Clients overdue")}, k)
    _closings(report, k)
    _languages(report, k)

    st.caption(_("To hand figures to a funder or a board, use Reports: whole quarters and fiscal years, checked so "
                 "that no small group of clients can be worked out."))

render()
