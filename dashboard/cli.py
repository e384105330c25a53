"""Server-side commands: `python -m dashboard demo|create-user|accounts|deactivate|set-role|migrate|summaries|...`.

Accounts are created here, by whoever controls the server, so a stranger on the web never can. A command writes in
the agency's default language (WAYPOINT_LANGUAGE): its help, its output and its questions come from the catalog.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys

from dashboard import catalogs
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext, pgettext
from models.base.settings import ConfigError, Settings
from models.content.funders import load_funder_mappings
from models.content.loader import ContentError, load_content, load_translation
from models.services.accounts import bootstrap_user
from models.startup import get_database
from models.store.database import Database, DatabaseUnavailable, MigrationFailed


def _settings() -> Settings:
    return Settings.from_env()


def _database(settings: Settings | None = None) -> Database:
    """The configured database, migrated and key-checked. Its trend summaries are left as they are: a command run
    from a shell without WAYPOINT_TIME_ZONE would otherwise rebuild them in the shell's zone, and the running app
    would read every Trends view from the records until its next start (found by the issue-19 walk). The app
    builds them when it starts; `./waypoint summaries --rebuild` builds them on purpose."""
    settings = settings or _settings()
    return get_database(settings.database_url)


def _count(text: str, n: int) -> str:
    """`text` (from ngettext, for `n`) with `n` written as the language writes numbers: "1,204 check-ins"."""
    return text.format(n=i18n.number(n))


def cmd_migrate(args: argparse.Namespace) -> int:
    db = _database()
    # TRANSLATORS: {backend} is the database's kind: "sqlite" or "postgresql".
    print(_("Database is at the newest schema ({backend}).").format(backend=db.backend))
    return 0


def cmd_check_content(args: argparse.Namespace) -> int:
    settings = _settings()
    content = load_content(settings.content_dir, settings.resource_packs)
    cl = content.checklist
    # TRANSLATORS: {title} is the checklist's title, {version} its version number, {items} "42 items" and
    # {sections} "6 sections".
    items, sections = len(cl.all_codes()), len(cl.sections)
    print(_("Checklist '{title}' version {version}: {items} in {sections}.").format(
        title=cl.title, version=cl.version, items=_count(ngettext("{n} item", "{n} items", items), items),
        sections=_count(ngettext("{n} section", "{n} sections", sections), sections)))
    # TRANSLATORS: {packs} are the short names of the agency's resource packs ("us-national").
    print(ngettext("Resource packs {packs}: {n} resource.", "Resource packs {packs}: {n} resources.",
                   len(content.resources)).format(packs=", ".join(settings.resource_packs),
                                                   n=i18n.number(len(content.resources))))
    for name, mapping in load_funder_mappings(settings.content_dir).items():
        # TRANSLATORS: {name} is a funder mapping file's name ("voca-pmt"), {funder} the funder's name.
        print(ngettext("Funder mapping '{name}' ({funder}): {n} line.",
                       "Funder mapping '{name}' ({funder}): {n} lines.", len(mapping.lines)).format(
            name=name, funder=mapping.funder, n=i18n.number(len(mapping.lines))))
    languages = i18n.load(settings.content_dir, settings.language)
    for lang in languages:
        if lang.code != i18n.SOURCE:
            load_translation(settings.content_dir, lang.code, content)
    problems = catalogs.problems(settings.content_dir)
    for line in problems[:SHOWN_DIFFERENCES]:
        print(line, file=sys.stderr)
    if problems:
        print(_count(ngettext("{n} catalog problem; `./waypoint catalog` adds new texts to every catalog, then "
                              "translate them (docs/languages.md).",
                              "{n} catalog problems; `./waypoint catalog` adds new texts to every catalog, then "
                              "translate them (docs/languages.md).", len(problems)), len(problems)), file=sys.stderr)
        return 1
    # TRANSLATORS: {languages} lists the languages by name and code: "English (en), Español (es)".
    print(_("Languages: {languages}; content and catalogs complete.").format(
        languages=", ".join(f"{lang.name} ({lang.code})" for lang in languages)))
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    """Collect the interface's texts from the code into the catalogs (new ones untranslated), or --check them."""
    settings = _settings()
    i18n.load(settings.content_dir, settings.language, with_catalogs=False)
    if args.check:
        problems = catalogs.problems(settings.content_dir)
        for line in problems:
            print(line)
        print(_count(ngettext("{n} problem.", "{n} problems.", len(problems)), len(problems)) if problems
              else _("Every catalog is complete."), file=sys.stderr)
        return 1 if problems else 0
    for line in catalogs.update(settings.content_dir):
        print(line)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from models.services.demo import DemoRefused, load_demo

    settings = _settings()
    content = load_content(settings.content_dir, settings.resource_packs)
    db = _database(settings)
    if not db.is_empty():
        if args.if_empty:
            print(_("The database already has accounts; demo data was not loaded. Sign in with your accounts."))
            return 0
        print(_("The database already has accounts; demo data is only loaded into an empty database."),
              file=sys.stderr)
        return 1
    try:
        made = load_demo(db, content, clients=args.clients, seed=args.seed)
    except DemoRefused as exc:
        print(exc, file=sys.stderr)
        return 1
    print(_count(ngettext("Loaded demo data: {n} made-up client with a year of check-ins.",
                          "Loaded demo data: {n} made-up clients with a year of check-ins.", args.clients),
                 args.clients))
    print(_("Demo accounts (passwords are shown only now; keep them somewhere safe):"))
    width = max(len(a.username) for a in made)
    for a in made:
        # TRANSLATORS: one demo account; {role} is its role's code (advocate, supervisor, admin), padded to line up.
        print("  " + _("{role}  username: {username}  password: {password}").format(
            role=f"{a.role:<10}", username=f"{a.username:<{width}}", password=a.password))
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    settings = _settings()
    db = _database(settings)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        # TRANSLATORS: a question at the command line; the answer is typed after it.
        password = getpass.getpass(_("Password (at least 12 characters): "))
        # TRANSLATORS: a question at the command line; the answer is typed after it.
        if getpass.getpass(_("Same password again: ")) != password:
            print(_("The two passwords differ; nothing was created."), file=sys.stderr)
            return 1
    else:
        print(_("No terminal to ask for a password; pass --password-stdin and pipe it in."), file=sys.stderr)
        return 1
    try:
        bootstrap_user(db, username=args.username, display_name=args.display_name or args.username,
                       role=args.role, password=password)
    except ValidationFailed as exc:
        for field, message in exc.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 1
    # TRANSLATORS: {role} is the role's code as typed (advocate, supervisor, admin), {username} the account's.
    print(_("Created {role} account '{username}'.").format(role=args.role, username=args.username.strip().lower()))
    return 0


def cmd_setup_code(args: argparse.Namespace) -> int:
    """A one-time setup code for an account, printed once: the first supervisor's account an admin made on the
    web, or the only supervisor's forgotten password. Immediate, like create-user (see docs/accounts.md)."""
    from models.services.account_review import issue_setup_code_at_command_line

    db = _database()
    try:
        issued = issue_setup_code_at_command_line(db, args.username)
    except ValidationFailed as exc:
        for field, message in exc.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 1
    # TRANSLATORS: {time} is when the code stops working ("2026-12-02 14:05"), {code} the code itself.
    print(_("Setup code for '{username}' (shown only now; it works once, until {time} UTC): {code}").format(
        username=issued.username, time=f"{issued.expires_at:%Y-%m-%d %H:%M}", code=issued.code))
    # TRANSLATORS: {section} is the name of the part of the sign-in page where a setup code is typed.
    print(_("Their password no longer works and their sessions ended: they choose a new one on the sign-in page, "
            "under '{section}'.").format(section=_("First sign-in with a setup code")))
    return 0


def cmd_reset_two_step(args: argparse.Namespace) -> int:
    """Remove someone's two-step sign-in (a lost phone and no recovery codes): immediate, like setup-code, so the
    last admin is never locked out."""
    from models.services.second_factor import reset_at_command_line

    db = _database()
    try:
        removed = reset_at_command_line(db, args.username)
    except ValidationFailed as exc:
        print(" ".join(exc.errors.values()), file=sys.stderr)
        return 1
    username = args.username.strip().lower()
    if not removed:
        print(_("'{username}' had no two-step sign-in set up; their sessions ended anyway.").format(username=username))
        return 0
    print(_("Two-step sign-in removed for '{username}' and their sessions ended. If their role needs it, they set it "
            "up again at their next sign-in.").format(username=username))
    return 0


def _refused(exc: ValidationFailed) -> int:
    for field, message in exc.errors.items():
        print(f"{field}: {message}", file=sys.stderr)
    return 1


def cmd_accounts(args: argparse.Namespace) -> int:
    """Every account: role, whether it is active, its last sign-in (UTC) and anything that keeps it out."""
    from models.services.account_life import list_accounts_at_command_line

    lines = list_accounts_at_command_line(_database())
    if not lines:
        print(_("No accounts yet: make the first with `./waypoint create-user`."))
        return 0
    width = max(len(a.username) for a in lines)
    # TRANSLATORS: an account's state in the command line's list of accounts.
    active, deactivated = pgettext("an account", "active"), pgettext("an account", "deactivated")
    states = max(len(active), len(deactivated))
    for a in lines:
        # TRANSLATORS: an account's last sign-in when it has never signed in.
        last = f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else pgettext("last sign-in", "never")
        state = active if a.active else deactivated
        extra = f"  ({a.status})" if a.status else ""
        # TRANSLATORS: a column of the command line's list of accounts; {time} is a date and time in UTC, or "never".
        signed_in = _("last sign-in {time}").format(time=f"{last:<16}")
        # The display name is printed as typed, last, after the fixed columns (it may hold any printable text).
        print(f"{a.username:<{width}}  {a.role:<10}  {state:<{states}}  {signed_in}  {a.display_name}{extra}")
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    """deactivate / reactivate USERNAME: immediate; deactivating ends every session of the account at once."""
    from models.services.account_life import set_active_at_command_line

    active = args.command == "reactivate"
    try:
        set_active_at_command_line(_database(), args.username, active)
    except ValidationFailed as exc:
        return _refused(exc)
    name = args.username.strip().lower()
    if active:
        print(_("Reactivated '{username}'.").format(username=name))
    else:
        # TRANSLATORS: {page} is the name of the page where a supervisor hands clients over to another advocate.
        print(_("Deactivated '{username}': their sessions ended and they cannot sign in. Their records stay; a "
                "supervisor can hand their open clients over on the {page} page.").format(
            username=name, page=_("Hand over clients")))
    return 0


def cmd_set_role(args: argparse.Namespace) -> int:
    """Immediate at the server (docs/accounts.md): the account keeps its password; its sessions end."""
    from models.services.account_life import change_role_at_command_line

    try:
        changed = change_role_at_command_line(_database(), args.username, args.role)
    except ValidationFailed as exc:
        return _refused(exc)
    # TRANSLATORS: {role} and {old_role} are role codes (advocate, supervisor, admin).
    print(ngettext("'{username}' is now {role} (was {old_role}); {n} open session ended.",
                   "'{username}' is now {role} (was {old_role}); {n} open sessions ended.",
                   changed.sessions_ended).format(username=args.username.strip().lower(), role=changed.new_role,
                                                  old_role=changed.old_role, n=i18n.number(changed.sessions_ended)))
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    from models.services.account_life import rename_at_command_line

    try:
        rename_at_command_line(_database(), args.username, args.display_name)
    except ValidationFailed as exc:
        return _refused(exc)
    print(_("Changed the display name of '{username}'.").format(username=args.username.strip().lower()))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """SQLite: an online copy, safe while the app runs. PostgreSQL: say which pg_dump command to run."""
    from models.services.backup import BackupError, backup_sqlite, postgres_commands

    url = _settings().database_url
    if not url.startswith("sqlite"):
        dump, restore = postgres_commands(url, args.target)
        print(_("Waypoint backs up SQLite itself; for PostgreSQL use its own tools (password from PGPASSWORD):"))
        # TRANSLATORS: labels before the two PostgreSQL commands to run, to make a backup and to restore it.
        backup_word, restore_word = pgettext("a command", "backup:"), pgettext("a command", "restore:")
        width = max(len(backup_word), len(restore_word)) + 2
        print(f"  {backup_word:<{width}}{dump}")
        # TRANSLATORS: {command} is the PostgreSQL command that restores a backup.
        print(f"  {restore_word:<{width}}" + _("{command}   (into a new, empty database)").format(command=restore))
        return 1
    try:
        result = backup_sqlite(url, args.target)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    # TRANSLATORS: {revision} is the database schema's version, {path} the backup file.
    print(ngettext("Backed up {n} check-in (schema {revision}) to {path}.",
                   "Backed up {n} check-ins (schema {revision}) to {path}.", result.check_ins).format(
        n=i18n.number(result.check_ins), revision=result.revision, path=result.path))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """SQLite: put a backup in place as the configured database (stop the app first)."""
    from models.services.backup import BackupError, postgres_commands, restore_sqlite

    url = _settings().database_url
    if not url.startswith("sqlite"):
        _dump, restore = postgres_commands(url, args.backup)
        print(_("For PostgreSQL, restore with pg_restore into a new, empty database (password from PGPASSWORD):"))
        print(f"  {restore}")
        return 1
    try:
        result = restore_sqlite(args.backup, url, force=args.force)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    # TRANSLATORS: {path} is the database file, {revision} the database schema's version.
    print(ngettext("Restored {n} check-in into {path} (schema {revision}).",
                   "Restored {n} check-ins into {path} (schema {revision}).", result.check_ins).format(
        n=i18n.number(result.check_ins), path=result.path, revision=result.revision))
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    """List (--dry-run) or remove (--apply) the clients whose file closed more than the policy's years ago."""
    from models.services.retention import admin_actor, apply_retention, plan_retention

    settings = _settings()
    db = _database(settings)
    try:
        actor = admin_actor(db, args.admin)
    except ValidationFailed as exc:
        print(" ".join(exc.errors.values()), file=sys.stderr)
        return 1
    plan = plan_retention(db, actor, years=settings.retention_years)
    # TRANSLATORS: the retention policy; {date} is the first day a closed file is kept (2019-12-02).
    print(ngettext("Policy: files closed more than {n} year ago (before {date}).",
                   "Policy: files closed more than {n} years ago (before {date}).", plan.years).format(
        n=i18n.number(plan.years), date=plan.cutoff.isoformat()))
    if not args.apply:
        for c in plan.clients:
            # TRANSLATORS: one client file the retention policy would remove: its code, the day it was closed and
            # its number of check-ins ("12 check-ins").
            print("  " + _("{code}  closed {date}  {check_ins}").format(
                code=c.code, date=c.closed_on.isoformat(),
                check_ins=_count(ngettext("{n} check-in", "{n} check-ins", c.check_ins), c.check_ins)))
        # TRANSLATORS: {clients} is "3 clients", {check_ins} "12 check-ins".
        print(_("{clients} and {check_ins} would be removed. Nothing was changed; run with --apply to remove them.")
              .format(clients=_count(ngettext("{n} client", "{n} clients", len(plan.clients)), len(plan.clients)),
                      check_ins=_count(ngettext("{n} check-in", "{n} check-ins", plan.check_ins), plan.check_ins)))
        return 0
    removed = apply_retention(db, actor, years=settings.retention_years)
    # TRANSLATORS: {clients} is "3 clients", {check_ins} "12 check-ins".
    print(_("Removed {clients} and {check_ins}, with everything recorded about them. The audit log records the "
            "counts.").format(clients=_count(ngettext("{n} client", "{n} clients", removed.clients), removed.clients),
                              check_ins=_count(ngettext("{n} check-in", "{n} check-ins", removed.check_ins),
                                               removed.check_ins)))
    return 0


def cmd_erase_client(args: argparse.Namespace) -> int:
    """Erase one client on request; the code is typed a second time to confirm."""
    from models.services.retention import admin_actor, erase_client

    db = _database()
    if args.confirm is not None:
        confirm = args.confirm
    elif sys.stdin.isatty():
        # TRANSLATORS: a question at the command line; the answer is typed after it.
        confirm = input(_("This cannot be undone. Type the client code again to confirm: "))
    else:
        print(_("No terminal to confirm on; pass --confirm CODE with the same code."), file=sys.stderr)
        return 1
    try:
        actor = admin_actor(db, args.admin)
        removed = erase_client(db, actor, args.code, confirm)
    except ValidationFailed as exc:
        print(" ".join(exc.errors.values()), file=sys.stderr)
        return 1
    print(ngettext("The client was erased, with {n} check-in. The audit log records that one client was erased, "
                   "without the code.",
                   "The client was erased, with {n} check-ins. The audit log records that one client was erased, "
                   "without the code.", removed.check_ins).format(n=i18n.number(removed.check_ins)))
    return 0


def cmd_note_key(args: argparse.Namespace) -> int:
    """`new` prints a fresh key; `ensure` makes the key file for a first start on one machine."""
    from models.store.note_cipher import new_key, write_key_file

    if args.action == "new":
        print(new_key())
        return 0
    settings = _settings()
    if settings.note_keys:
        return 0
    if not settings.database_url.startswith("sqlite"):
        print(_("Waypoint needs a note key to encrypt notes. With PostgreSQL every instance must use the same key: "
                "make one with `./waypoint note-key new` and set WAYPOINT_NOTE_KEYS on each."), file=sys.stderr)
        return 1
    with contextlib.suppress(FileExistsError):  # made by another start a moment ago: keep that one
        write_key_file(settings.note_key_file)
    # TRANSLATORS: {path} is the key file.
    print(_("Made a note key at {path}. Notes are encrypted with it: back it up, apart from the database backups; "
            "without it the notes cannot be read.").format(path=settings.note_key_file))
    return 0


def cmd_rotate_note_key(args: argparse.Namespace) -> int:
    """Rewrite every note with the first of WAYPOINT_NOTE_KEYS (run with "new,old"; then drop the old one)."""
    from models.services.note_keys import rotate_note_key
    from models.services.retention import admin_actor
    from models.store.note_cipher import fingerprint

    db = _database()
    try:
        actor = admin_actor(db, args.admin)
    except ValidationFailed as exc:
        print(" ".join(exc.errors.values()), file=sys.stderr)
        return 1
    count = rotate_note_key(db, actor)
    # TRANSLATORS: {key} is a short fingerprint of the key (letters and digits).
    print(ngettext("Rewrote {n} note with key {key} (the first configured key). Every instance can now drop the "
                   "other keys from its configuration.",
                   "Rewrote {n} notes with key {key} (the first configured key). Every instance can now drop the "
                   "other keys from its configuration.", count).format(n=i18n.number(count),
                                                                         key=fingerprint(db.notes.keys[0])))
    return 0


SHOWN_DIFFERENCES = 50


def cmd_summaries(args: argparse.Namespace) -> int:
    """--check: recompute the trend summaries from the records and compare; --rebuild: make them again."""
    from models.base.timeutil import zone_key
    from models.services.trend_summary import compare, rebuild

    settings = _settings()
    db = get_database(settings.database_url)  # not built here on open: --rebuild builds once, --check only reads
    if args.rebuild:
        made = rebuild(db, settings.time_zone)
        # TRANSLATORS: {zone} is a time zone ("America/Chicago"); {days} is "120 day rows", {spans} a number, {seconds}
        # a number of seconds ("2.5").
        print(ngettext("Rebuilt the trend summaries in {zone} from {n} check-in: {days} day rows and {spans} client "
                       "weeks and months in {seconds} s.",
                       "Rebuilt the trend summaries in {zone} from {n} check-ins: {days} day rows and {spans} client "
                       "weeks and months in {seconds} s.", made["check_ins"]).format(
            zone=made["zone"], n=i18n.number(made["check_ins"]), days=i18n.number(made["day_rows"]),
            spans=i18n.number(made["span_rows"]), seconds=i18n.number(made["seconds"], digits=1)))
        return 0
    found = compare(db)
    # The figures are named by their codes (check ins, day rows...): a check for the agency's IT, like its differences.
    counted = ", ".join(f"{i18n.number(value)} {name.replace('_', ' ')}" for name, value in found.figures.items())
    # TRANSLATORS: {zone} is the time zone the trend summaries are cut in ("UTC"), or "not built"; {figures} lists
    # what was compared ("120 check ins, 40 items").
    print(_("Compared ({zone}): {figures}.").format(zone=found.zone or _("not built"), figures=counted))
    if found.zone is not None and found.zone != zone_key(settings.time_zone):
        # TRANSLATORS: {zone} and {setting} are time zones ("America/Chicago").
        print(_("Note: they are cut in {zone}, but WAYPOINT_TIME_ZONE here is {setting}: an app with this setting "
                "reads Trends from the records and rebuilds them when it starts.").format(
            zone=found.zone, setting=settings.time_zone))
    if not found.differences:
        # TRANSLATORS: the last line of a check that found the trend summaries equal to the records.
        print(_("match"))
        return 0
    for line in found.differences[:SHOWN_DIFFERENCES]:
        print(line)
    more = len(found.differences) - SHOWN_DIFFERENCES
    if more > 0:
        print(_count(ngettext("... and {n} more difference", "... and {n} more differences", more), more))
    print(_count(ngettext("{n} difference. `./waypoint summaries --rebuild` makes them again from the records.",
                          "{n} differences. `./waypoint summaries --rebuild` makes them again from the records.",
                          len(found.differences)), len(found.differences)), file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    """The commands and their help, in the language being written (main() sets the agency's)."""
    parser = argparse.ArgumentParser(prog="waypoint", description=_("Waypoint server commands."))
    sub = parser.add_subparsers(dest="command", required=True)
    # TRANSLATORS: help texts of the command line's commands and options (`./waypoint --help`), written in lower case
    # as a command's help is.
    p = sub.add_parser("migrate", help=_("bring the database schema up to date (the app also does this on start)"))
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("check-content", help=_("validate the checklist, the resource packs, every language's copy of "
                                               "them and the catalogs"))
    p.set_defaults(func=cmd_check_content)
    p = sub.add_parser("catalog", help=_("collect the interface's texts into every language's catalog (--check: list "
                                         "what is untranslated)"))
    p.add_argument("--check", action="store_true", help=_("only list missing, unchecked or broken translations"))
    p.set_defaults(func=cmd_catalog)
    p = sub.add_parser("demo", help=_("load synthetic demo data and demo accounts into an empty database"))
    p.add_argument("--if-empty", action="store_true", help=_("do nothing (and succeed) if accounts exist"))
    p.add_argument("--clients", type=int, default=60)
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("create-user", help=_("create an account (the first admin is made this way)"))
    p.add_argument("--username", required=True)
    p.add_argument("--display-name", default="")
    p.add_argument("--role", required=True, choices=("advocate", "supervisor", "admin"))
    p.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("setup-code", help=_("print a one-time setup code for an account (replaces its password)"))
    p.add_argument("username")
    p.set_defaults(func=cmd_setup_code)
    p = sub.add_parser("reset-two-step", help=_("remove an account's two-step sign-in (a lost phone); ends its "
                                                "sessions"))
    p.add_argument("username")
    p.set_defaults(func=cmd_reset_two_step)
    p = sub.add_parser("accounts", help=_("list every account with its role, state and last sign-in"))
    p.set_defaults(func=cmd_accounts)
    p = sub.add_parser("deactivate", help=_("deactivate an account: its sessions end at once; its records stay"))
    p.add_argument("username")
    p.set_defaults(func=cmd_set_active)
    p = sub.add_parser("reactivate", help=_("let a deactivated account sign in again"))
    p.add_argument("username")
    p.set_defaults(func=cmd_set_active)
    p = sub.add_parser("set-role", help=_("give an account another role (immediate here; its sessions end)"))
    p.add_argument("username")
    p.add_argument("role", choices=("advocate", "supervisor", "admin"))
    p.set_defaults(func=cmd_set_role)
    p = sub.add_parser("rename", help=_("change the display name of an account"))
    p.add_argument("username")
    p.add_argument("display_name")
    p.set_defaults(func=cmd_rename)
    p = sub.add_parser("backup", help=_("copy the SQLite database to TARGET while the app runs (PostgreSQL: "
                                        "pg_dump)"))
    p.add_argument("target")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help=_("restore a SQLite backup into an empty database (stop the app first)"))
    p.add_argument("backup")
    p.add_argument("--force", action="store_true", help=_("replace a database that already holds data"))
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("retention", help=_("list (--dry-run) or remove (--apply) clients past the retention policy"))
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help=_("list what would be removed; change nothing"))
    mode.add_argument("--apply", action="store_true", help=_("remove them, with everything recorded about them"))
    p.add_argument("--admin", required=True, help=_(ADMIN_HELP))
    p.set_defaults(func=cmd_retention)
    p = sub.add_parser("erase-client", help=_("erase one client and everything recorded about them, on request"))
    p.add_argument("code")
    p.add_argument("--admin", required=True, help=_(ADMIN_HELP))
    p.add_argument("--confirm", default=None, help=_("the same code again (asked for when omitted)"))
    p.set_defaults(func=cmd_erase_client)
    p = sub.add_parser("summaries", help=_("check (--check) or rebuild (--rebuild) the trend summaries from the "
                                           "records"))
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help=_("recompute them from the records and compare; exit 1 "
                                                             "when they differ"))
    mode.add_argument("--rebuild", action="store_true", help=_("make them again from the records, in "
                                                               "WAYPOINT_TIME_ZONE (writes wait meanwhile)"))
    p.set_defaults(func=cmd_summaries)
    p = sub.add_parser("note-key", help=_("new: print a new note key; ensure: make data/note.key if no key is set"))
    p.add_argument("action", choices=("new", "ensure"))
    p.set_defaults(func=cmd_note_key)
    p = sub.add_parser("rotate-note-key", help=_("rewrite every note with the first key of WAYPOINT_NOTE_KEYS"))
    p.add_argument("--admin", required=True, help=_(ADMIN_HELP))
    p.set_defaults(func=cmd_rotate_note_key)
    return parser


# TRANSLATORS: help of the --admin option of commands that remove or rewrite records.
ADMIN_HELP = N_("the admin account the action is recorded under")
# Where the command line reads its language from when the other settings cannot be read (their command says why).
LANGUAGE_SETTINGS = ("WAYPOINT_CONTENT_DIR", "WAYPOINT_LANGUAGE")


def _agency_language() -> str:
    """The agency's default language (WAYPOINT_LANGUAGE), its catalog loaded: every command writes in it. English
    when the languages cannot be read: the command then runs as it always has, and check-content, which reads them
    itself, says what is wrong (a language just added has no catalog until `catalog` makes it)."""
    try:
        settings = Settings.from_env()
    except ConfigError:  # another setting is wrong: the command says so, in the language chosen if it can be read
        try:
            settings = Settings.from_env({name: os.environ[name] for name in LANGUAGE_SETTINGS
                                          if name in os.environ})
        except ConfigError:
            return i18n.SOURCE
    try:
        i18n.load(settings.content_dir, settings.language)
    except i18n.LanguageError:
        return i18n.SOURCE
    return settings.language


def main(argv: list[str] | None = None) -> int:
    with i18n.using(_agency_language()):
        args = build_parser().parse_args(argv)
        try:
            return args.func(args)
        except (ContentError, ConfigError, i18n.LanguageError) as exc:
            # TRANSLATORS: {problem} names the file or setting and what is wrong with it (in English).
            print(_("Waypoint cannot start: {problem}").format(problem=exc), file=sys.stderr)
            return 2
        except MigrationFailed as exc:  # the cause is in the message; the traceback is in nobody's way
            print(_("Waypoint cannot start: {problem}").format(problem=exc), file=sys.stderr)
            return 3
        except DatabaseUnavailable:
            print(_("Waypoint cannot reach its database (WAYPOINT_DATABASE_URL): it refused, did not answer within "
                    "the timeout, or is locked by another process. Check that it is running and reachable, then try "
                    "again."), file=sys.stderr)
            return 3
