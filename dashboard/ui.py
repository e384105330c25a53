"""Glue between Streamlit and the services: the cached app context, the signed-in actor, page registry."""

from __future__ import annotations

import base64
import functools
import html
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import downloads, drafts
from models.base import i18n
from models.base.i18n import N_, _, ngettext
from models.base.settings import ConfigError, Settings
from models.content.funders import FunderMapping, load_funder_mappings
from models.content.loader import Content, ContentError, load_content, load_translation
from models.rules.permissions import Actor, Permission, can
from models.services import auth, identity, second_factor
from models.services.liveness import SIGNED_OUT, SessionEnded
from models.startup import get_database
from models.store.database import Database, DatabaseUnavailable, MigrationFailed
from models.store.note_cipher import NoteKeyError

log = logging.getLogger("waypoint")
TOKEN_KEY = "wp_token"
NOTICE_KEY = "wp_notice"
BOUND_KEY = "_wp_connection"
CONNECTION_CHANGED = N_("You were signed out because this page's connection changed (another network or browser). "
                      "Sign in again to go on.")
# What a person sees when the database does not answer. Calm, says what happened to their work and what to do;
# never the error, the SQL or anything typed.
SAVE_UNAVAILABLE = N_("The database did not answer, so nothing was saved. Your entries are still here; "
                    "try Save again in a moment.")
NOT_OPENED = N_("The database did not answer, so the client was not opened and no code was made. Your entries are "
              "still here; try again in a moment.")
PAGE_UNAVAILABLE = N_("Waypoint cannot reach its database right now, so this page cannot be shown in full and "
                    "nothing new can be saved. Nothing saved earlier is lost. Try again in a moment; if it keeps "
                    "happening, tell your administrator.")
NOTE_KEY_PROBLEM = N_("A note on this page cannot be opened by this Waypoint server, so the page cannot be shown. "
                    "Nothing is lost. Tell your administrator: this server's note key list needs the newest key.")
SAVE_REFUSED_KEY = "_wp_save_refused"
DB_REFUSED_KEY = "_wp_db_refused"  # set by a save the database did not take; cleared when that run ends
START_UNAVAILABLE = N_("Waypoint cannot reach its database right now. Try again in a minute; if it keeps happening, "
                     "tell your administrator.")
MIGRATION_FAILED = N_("Waypoint cannot start because updating its database did not finish. The update was undone, "
                    "so nothing saved is lost. Tell your administrator: running `./waypoint migrate` on the "
                    "server shows what went wrong.")


# The web app's session ids are bearer credentials (a connection presenting one takes that tab over), and its server
# logs print them in full (a reconnect, a logged-out id, ...). Every record from its loggers is written with any id
# replaced (issue 15, item 3).
_SESSION_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_SERVER_LOGGERS = ("streamlit", "uvicorn", "websockets", "starlette", "tornado")


def _keep_ids_out_of_logs() -> None:
    made = logging.getLogRecordFactory()
    if getattr(made, "_waypoint_redacts", False):
        return

    def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = made(*args, **kwargs)
        if record.name.startswith(_SERVER_LOGGERS):
            try:
                text = record.getMessage()
            except Exception:  # noqa: BLE001 - a malformed record is logging's business, not ours
                return record
            if _SESSION_ID.search(text):
                record.msg, record.args = _SESSION_ID.sub("[session id]", text), ()
        return record

    redacting._waypoint_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)


_keep_ids_out_of_logs()


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    db: Database
    english: Content  # the content as written; each other language's copy is in `translated`
    funders: dict[str, FunderMapping] = field(default_factory=dict)  # content/funders/*.yaml, checked at start
    translated: dict[str, Content] = field(default_factory=dict)

    @property
    def content(self) -> Content:
        """The checklist, resources, scripts and guidance in the language being written (i18n.current(): the
        reader's, or the client's inside i18n.using). Codes are the same in every language."""
        return self.translated.get(i18n.current(), self.english)


_contexts: OrderedDict[Settings, AppContext] = OrderedDict()
_contexts_lock = threading.Lock()
_CONTEXTS_KEPT = 4  # one in production; tests switch databases


def _context(settings: Settings) -> AppContext:
    """One engine and one parsed content set per process and configuration.

    Kept here rather than in st.cache_resource: Streamlit clears its caches for anyone who sends its clear-cache
    message over the WebSocket, signed in or not, and each clear made the next run re-read and re-check every content
    file (issue 15, item 9). The engine is one per URL in models.startup either way."""
    with _contexts_lock:
        found = _contexts.get(settings)
        if found is not None:
            i18n.ensure(settings.content_dir, settings.language)
            _contexts.move_to_end(settings)
            return found
        languages = i18n.load(settings.content_dir, settings.language)
        content = load_content(settings.content_dir, settings.resource_packs)
        translated = {lang.code: load_translation(settings.content_dir, lang.code, content)
                      for lang in languages if lang.code != i18n.SOURCE}
        made = AppContext(settings, get_database(settings.database_url, summaries_zone=settings.time_zone), content,
                          load_funder_mappings(settings.content_dir), translated)
        _contexts[settings] = made
        while len(_contexts) > _CONTEXTS_KEPT:
            _contexts.popitem(last=False)  # its engine stays with models.startup, which keeps one per URL
        return made


def app_context() -> AppContext:
    """The context, or a plain message and a stop: a broken file never shows half a checklist."""
    try:
        settings = Settings.from_env()
        return _context(settings)
    except (ContentError, ConfigError, i18n.LanguageError) as exc:
        st.error(_("Waypoint cannot start because a configuration or content file has a problem."))
        st.code(str(exc), language=None, wrap_lines=True)  # the problem is at the end of a long line
        st.caption(_("Fix the file named above and restart the server."))
        st.stop()
    except MigrationFailed:
        log.exception("start-up failed: schema upgrade")
        st.error(_(MIGRATION_FAILED), icon=":material/build:")
        st.stop()
    except DatabaseUnavailable:
        st.error(_(START_UNAVAILABLE), icon=":material/cloud_off:")
        st.stop()
    except Exception:
        log.exception("start-up failed")
        st.error(_(START_UNAVAILABLE), icon=":material/cloud_off:")
        st.stop()
    raise AssertionError("unreachable")


@contextmanager
def database_guard(message: str = PAGE_UNAVAILABLE) -> Iterator[None]:
    """Around a page (or anything that reads while drawing): an outage becomes one plain sentence and the run
    stops, instead of Streamlit's generic error box. Other errors pass through unchanged."""
    refused = st.session_state.pop(SAVE_REFUSED_KEY, None)
    if refused:  # a callback decorated with saves() could not save: say so at the top of the page it redraws
        st.error(refused, icon=":material/cloud_off:")
    try:
        yield
    except SessionEnded as ended:  # an action in the page found the session over: the sign-in page, draft kept
        if ended.reason == "wrong_codes":  # ended by the person's own wrong codes: say that, not "signed out"
            _forced_out(app_context(), _(WRONG_CODES_SIGNED_OUT))
        else:
            signed_out_midway()
        st.rerun()
    except DatabaseUnavailable:
        st.error(_(message), icon=":material/cloud_off:")
        st.stop()
    except NoteKeyError:  # an instance whose key list is behind the others' (a rotation half done)
        log.error("a note could not be opened with this instance's note keys")
        st.error(_(NOTE_KEY_PROBLEM), icon=":material/key_off:")
        st.stop()
    finally:
        st.session_state.pop(DB_REFUSED_KEY, None)


def database_refused() -> bool:
    """True in the run right after a save the database did not take: a page then draws from what it read last
    instead of waiting out the same lock or timeout a second time before the person sees the message."""
    return bool(st.session_state.get(DB_REFUSED_KEY))


def save_refused(exc: DatabaseUnavailable) -> str:
    """The words for a save the database did not take (the form keeps what was typed; the key stays for retry)."""
    log.warning("save not taken: database %s", exc.reason)
    st.session_state[DB_REFUSED_KEY] = True
    return _(SAVE_UNAVAILABLE)


def saves(callback: Callable[..., None]) -> Callable[..., None]:
    """Decorate a button or form callback that saves. Streamlit replaces the whole page with its error box when a
    callback raises; with this, the database not answering leaves the page and what was typed in place, with
    SAVE_UNAVAILABLE at its top. (A callback that shows its own message next to its button catches it itself.)"""

    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> None:
        if connection_changed(app_context()):  # callbacks run before app.py looks: check here too
            return
        try:
            callback(*args, **kwargs)
        except DatabaseUnavailable as exc:
            st.session_state[SAVE_REFUSED_KEY] = save_refused(exc)
        except SessionEnded:
            signed_out_midway()

    return guarded


KEPT_DRAFT = N_("You were signed out before that could be saved, so nothing was saved. Sign in again to go on.")
# Every chart's toolbar keeps only fullscreen: "Show data" (then "Download as CSV" from that table), "Download as
# PNG" and "Copy Vega-Lite spec" would hand out client-level rows, in UTC with an index, or figures a page hides,
# unaudited (issue 17). A style-only st.html goes to the hidden event container; display:none also leaves the tab
# order, so a keyboard cannot reach them either.
CHART_TOOLBAR = ("<style>[data-testid='stElementContainer']:has(.stVegaLiteChart) "
                 "[data-testid='stElementToolbarButton']:has(button[aria-label^='Show data'], "
                 "button[aria-label^='Download'], button[aria-label^='Copy Vega-Lite']) {display: none !important}"
                 "</style>")
NO_SIDEBAR = ("<style>[data-testid='stSidebar'], [data-testid='stExpandSidebarButton'] "
              "{display: none !important}</style>")
SESSION_ENDED = N_("You were signed out because your session ended. Sign in again to go on.")
DRAFT_WAITS = N_(" What you had typed and not saved is kept in this tab for up to {hours}, for you only: you get it "
               "back when you sign in again. If someone else signs in here, it is discarded.")
DRAFT_DISCARDED = N_(" The unsaved {what} you had started was discarded.")


LANG_KEY = "_wp_lang"  # the language this tab's runs write in (i18n.current() reads it through session_language)
# The language chosen on the sign-in page, then the one this tab last used: kept through signing in and out, so
# the page a person signs out to still speaks their language.
SIGNIN_LANG_KEY = "_wp_signin_lang"


def forget_tab() -> None:
    """Everything this tab holds goes (signing in, out, or being signed out), except the language it reads: the
    sign-in page a person lands on still speaks theirs."""
    language = st.session_state.get(SIGNIN_LANG_KEY)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if language is not None:
        st.session_state[SIGNIN_LANG_KEY] = language


def session_language() -> str | None:
    """i18n's source for this session: asked by every _(), in page runs and fragment reruns alike."""
    try:
        return st.session_state.get(LANG_KEY)
    except Exception:  # noqa: BLE001 - outside a script run (a worker thread) there is no session to ask
        return None


def _browser_language() -> str | None:
    try:
        locale = st.context.locale
    except Exception:  # noqa: BLE001 - no browser behind this run (AppTest)
        return None
    code = (locale or "").split("-")[0].lower()
    return code if i18n.known(code) else None


def choose_language(ctx: AppContext, state: auth.SessionState | None) -> None:
    """The language of this run: the account's own choice; else the one picked on the sign-in page; else the
    browser's, when Waypoint has it; else the agency's default (WAYPOINT_LANGUAGE). The page's lang attribute
    follows, so a screen reader reads Spanish as Spanish."""
    chosen = state.actor.language if state is not None else None
    for candidate in (chosen, st.session_state.get(SIGNIN_LANG_KEY), _browser_language(), ctx.settings.language):
        if i18n.known(candidate):
            code = str(candidate)
            break
    else:
        code = i18n.SOURCE
    st.session_state[LANG_KEY] = code
    st.session_state[SIGNIN_LANG_KEY] = code
    with st.sidebar:  # hidden on the sign-in page, but its script still runs; in the page it would leave a gap
        st.html(f"<script>document.documentElement.lang = {json.dumps(i18n.language(code).html)};</script>",
                unsafe_allow_javascript=True)


def role_name(role: str) -> str:
    """A role as people read it, in their language."""
    return _(ROLE_NAMES.get(role, role))


ROLE_NAMES = {"advocate": N_("Advocate"), "supervisor": N_("Supervisor"), "admin": N_("Admin")}


def counted(n: int, word: str, words: str | None = None) -> str:
    """"1 open session", "2 open sessions": a count with its noun in the right number (thousands separated)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _hours(settings: Settings) -> str:
    n = settings.session_hours
    return ngettext("{n} hour", "{n} hours", n).format(n=i18n.number(n))


def _forced_out(ctx: AppContext, why: str, why_kept: str | None = None) -> None:
    """A sign-out the person did not ask for (the session ended, the connection changed, an action found the
    session over): clear this tab's state but keep any unsaved form, bound to the account that typed it
    (dashboard/drafts.py), and say why on the sign-in page."""
    state: auth.SessionState | None = st.session_state.get("_wp_state")
    kept = drafts.to_keep(state.actor.user_id if state is not None else None, ctx.settings.session_hours)
    forget_tab()
    drafts.put_back(kept)
    if kept:
        why = (why_kept or why) + _(DRAFT_WAITS).format(hours=_hours(ctx.settings))
    st.session_state[NOTICE_KEY] = why


def signed_out_midway() -> None:
    """An action found the session ended (an admin ended it, it idled out, ...): nothing was saved. Forget the
    token so the next run shows the sign-in page with why, and keep the open form's fields for the same person."""
    _forced_out(app_context(), _(SIGNED_OUT), _(KEPT_DRAFT))


def current_session(ctx: AppContext) -> auth.SessionState | None:
    if connection_changed(ctx):
        return None
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    previous: auth.SessionState | None = st.session_state.get("_wp_state")
    if previous is not None and database_refused():
        return previous  # checked on the run before; the database just failed to answer, do not wait again
    try:
        state = auth.resume(ctx.db, ctx.settings, token)
    except DatabaseUnavailable:
        if previous is None:
            st.error(_(PAGE_UNAVAILABLE), icon=":material/cloud_off:")
            st.stop()
        # Checked on an earlier run of this same browser session. While the database cannot answer nothing more
        # can be read or saved with it, and keeping it lets an open form stay on screen, filled, for the retry.
        return previous
    if state is None:  # ended, idled out, past its limit: whatever the run was for (a click, the sidebar's refresh)
        _forced_out(ctx, _(SESSION_ENDED))
    else:
        st.session_state[CHECKED_AT_KEY] = time.monotonic()
    return state


def fragment_rerun() -> bool:
    """True while only a fragment reruns (a tick on the check-in form): app.py, which checks the session and guards
    the page against an outage, did not run this time."""
    run = get_script_run_ctx()
    return bool(run is not None and run.fragment_ids_this_run)


CHECKED_AT_KEY = "_wp_checked_at"  # when this tab's session was last resumed from the database (monotonic)
# A fragment's own rerun resumes the session again once this long has passed since the last look (a full run looks
# every time). A tick reveals nothing new and a save checks the session in its own transaction (liveness.py); the
# session's last-seen time is written at most every 30 s anyway (auth._TOUCH_EVERY), and the sidebar looks every 15 s.
FRAGMENT_RECHECK_SECONDS = 15.0


@contextmanager
def fragment_guard() -> Iterator[None]:
    """Around the body of a fragment that acts for the person. A full run passes straight through (app.py has
    done all this); when only the fragment reruns it does what app.py would: the session is resumed (so the tick
    counts as activity, and a session that ended, or a changed connection, sends the whole app to the sign-in
    page), and an outage or an ended session met inside is handled as database_guard handles it on a page. The
    database is asked at most every FRAGMENT_RECHECK_SECONDS; the connection is compared every time."""
    if not fragment_rerun():
        yield
        return
    with database_guard():
        checked = st.session_state.get(CHECKED_AT_KEY)
        state = st.session_state.get("_wp_state")
        if (state is None or checked is None or time.monotonic() - checked >= FRAGMENT_RECHECK_SECONDS
                or connection_changed(app_context())):
            state = current_session(app_context())
        if state is None:
            st.rerun(scope="app")  # the whole app: it shows the sign-in page, with why
        st.session_state["_wp_state"] = state
        yield


def actor() -> Actor:
    """The person this run is for; app.py resolved the session before any page runs."""
    state = st.session_state.get("_wp_state")
    if state is None:
        st.stop()
    return state.actor


def source_address() -> str | None:
    """Where this connection comes from: the TCP peer, or the address a trusted reverse proxy (FORWARDED_ALLOW_IPS,
    loopback by default) put in X-Forwarded-For (docs/instances.md). None on loopback."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no connection (tests): one shared unknown address
        return None
    return address if isinstance(address, str) else None  # the test harness gives a stand-in object


def connection_print() -> str:
    """What the server can see of this tab's connection: its address and browser. The web app's session id (the
    only thing a reconnecting connection presents) is sent to the browser and was printed in logs; a sign-in is
    bound to this as well, so the id alone, replayed from another address or browser, opens nothing."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except Exception:  # noqa: BLE001 - no connection (tests)
        agent = ""
    return downloads.connection_print(source_address(), agent)


def connection_changed(ctx: AppContext) -> bool:
    """True, with the server-side session ended and this tab signed out, when the connection is not the one that
    signed in."""
    token = st.session_state.get(TOKEN_KEY)
    if not token or st.session_state.get(BOUND_KEY) == connection_print():
        return False
    try:
        auth.end_for_changed_connection(ctx.db, token)
    except DatabaseUnavailable:
        log.warning("a session whose connection changed could not be ended on the server: the database did not "
                    "answer; it ends at its idle limit")
    _forced_out(ctx, _(CONNECTION_CHANGED))
    return True


def sign_in(ctx: AppContext, username: str, password: str) -> None:
    _signed_in(auth.sign_in(ctx.db, ctx.settings, username, password, source_address()))


def sign_in_with_identity(ctx: AppContext, claims: dict[str, object]) -> None:
    _signed_in(identity.sign_in(ctx.db, ctx.settings, identity.from_claims(claims), source_address()))


def set_up(ctx: AppContext, username: str, code: str, new: str, confirm: str) -> None:
    """First sign-in with a supervisor's setup code: the person chooses their password and is signed in."""
    _signed_in(auth.set_up_password(ctx.db, ctx.settings, username, code, new, confirm, source_address()))


SECOND_STEP_KEY = "_wp_second_step"
WRONG_CODES_SIGNED_OUT = N_("Too many wrong codes or passwords in a row, so you were signed out of every device. Sign "
                          "in again; if it was not you, tell an administrator.")
SIGNED_IN_NOTICE_KEY = "_wp_signed_in_notice"
GO_HOME_KEY = "_wp_go_home"
RECOVERY_CODES_KEY = "_wp_recovery_codes"


def begin_second_step(step: auth.SecondStep) -> None:
    """A right password that needs a code next: the challenge waits in this tab only (it grants nothing), bound
    to the connection's address and browser like a session, so a copied session id cannot finish it elsewhere."""
    for key in ("signin_password", "setup_code", "setup_new", "setup_confirm", "second_step_error"):
        st.session_state.pop(key, None)
    st.session_state[SECOND_STEP_KEY] = (step, connection_print())


def pending_second_step() -> auth.SecondStep | None:
    held = st.session_state.get(SECOND_STEP_KEY)
    if not (isinstance(held, tuple) and len(held) == 2 and isinstance(held[0], auth.SecondStep)):
        return None
    if held[1] != connection_print():  # another address or browser presented this tab's id: start again
        st.session_state.pop(SECOND_STEP_KEY, None)
        return None
    return held[0]


def drop_second_step() -> None:
    step = pending_second_step()
    for key in (SECOND_STEP_KEY, "second_step_error"):
        st.session_state.pop(key, None)
    if step is not None:  # back to the password, with the username as it was typed
        st.session_state["signin_username"] = step.username


def finish_second_step(ctx: AppContext, step: auth.SecondStep, code: str) -> None:
    done = second_factor.complete(ctx.db, ctx.settings, step.token, code, source_address())
    _signed_in(done.signed_in)
    if done.recovery_codes:  # right after enrolment: shown once, before anything else
        st.session_state[RECOVERY_CODES_KEY] = done.recovery_codes
    elif done.recovery_codes_left is not None:
        st.session_state[SIGNED_IN_NOTICE_KEY] = (
            ngettext("You signed in with a recovery code; it will not work again. {n} left: make new ones under "
                     "Two-step sign-in.",
                     "You signed in with a recovery code; it will not work again. {n} left: make new ones under "
                     "Two-step sign-in.", done.recovery_codes_left).format(n=done.recovery_codes_left))


def enrolment_steps(shown: second_factor.Enrolment) -> None:
    """Steps 1 and 2 of setting up an authenticator app, the same at sign-in and on the Two-step sign-in page."""
    st.markdown(_("**1.** In your authenticator app, add an account and scan this code:"))
    qr_code(shown.qr_svg)
    st.markdown(_("Or type this key into the app instead (time-based):"))
    st.code(shown.secret, language=None)
    st.markdown(_("**2.** Type the six-digit code the app now shows."))


def qr_code(svg: str) -> None:
    """The enrolment QR code inline in the page, as a data: image: a file in Streamlit's media store would have an
    address anyone could fetch while it lasts, and this one carries a secret."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = html.escape(_("QR code to scan with an authenticator app"), quote=True)
    st.html(f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}" width="200" height="200">')


def _signed_in(signed: auth.SignedIn) -> None:
    drafts.keep_only_for(signed.actor.user_id)  # the same person: their unsaved form waits; anyone else's: gone
    kept = drafts.held()
    forget_tab()
    drafts.put_back(kept)
    st.session_state[TOKEN_KEY] = signed.token
    st.session_state[BOUND_KEY] = connection_print()


def sign_out(ctx: AppContext) -> None:
    """The person asked to sign out: everything of this tab goes, an unsaved form too (and the notice says so)."""
    state: auth.SessionState | None = st.session_state.get("_wp_state")
    dropped = drafts.to_keep(state.actor.user_id if state is not None else None, 0)
    try:
        auth.sign_out(ctx.db, st.session_state.get(TOKEN_KEY))
    except DatabaseUnavailable:
        # Signing out on this device still happens; the server-side session ends at its idle limit.
        log.warning("sign-out could not end the server-side session: the database did not answer")
    forget_tab()
    gone = i18n.and_list(sorted({_(drafts.FORMS[d.prefix]) for d in dropped}))  # the sign-in page names no client
    st.session_state[NOTICE_KEY] = _("You are signed out.") + (_(DRAFT_DISCARDED).format(what=gone) if dropped else "")


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    icon: str
    path: str
    allowed: Callable[[Actor], bool]
    visible: bool = True


def _role(*roles: str) -> Callable[[Actor], bool]:
    return lambda actor: actor.role in roles


def _perm(*permissions: Permission) -> Callable[[Actor], bool]:
    return lambda actor: any(can(actor, p) for p in permissions)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", N_("Home"), ":material/home:", "views/home.py", lambda a: True),
    PageSpec("caseload", N_("My caseload"), ":material/list:", "views/caseload.py",
             _perm(Permission.VIEW_OWN_CASELOAD, Permission.VIEW_ALL_CLIENTS)),
    PageSpec("check_in", N_("Record a check-in"), ":material/edit_note:", "views/check_in.py",
             _perm(Permission.WRITE_OWN_CLIENTS)),
    PageSpec("new_client", N_("New client"), ":material/person_add:", "views/new_client.py",
             _perm(Permission.WRITE_OWN_CLIENTS, Permission.REASSIGN_CLIENTS)),
    PageSpec("client", N_("Client timeline"), ":material/timeline:", "views/client.py",
             _perm(Permission.VIEW_OWN_CASELOAD, Permission.VIEW_ALL_CLIENTS)),
    PageSpec("handover", N_("Hand over clients"), ":material/swap_horiz:", "views/handover.py",
             _perm(Permission.REASSIGN_CLIENTS)),
    PageSpec("attention", N_("Needs attention"), ":material/priority_high:", "views/attention.py",
             _perm(Permission.VIEW_TRENDS)),
    PageSpec("trends", N_("Trends"), ":material/monitoring:", "views/trends.py", _perm(Permission.VIEW_TRENDS)),
    PageSpec("reports", N_("Reports"), ":material/summarize:", "views/reports.py", _perm(Permission.EXPORT_AGGREGATES)),
    PageSpec("resources", N_("Resources"), ":material/call:", "views/resources.py",
             _perm(Permission.VIEW_RESOURCES)),
    PageSpec("scripts", N_("Referral scripts"), ":material/record_voice_over:", "views/scripts.py",
             _perm(Permission.VIEW_RESOURCES)),
    PageSpec("guidance", N_("Leaving guidance"), ":material/route:", "views/guidance.py",
             _perm(Permission.VIEW_RESOURCES)),
    PageSpec("accounts", N_("Accounts"), ":material/group:", "views/accounts.py",
             _perm(Permission.MANAGE_ACCOUNTS)),
    PageSpec("sign_ins", N_("Sign-ins"), ":material/login:", "views/sign_ins.py", _perm(Permission.VIEW_SIGN_INS)),
    PageSpec("password", N_("Your account"), ":material/key:", "views/password.py", lambda a: True),
    PageSpec("two_step", N_("Two-step sign-in"), ":material/phonelink_lock:", "views/two_step.py", lambda a: True),
    PageSpec("audit", N_("Audit log"), ":material/policy:", "views/audit.py", _perm(Permission.VIEW_AUDIT)),
)


def build_pages(actor: Actor) -> dict[str, Any]:
    """Only the pages this role may use exist for it: a page left out cannot be reached even by URL."""
    pages: dict[str, Any] = {}
    for spec in PAGES:
        if not spec.allowed(actor):
            continue
        title = N_("Caseloads") if spec.key == "caseload" and can(actor, Permission.VIEW_ALL_CLIENTS) else spec.title
        pages[spec.key] = st.Page(spec.path, title=_(title), icon=spec.icon, url_path=spec.key,
                                  default=spec.key == "home", visibility="visible" if spec.visible else "hidden")
    return pages


def page(key: str) -> Any | None:
    """The page object for a link, or None when this role has no such page."""
    return st.session_state.get("_wp_pages", {}).get(key)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=\"'])")


def plain(text: object) -> str:
    """Text a person typed (a display name, a username), made safe to put inside Markdown: every character
    Markdown, Streamlit's directives (:red[...]) or maths ($...$) could act on is escaped, and line breaks become
    spaces, so a name shows exactly as typed and never as an image, a link, a heading or a colour. Use it for
    every interpolation into st.markdown, st.title, st.caption, alerts, widget labels and page links;
    st.text, st.dataframe and selectbox options show text as it is and need nothing."""
    flat = " ".join(str(text).split())
    # The renderer turns bare web and e-mail addresses into links even when escaped: an invisible word joiner
    # inside "://", "www." and after "@" keeps them text (seen in Chromium: a display name became a live link).
    for found, kept in (("://", ":\u2060//"), ("www.", "www\u2060."), ("WWW.", "WWW\u2060."), ("@", "@\u2060")):
        flat = flat.replace(found, kept)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


NO_BROWSER_COOKIE = N_("This file cannot be prepared: this page did not come with the cookie Waypoint binds a file "
                     "to. Reload the page and try again; if it keeps happening, tell your administrator.")


def one_time_download(label: str, key: str, build: Callable[[], bytes | str], *, file_name: str, mime: str,
                      icon: str = ":material/download:", disabled: bool = False) -> None:
    """A download whose file is built in a script run and handed over once, to this browser only.

    Streamlit's on-click downloads (data=a function) run that function by its id for ANY connection that asks, and
    its download button serves the file at a content-hash address to anyone until the next run. Here a "Prepare"
    press (a script run: the session was resumed, and the service checks it and the permission again and audits)
    builds the file and gives it to dashboard/downloads.py under a fresh random token, bound to this browser's
    cookie, this connection and this Waypoint session; the next run shows one "Save" link to it, drawn once. The
    server hands the file over at the first request that passes every check and forgets it then, or after
    downloads.KEEP_SECONDS unseen (issue 15, item 2)."""
    slot = f"_wp_file_{key}"
    token = st.session_state.pop(slot, None)
    if token is not None and token in downloads.STORE:
        address = downloads.url_for(token, st.get_option("server.baseUrlPath") or "")
        st.link_button(_("Save {file}").format(file=file_name), address,
                       icon=icon, type="primary", key=f"{key}_get", on_click="rerun")
        st.caption(_("Ready. Save it now: it can be saved once, from this browser, within a minute."))
        return
    if st.button(label, key=f"{key}_prepare", icon=icon, disabled=disabled):
        cookie = browser_cookie()
        if not cookie:
            st.error(_(NO_BROWSER_COOKIE), icon=":material/error:")
            return
        ctx = app_context()
        session_token = st.session_state.get(TOKEN_KEY)

        def still_signed_in() -> bool:
            return auth.resume(ctx.db, ctx.settings, session_token, touch=False) is not None

        st.session_state[slot] = downloads.STORE.put(build(), file_name=file_name, mime=mime, browser_cookie=cookie,
                                                     connection=connection_print(), still_allowed=still_signed_in)
        st.rerun()


def browser_cookie() -> str | None:
    """The HttpOnly cookie dashboard/gate.py gave this browser, as its WebSocket presented it."""
    try:
        value = st.context.cookies.get(downloads.BROWSER_COOKIE)
    except Exception:  # noqa: BLE001 - no connection (tests)
        return None
    return value if isinstance(value, str) and value else None


def field_error(errors: dict[str, str], field: str) -> None:
    """Show a refusal right under the field it is about."""
    if field in errors:
        st.error(errors[field], icon=":material/error:")
