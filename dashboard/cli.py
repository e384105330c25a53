"""Server-side commands: `python -m dashboard demo|create-user|accounts|deactivate|set-role|migrate|summaries|...`.

Accounts are created here, by whoever controls the server, so a stranger on the web never can.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys

from dashboard import catalogs
from models.base import i18n
from models.base.errors import ValidationFailed
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


def cmd_migrate(args: argparse.Namespace) -> int:
    db = _database()
    print(f"Database is at the newest schema ({db.backend}).")
    return 0


def cmd_check_content(args: argparse.Namespace) -> int:
    settings = _settings()
    content = load_content(settings.content_dir, settings.resource_packs)
    cl = content.checklist
    print(f"Checklist '{cl.title}' version {cl.version}: {len(cl.all_codes())} items in {len(cl.sections)} sections.")
    print(f"Resource packs {', '.join(settings.resource_packs)}: {len(content.resources)} resources.")
    for name, mapping in load_funder_mappings(settings.content_dir).items():
        print(f"Funder mapping '{name}' ({mapping.funder}): {len(mapping.lines)} lines.")
    languages = i18n.load(settings.content_dir, settings.language)
    for lang in languages:
        if lang.code != i18n.SOURCE:
            load_translation(settings.content_dir, lang.code, content)
    problems = catalogs.problems(settings.content_dir)
    for line in problems[:SHOWN_DIFFERENCES]:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems):,} catalog problems; `./waypoint catalog` adds new texts to every catalog, then "
              "translate them (docs/languages.md).", file=sys.stderr)
        return 1
    print(f"Languages: {', '.join(f'{lang.name} ({lang.code})' for lang in languages)}; content and catalogs "
          "complete.")
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    """Collect the interface's texts from the code into the catalogs (new ones untranslated), or --check them."""
    settings = _settings()
    i18n.load(settings.content_dir, settings.language, with_catalogs=False)
    if args.check:
        problems = catalogs.problems(settings.content_dir)
        for line in problems:
            print(line)
        print(f"{len(problems):,} problems." if problems else "Every catalog is complete.", file=sys.stderr)
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
            print("The database already has accounts; demo data was not loaded. Sign in with your accounts.")
            return 0
        print("The database already has accounts; demo data is only loaded into an empty database.",
              file=sys.stderr)
        return 1
    try:
        made = load_demo(db, content, clients=args.clients, seed=args.seed)
    except DemoRefused as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Loaded demo data: {args.clients} made-up clients with a year of check-ins.")
    print("Demo accounts (passwords are shown only now; keep them somewhere safe):")
    width = max(len(a.username) for a in made)
    for a in made:
        print(f"  {a.role:<10}  username: {a.username:<{width}}  password: {a.password}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    settings = _settings()
    db = _database(settings)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password (at least 12 characters): ")
        if getpass.getpass("Same password again: ") != password:
            print("The two passwords differ; nothing was created.", file=sys.stderr)
            return 1
    else:
        print("No terminal to ask for a password; pass --password-stdin and pipe it in.", file=sys.stderr)
        return 1
    try:
        bootstrap_user(db, username=args.username, display_name=args.display_name or args.username,
                       role=args.role, password=password)
    except ValidationFailed as exc:
        for field, message in exc.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 1
    print(f"Created {args.role} account '{args.username.strip().lower()}'.")
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
    print(f"Setup code for '{issued.username}' (shown only now; it works once, until "
          f"{issued.expires_at:%Y-%m-%d %H:%M} UTC): {issued.code}")
    print("Their password no longer works and their sessions ended: they choose a new one on the sign-in page, "
          "under 'First sign-in with a setup code'.")
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
    if not removed:
        print(f"'{args.username.strip().lower()}' had no two-step sign-in set up; their sessions ended anyway.")
        return 0
    print(f"Two-step sign-in removed for '{args.username.strip().lower()}' and their sessions ended. If their role "
          "needs it, they set it up again at their next sign-in.")
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
        print("No accounts yet: make the first with `./waypoint create-user`.")
        return 0
    width = max(len(a.username) for a in lines)
    for a in lines:
        last = f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "never"
        state = "active" if a.active else "deactivated"
        extra = f"  ({a.status})" if a.status else ""
        # The display name is printed as typed, last, after the fixed columns (it may hold any printable text).
        print(f"{a.username:<{width}}  {a.role:<10}  {state:<11}  last sign-in {last:<16}  {a.display_name}{extra}")
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
    print(f"Reactivated '{name}'." if active else
          f"Deactivated '{name}': their sessions ended and they cannot sign in. Their records stay; a supervisor "
          "can hand their open clients over on the Hand over clients page.")
    return 0


def cmd_set_role(args: argparse.Namespace) -> int:
    """Immediate at the server (docs/accounts.md): the account keeps its password; its sessions end."""
    from models.services.account_life import change_role_at_command_line

    try:
        changed = change_role_at_command_line(_database(), args.username, args.role)
    except ValidationFailed as exc:
        return _refused(exc)
    print(f"'{args.username.strip().lower()}' is now {changed.new_role} (was {changed.old_role}); "
          f"{changed.sessions_ended} open sessions ended.")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    from models.services.account_life import rename_at_command_line

    try:
        rename_at_command_line(_database(), args.username, args.display_name)
    except ValidationFailed as exc:
        return _refused(exc)
    print(f"Changed the display name of '{args.username.strip().lower()}'.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """SQLite: an online copy, safe while the app runs. PostgreSQL: say which pg_dump command to run."""
    from models.services.backup import BackupError, backup_sqlite, postgres_commands

    url = _settings().database_url
    if not url.startswith("sqlite"):
        dump, restore = postgres_commands(url, args.target)
        print("Waypoint backs up SQLite itself; for PostgreSQL use its own tools (password from PGPASSWORD):")
        print(f"  backup:   {dump}")
        print(f"  restore:  {restore}   (into a new, empty database)")
        return 1
    try:
        result = backup_sqlite(url, args.target)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Backed up {result.check_ins} check-ins (schema {result.revision}) to {result.path}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """SQLite: put a backup in place as the configured database (stop the app first)."""
    from models.services.backup import BackupError, postgres_commands, restore_sqlite

    url = _settings().database_url
    if not url.startswith("sqlite"):
        _dump, restore = postgres_commands(url, args.backup)
        print("For PostgreSQL, restore with pg_restore into a new, empty database (password from PGPASSWORD):")
        print(f"  {restore}")
        return 1
    try:
        result = restore_sqlite(args.backup, url, force=args.force)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Restored {result.check_ins} check-ins into {result.path} (schema {result.revision}).")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    """List (--dry-run) or remove (--apply) the clients whose file closed more than the policy's years ago."""
    from models.services.retention import admin_actor, apply_retention, counted, plan_retention

    settings = _settings()
    db = _database(settings)
    try:
        actor = admin_actor(db, args.admin)
    except ValidationFailed as exc:
        print(" ".join(exc.errors.values()), file=sys.stderr)
        return 1
    plan = plan_retention(db, actor, years=settings.retention_years)
    print(f"Policy: files closed more than {plan.years} years ago (before {plan.cutoff.isoformat()}).")
    if not args.apply:
        for c in plan.clients:
            print(f"  {c.code}  closed {c.closed_on.isoformat()}  {c.check_ins} check-ins")
        print(f"{counted(len(plan.clients), 'client')} and {counted(plan.check_ins, 'check-in')} would be removed. "
              "Nothing was changed; run with --apply to remove them.")
        return 0
    removed = apply_retention(db, actor, years=settings.retention_years)
    print(f"Removed {counted(removed.clients, 'client')} and {counted(removed.check_ins, 'check-in')}, with "
          "everything recorded about them. The audit log records the counts.")
    return 0


def cmd_erase_client(args: argparse.Namespace) -> int:
    """Erase one client on request; the code is typed a second time to confirm."""
    from models.services.retention import admin_actor, counted, erase_client

    db = _database()
    if args.confirm is not None:
        confirm = args.confirm
    elif sys.stdin.isatty():
        confirm = input("This cannot be undone. Type the client code again to confirm: ")
    else:
        print("No terminal to confirm on; pass --confirm CODE with the same code.", file=sys.stderr)
        return 1
    try:
        actor = admin_actor(db, args.admin)
        removed = erase_client(db, actor, args.code, confirm)
    except ValidationFailed as exc:
        print(" ".join(exc.errors.values()), file=sys.stderr)
        return 1
    print(f"The client was erased, with {counted(removed.check_ins, 'check-in')}. The audit log records that "
          "one client was erased, without the code.")
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
        print("Waypoint needs a note key to encrypt notes. With PostgreSQL every instance must use the same key: "
              "make one with `./waypoint note-key new` and set WAYPOINT_NOTE_KEYS on each.", file=sys.stderr)
        return 1
    with contextlib.suppress(FileExistsError):  # made by another start a moment ago: keep that one
        write_key_file(settings.note_key_file)
    print(f"Made a note key at {settings.note_key_file}. Notes are encrypted with it: back it up, apart from "
          "the database backups; without it the notes cannot be read.")
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
    print(f"Rewrote {count} notes with key {fingerprint(db.notes.keys[0])} (the first configured key). "
          "Every instance can now drop the other keys from its configuration.")
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
        print(f"Rebuilt the trend summaries in {made['zone']} from {made['check_ins']:,} check-ins: "
              f"{made['day_rows']:,} day rows and {made['span_rows']:,} client weeks and months "
              f"in {made['seconds']:.1f} s.")
        return 0
    found = compare(db)
    counted = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in found.figures.items())
    print(f"Compared ({found.zone or 'not built'}): {counted}.")
    if found.zone is not None and found.zone != zone_key(settings.time_zone):
        print(f"Note: they are cut in {found.zone}, but WAYPOINT_TIME_ZONE here is {settings.time_zone}: an app "
              f"with this setting reads Trends from the records and rebuilds them when it starts.")
    if not found.differences:
        print("match")
        return 0
    for line in found.differences[:SHOWN_DIFFERENCES]:
        print(line)
    if len(found.differences) > SHOWN_DIFFERENCES:
        print(f"... and {len(found.differences) - SHOWN_DIFFERENCES:,} more differences")
    print(f"{len(found.differences):,} differences. `./waypoint summaries --rebuild` makes them again from the "
          "records.", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="waypoint", description="Waypoint server commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("migrate", help="bring the database schema up to date (the app also does this on start)")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("check-content", help="validate the checklist, the resource packs, every language's copy "
                                             "of them and the catalogs")
    p.set_defaults(func=cmd_check_content)
    p = sub.add_parser("catalog", help="collect the interface's texts into every language's catalog (--check: "
                                       "list what is untranslated)")
    p.add_argument("--check", action="store_true", help="only list missing, unchecked or broken translations")
    p.set_defaults(func=cmd_catalog)
    p = sub.add_parser("demo", help="load synthetic demo data and demo accounts into an empty database")
    p.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) if accounts exist")
    p.add_argument("--clients", type=int, default=60)
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("create-user", help="create an account (the first admin is made this way)")
    p.add_argument("--username", required=True)
    p.add_argument("--display-name", default="")
    p.add_argument("--role", required=True, choices=("advocate", "supervisor", "admin"))
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("setup-code", help="print a one-time setup code for an account (replaces its password)")
    p.add_argument("username")
    p.set_defaults(func=cmd_setup_code)
    p = sub.add_parser("reset-two-step", help="remove an account's two-step sign-in (a lost phone); ends its sessions")
    p.add_argument("username")
    p.set_defaults(func=cmd_reset_two_step)
    p = sub.add_parser("accounts", help="list every account with its role, state and last sign-in")
    p.set_defaults(func=cmd_accounts)
    p = sub.add_parser("deactivate", help="deactivate an account: its sessions end at once; its records stay")
    p.add_argument("username")
    p.set_defaults(func=cmd_set_active)
    p = sub.add_parser("reactivate", help="let a deactivated account sign in again")
    p.add_argument("username")
    p.set_defaults(func=cmd_set_active)
    p = sub.add_parser("set-role", help="give an account another role (immediate here; its sessions end)")
    p.add_argument("username")
    p.add_argument("role", choices=("advocate", "supervisor", "admin"))
    p.set_defaults(func=cmd_set_role)
    p = sub.add_parser("rename", help="change the display name of an account")
    p.add_argument("username")
    p.add_argument("display_name")
    p.set_defaults(func=cmd_rename)
    p = sub.add_parser("backup", help="copy the SQLite database to TARGET while the app runs (PostgreSQL: pg_dump)")
    p.add_argument("target")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a SQLite backup into an empty database (stop the app first)")
    p.add_argument("backup")
    p.add_argument("--force", action="store_true", help="replace a database that already holds data")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("retention", help="list (--dry-run) or remove (--apply) clients past the retention policy")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="list what would be removed; change nothing")
    mode.add_argument("--apply", action="store_true", help="remove them, with everything recorded about them")
    p.add_argument("--admin", required=True, help="the admin account the action is recorded under")
    p.set_defaults(func=cmd_retention)
    p = sub.add_parser("erase-client", help="erase one client and everything recorded about them, on request")
    p.add_argument("code")
    p.add_argument("--admin", required=True, help="the admin account the action is recorded under")
    p.add_argument("--confirm", default=None, help="the same code again (asked for when omitted)")
    p.set_defaults(func=cmd_erase_client)
    p = sub.add_parser("summaries", help="check (--check) or rebuild (--rebuild) the trend summaries from the records")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="recompute them from the records and compare; exit 1 "
                                                           "when they differ")
    mode.add_argument("--rebuild", action="store_true", help="make them again from the records, in "
                                                             "WAYPOINT_TIME_ZONE (writes wait meanwhile)")
    p.set_defaults(func=cmd_summaries)
    p = sub.add_parser("note-key", help="new: print a new note key; ensure: make data/note.key if no key is set")
    p.add_argument("action", choices=("new", "ensure"))
    p.set_defaults(func=cmd_note_key)
    p = sub.add_parser("rotate-note-key", help="rewrite every note with the first key of WAYPOINT_NOTE_KEYS")
    p.add_argument("--admin", required=True, help="the admin account the action is recorded under")
    p.set_defaults(func=cmd_rotate_note_key)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ContentError, ConfigError, i18n.LanguageError) as exc:
        print(f"Waypoint cannot start: {exc}", file=sys.stderr)
        return 2
    except MigrationFailed as exc:  # the cause is in the message; the traceback is in nobody's way
        print(f"Waypoint cannot start: {exc}", file=sys.stderr)
        return 3
    except DatabaseUnavailable:
        print("Waypoint cannot reach its database (WAYPOINT_DATABASE_URL): it refused, did not answer within "
              "the timeout, or is locked by another process. Check that it is running and reachable, then try "
              "again.", file=sys.stderr)
        return 3
