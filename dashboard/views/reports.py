"""Reports: the figures a supervisor hands to a funder or a board, for a whole quarter or fiscal year.

Everything on this page leaves the agency, so it follows models/services/releases.py: no filters, no custom dates,
a quarter's figures fixed at the first copy, a year built from its quarters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base.i18n import _
from models.rules.permissions import Permission, require
from models.services import exports
from models.services.funder_report import funder_report
from models.services.periods import Period, quarters_of
from models.services.releases import Release, available, cell_label, release, released_periods


def _headline(report: Release, content) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    before = {c.row: c for c in report.previous_cells}
    previous = f"{report.previous.shown_label()} ({report.previous.shown_dates()})"
    return pd.DataFrame({
        "": [cell_label(c, content) for c in report.cells if c.table == "summary"],
        _("This period"): [exports.cell_text(c, report.k) for c in report.cells if c.table == "summary"],
        previous: [exports.cell_text(before.get(c.row), report.k) if report.has_earlier_data
                   else _("no earlier records") for c in report.cells if c.table == "summary"],
    })


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    require(actor, Permission.EXPORT_AGGREGATES)
    settings = ctx.settings
    k = settings.suppression_min
    st.title(_("Reports"))
    # TRANSLATORS: {k} is the smallest number of clients a figure may show (5 or more).
    st.caption(_("A report covers a whole quarter or fiscal year of the whole agency, once it has ended. Its figures "
                 "are fixed when its first copy is made, so every copy agrees and no two reports can be subtracted to "
                 "reveal a figure of fewer than {k} clients. For a closer look inside the agency, with filters, use "
                 "Trends.").format(k=k))
    today = tz.now_local().date()
    periods = available(ctx.db, actor, today=today, fiscal_start=settings.fiscal_year_start,
                        zone=settings.time_zone)
    if not periods:
        st.info(_("No quarter has ended since the first check-in or client file, so there is no report to make yet. "
                  "A quarter's report can be made from the day after it ends."))
        return
    fixed = released_periods(ctx.db, actor)
    if fixed:
        st.caption(_("Released so far: {periods}.").format(periods=", ".join(
            p.shown_label() for p in periods if (p.kind, p.start) in fixed)))

    def name(p: Period) -> str:
        # TRANSLATORS: {period} is a period's name ("Q3 2026", "FY 2026–27"), {dates} its first and last days.
        text = _("{period} (fiscal year, {dates})") if p.kind == "fiscal_year" else _("{period} (quarter, {dates})")
        return text.format(period=p.shown_label(), dates=p.shown_dates())

    period = st.selectbox(_("Report for"), periods, format_func=name, key="rp_period")
    args = {"k": k, "zone": settings.time_zone, "agency": settings.agency_name,
            "fiscal_start": settings.fiscal_year_start, "today": today}
    preview = release(ctx.db, actor, ctx.english, period, fix=False, **args)
    if preview.released:
        released = (_("Released on {date} by {who}: every copy of this report shows these figures.")
                    if preview.released_by else
                    _("Released on {date}: every copy of this report shows these figures."))
        st.success(released.format(date=tz.show(preview.figures_as_of), who=preview.released_by),
                   icon=":material/lock:")
    else:
        st.info(_("Not released yet: these are the figures as they stand now. The first copy you make fixes them, "
                  "and records added or corrected for this period afterwards will not change them."),
                icon=":material/lock_open:")
    if period.kind == "fiscal_year":
        hiding = [q.shown_label() for q in quarters_of(period)
                  if any(c.hidden for c in release(ctx.db, actor, ctx.english, q, fix=False, **args).cells
                         if c.table == "summary" and c.kind == "count")]
        text = _("A fiscal year is built from its four quarters: a figure not shown in any quarter is not shown "
                 "for the year either, so that the year and the quarters cannot be subtracted. Making it releases "
                 "its quarters as well.")
        if hiding:
            # TRANSLATORS: {quarters} names quarters ("Q1 2026, Q3 2026").
            text += " " + _("Headline figures hidden in {quarters} are why some of the year's are not shown.").format(
                quarters=", ".join(hiding))
        st.caption(text)
    st.subheader(_("Headline figures"), anchor=False)
    st.table(_headline(preview, ctx.content).set_index(""))

    st.subheader(_("The files"), anchor=False)
    advocates = st.checkbox(_("Include follow-ups overdue per advocate"), key="rp_advocates",
                            help=_("Staff-performance figures. Left out unless you choose to include them."))
    funders = ctx.funders if period.kind == "quarter" else {}  # funders such as VOCA ask per quarter
    mapping = None
    if ctx.funders and period.kind != "quarter":
        st.caption(_("Funder categories are reported per quarter: choose a quarter for them."))
    if funders:
        chosen = st.selectbox(_("Funder categories"), list(funders), key="rp_funder",
                              format_func=lambda n: funders[n].title)
        mapping = funders[chosen]
    st.caption(_("Each file is prepared when you press its button, can be saved once within a minute, and is "
                 "recorded in the audit log."))
    stamp = f"{period.kind.replace('_', '-')}-{period.start:%Y%m%d}"
    zone = tz.zone()

    def fixed_release() -> Release:
        return release(ctx.db, actor, ctx.english, period, fix=True, **args)

    c1, c2, c3 = st.columns(3)
    with c1:
        ui.one_time_download(_("Prepare the report (PDF)"), "rp_pdf", file_name=f"waypoint-report-{stamp}.pdf",
                             mime="application/pdf", icon=":material/picture_as_pdf:",
                             build=lambda: exports.report_pdf(ctx.db, actor, fixed_release(), mapping=mapping,
                                                              include_advocates=advocates, zone=zone,
                                                              content=ctx.content))
    with c2:
        ui.one_time_download(_("Prepare a printable page"), "rp_html", file_name=f"waypoint-report-{stamp}.html",
                             mime="text/html", icon=":material/print:",
                             build=lambda: exports.report_html(ctx.db, actor, fixed_release(), mapping=mapping,
                                                               include_advocates=advocates, zone=zone,
                                                              content=ctx.content))
    with c3:
        ui.one_time_download(_("Prepare the figures (CSV)"), "rp_csv", file_name=f"waypoint-figures-{stamp}.csv",
                             mime="text/csv", build=lambda: exports.report_csv(ctx.db, actor, fixed_release(),
                                                                                include_advocates=advocates,
                                                                                content=ctx.content))
    if mapping is not None:
        st.subheader(mapping.title, anchor=False)
        # TRANSLATORS: {source} is the title of the funder's document, {date} the day it was last checked.
        st.caption(mapping.about + " " + _("Source: {source}, checked {date}. A line adds up released figures only "
                                           "when every one of them is shown.").format(
            source=mapping.source.title, date=tz.show_date(mapping.source.checked)))
        lines = funder_report(preview, mapping).lines
        section = _("Section")
        st.table(pd.DataFrame({section: [line.section for line in lines],
                               _("Question"): [line.question + ("" if line.confirmed else " *") for line in lines],
                               _("Figure"): [line.value for line in lines]}).set_index(section))
        st.caption(_("* The question's wording could not be confirmed in an official source: check it with the "
                     "funder."))
        # TRANSLATORS: {funder} is a funder's short name ("VOCA").
        ui.one_time_download(_("Prepare the {funder} report (CSV)").format(funder=mapping.funder), "rp_funder",
                             file_name=f"waypoint-{mapping.name}-{stamp}.csv", mime="text/csv",
                             build=lambda: exports.funder_file(ctx.db, actor, fixed_release(), mapping))


render()
