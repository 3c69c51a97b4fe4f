"""``scriptbridge migration status|disconnect`` and ``scriptbridge users list|search|show|delete``:
the operator commands, over the store and connections of a configuration. They leave their work
and their tables to :mod:`scriptbridge.operator` and print what it returns."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Final, NoReturn, TypeVar

from scriptbridge import loop, operator
from scriptbridge.cli._output import print_json
from scriptbridge.cli._parsing import Parser, add_command, whole_number
from scriptbridge.demo import ensure_embedded_demo
from scriptbridge.errors import QueryError, SettingsError
from scriptbridge.search import parse_user_query
from scriptbridge.settings import Settings, load_settings
from scriptbridge.store import Page

T = TypeVar("T")

#: The exit status of an operator command whose connection or user does not exist, or whose
#: question was answered no.
_NOT_DONE: Final = 1
_NO_CONNECTION: Final = "1 when no connection has the name given"
_NO_USER: Final = "1 when there is no such user"
_PRINT_JSON: Final = "print {what} as one JSON object{per}, as {api} answers, instead of the table"


def add_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    """migration status|disconnect, and users list|search|show|delete."""
    _add_migration_commands(commands)
    _add_users_commands(commands)


def _add_migration_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    group = _add_group(
        commands,
        "migration",
        "show a migration's progress, or end it by disconnecting the legacy store",
    )
    status = _add_operator_command(
        group,
        "status",
        _cmd_migration_status,
        summary="show each connection's migration progress",
        description=(
            "Show the migration progress of each connection, or of the one --connection "
            "names: a progress bar of the legacy store's users migrated, when the connection "
            "has a count_users script (a scriptbridge extension: function countUsers(callback), "
            "calling back with the number of legacy users); the users in the store by how they "
            "came (the login script, the get_user script on a password reset, native signup); "
            "the last migration's time; the scripts' invocations, errors and timeouts per kind; "
            "the users migrated on each of the last 7 days. It runs the count_users scripts."
        ),
        exit_status=f"0; {_NO_CONNECTION}",
        example="scriptbridge migration status --config scriptbridge.toml",
    )
    status.add_argument("--connection", metavar="NAME", help="only this connection (default: all)")
    status.add_argument(
        "--json",
        action="store_true",
        help=_PRINT_JSON.format(
            what="each connection's status",
            per=" per line",
            api="GET /api/v2/connections/{id}/migration",
        ),
    )
    disconnect = _add_operator_command(
        group,
        "disconnect",
        _cmd_migration_disconnect,
        summary="end a connection's migration: stop asking the legacy store",
        description=(
            "End a connection's migration: set its login and get_user scripts to the no-op "
            "stubs of Auth0's migration guide (scripts/noop/), keep import mode on, and record "
            "a tenant log event (sapi). Migrated users then log in as before; users only the "
            'legacy store knows get "Wrong email or password." and can sign up anew. It prints '
            "the status first and asks for confirmation on a terminal (without one, --yes is "
            "required). The change is saved in the store: a running `scriptbridge serve` on the "
            "same store picks it up within a few seconds."
        ),
        exit_status=f"0 when disconnected (or it already was); {_NO_CONNECTION}, or the "
        "answer is no",
        example="scriptbridge migration disconnect --config scriptbridge.toml --connection users",
    )
    disconnect.add_argument(
        "--connection", required=True, metavar="NAME", help="the connection to disconnect"
    )
    _add_yes_option(disconnect, "disconnect")


def _add_users_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    group = _add_group(commands, "users", "list, search, show or delete the users of the store")
    listing = _add_operator_command(
        group,
        "list",
        _cmd_users_list,
        summary="list the users, a page at a time",
        description=(
            "List the users of scriptbridge's store, oldest first, a page at a time: user_id, "
            "email, username, migrated_by (login, get_user, native or legacy), created_at and "
            "last_login (UTC), logins_count, blocked."
        ),
        exit_status=f"0; {_NO_CONNECTION}",
        example="scriptbridge users list --config scriptbridge.toml --page 1",
    )
    _add_page_options(listing)
    search = _add_operator_command(
        group,
        "search",
        _cmd_users_list,
        summary="search the users with Auth0's query syntax",
        description=(
            "Search the users with a query in Auth0's user search syntax (Lucene, search "
            'engine v3): field:value, "quoted phrases", * and ? wildcards, AND, OR, NOT, ranges '
            "such as logins_count:[2 TO *] or created_at:[2024-01-01 TO *], _exists_:field, "
            "user_metadata.plan:pro. A query starting with - is taken for an option: write NOT "
            "field:value. A query scriptbridge cannot run is a usage problem. The table is as "
            "users list's."
        ),
        exit_status=f"0; {_NO_CONNECTION}",
        example="scriptbridge users search 'email:*@example.com AND logins_count:[2 TO *]'",
    )
    search.add_argument("query", metavar="QUERY", help="the query (quoted for the shell)")
    _add_page_options(search)
    show = _add_operator_command(
        group,
        "show",
        _cmd_users_show,
        summary="show every field of one user",
        description=(
            "Show one user: every field as the Management API shows it (never the password "
            "hash), with its connection and how it came."
        ),
        exit_status=f"0; {_NO_USER}",
        example="scriptbridge users show 'auth0|1001'",
    )
    _add_user_id_argument(show)
    show.add_argument(
        "--json",
        action="store_true",
        help=_PRINT_JSON.format(what="the user", per="", api="GET /api/v2/users/{id}"),
    )
    delete = _add_operator_command(
        group,
        "delete",
        _cmd_users_delete,
        summary="delete one user (in legacy mode from the legacy store too)",
        description=(
            "Delete one user as DELETE /api/v2/users/{id} does: in legacy mode the connection's "
            "delete script removes it from the legacy store first, and a failing script keeps "
            "the user; in import mode the legacy store keeps its record, so the user migrates "
            "again at the next login unless the connection is disconnected. It shows the user "
            "and asks for confirmation on a terminal (without one, --yes is required)."
        ),
        exit_status=f"0 when deleted; {_NO_USER}, the answer is no, or the delete script fails",
        example="scriptbridge users delete 'auth0|1001' --yes",
    )
    _add_user_id_argument(delete)
    _add_yes_option(delete, "delete")


def _add_group(
    commands: argparse._SubParsersAction[Parser], name: str, summary: str
) -> argparse._SubParsersAction[Parser]:
    """A command made of subcommands (``scriptbridge migration status``)."""
    parser = commands.add_parser(name, help=summary, description=summary, allow_abbrev=False)
    return parser.add_subparsers(
        dest="subcommand", metavar="SUBCOMMAND", required=True, parser_class=Parser
    )


def _add_operator_command(
    commands: argparse._SubParsersAction[Parser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    summary: str,
    description: str,
    exit_status: str,
    example: str,
) -> argparse.ArgumentParser:
    """A command over the store and connections of a configuration. Library log lines below
    warnings are left out, so that what it prints is its own."""
    parser = add_command(
        commands,
        name,
        handler,
        summary=summary,
        description=(
            f"{description} Without --config it uses the embedded demo configuration, whose "
            f"store is ./scriptbridge.db. Exit status: {exit_status}; 2 for a usage problem or "
            "an unusable configuration."
        ),
        example=example,
        script_kinds=False,
    )
    parser.set_defaults(log_level=logging.WARNING)
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the TOML settings file (default: the embedded demo configuration)",
    )
    return parser


def _add_page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--connection", metavar="NAME", help="only this connection's users (default: all)"
    )
    parser.add_argument(
        "--page",
        type=whole_number(0),
        default=0,
        metavar="N",
        help="which page, the first being 0 as in Auth0's API (default: 0)",
    )
    parser.add_argument(
        "--per-page",
        type=whole_number(1),
        default=50,
        metavar="N",
        help="users per page (default: %(default)s)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help=_PRINT_JSON.format(
            what="the page", per="", api="GET /api/v2/users?include_totals=true"
        ),
    )


def _add_user_id_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "id", metavar="ID", help="the user_id, such as 'auth0|1001' (quoted), or 1001 for short"
    )


def _add_yes_option(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--yes",
        action="store_true",
        help=f"{verb} without asking (required when stdin is not a terminal)",
    )


def _cmd_migration_status(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    progresses = _operate(args, operator.migration_status(settings, _connections(args, settings)))
    if args.json:
        for progress in progresses:
            print_json(progress.status)
    else:
        print("\n\n".join(operator.render_status(p, _today()) for p in progresses), flush=True)
    return 0


def _cmd_migration_disconnect(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    [name] = _connections(args, settings)
    _check_confirmable(args, "disconnect")
    [progress] = _operate(args, operator.migration_status(settings, [name]))
    print(operator.render_status(progress, _today()), end="\n\n", flush=True)
    if not progress.disconnected:
        if warning := operator.disconnect_warning(progress):
            print(f"{args.parser.prog}: warning: {warning}", file=sys.stderr)
        _confirm(args, f"Disconnect {name} from the legacy store?")
    print(operator.render_disconnection(_operate(args, operator.disconnect(settings, name))))
    return 0


def _cmd_users_list(args: argparse.Namespace) -> int:
    """users list, and users search QUERY."""
    settings = _operator_settings(args)
    try:
        query = parse_user_query(getattr(args, "query", None))
    except QueryError as exc:
        args.parser.error(str(exc))
    connection = None if args.connection is None else _connections(args, settings)[0]
    page = Page(offset=args.page * args.per_page, limit=args.per_page)
    found = _operate(args, operator.find_users(settings, query, page, connection))
    if args.json:
        print_json(found.as_json())
    else:
        print(operator.render_users(found), flush=True)
    return 0


def _cmd_users_show(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    user = _operate(args, operator.find_user(settings, operator.user_id(args.id)))
    if user is None:
        _no_user(args, settings)
    if args.json:
        print_json(user.as_auth0())
    else:
        print(operator.render_user(user), flush=True)
    return 0


def _cmd_users_delete(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    user_id = operator.user_id(args.id)
    _check_confirmable(args, "delete")
    user = _operate(args, operator.find_user(settings, user_id))
    if user is None:
        _no_user(args, settings)
    print(operator.render_user_row(user), end="\n\n", flush=True)
    _confirm(args, f"Delete {user_id} of the connection {user.connection}?")
    deletion = _operate(args, operator.delete_user(settings, user_id))
    if deletion is None:
        _no_user(args, settings)
    print(operator.render_deletion(deletion), flush=True)
    return 0


def _operator_settings(args: argparse.Namespace) -> Settings:
    """The settings, loaded as serve loads them; an unusable configuration exits 2."""
    command: argparse.ArgumentParser = args.parser
    try:
        settings = load_settings(args.config, os.environ)
    except SettingsError as exc:
        command.exit(2, f"{command.prog}: {exc}\n")
    if ensure_embedded_demo(settings):
        print(f"{command.prog}: built the demo legacy store", file=sys.stderr)
    return settings


def _operate(args: argparse.Namespace, work: Coroutine[Any, Any, T]) -> T:
    """Run an operator command's work; a script that does not parse, or a query value that
    does not suit its field, is a usage problem (exit 2)."""
    command: argparse.ArgumentParser = args.parser
    try:
        return loop.run(work)
    except SettingsError as exc:
        command.exit(2, f"{command.prog}: {exc}\n")
    except QueryError as exc:
        command.error(str(exc))


def _connections(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The connection --connection names (exit 1 when there is none), else all of them."""
    names = [connection.name for connection in settings.connections]
    if args.connection is None:
        return names
    if args.connection not in names:
        command: argparse.ArgumentParser = args.parser
        command.exit(
            _NOT_DONE,
            f"{command.prog}: no connection is named {args.connection!r}; "
            f"{settings.source} has: {', '.join(names)}\n",
        )
    return [args.connection]


def _no_user(args: argparse.Namespace, settings: Settings) -> NoReturn:
    command: argparse.ArgumentParser = args.parser
    command.exit(
        _NOT_DONE,
        f"{command.prog}: no user has the id {operator.user_id(args.id)!r} in the store "
        f"{settings.store.path}\n",
    )


def _check_confirmable(args: argparse.Namespace, verb: str) -> None:
    """Without --yes, the question needs a terminal to be answered on (else exit 2)."""
    if not args.yes and not sys.stdin.isatty():
        args.parser.error(f"stdin is not a terminal to confirm on; pass --yes to {verb} anyway")


def _confirm(args: argparse.Namespace, question: str) -> None:
    """Return when --yes was given or the operator answers y; otherwise exit 1."""
    if args.yes:
        return
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        command: argparse.ArgumentParser = args.parser
        command.exit(_NOT_DONE, f"{command.prog}: nothing done\n")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
