"""The ``scriptbridge`` command line; the only package that prints.

One function per command (``_cmd_try``, ``_cmd_bench``, ...), in a module per family of
commands whose ``add_commands`` registers them in :func:`build_parser`:

- :mod:`.scripts`: ``try`` and ``bench``. Options that describe one script invocation are
  declared once, in ``_add_invocation_arguments``, and turned into an ``_Invocation`` once, in
  ``_invocation``.
- :mod:`.service`: ``serve``.
- :mod:`.operators`: the operator commands (``migration ...``, ``users ...``), which leave
  their work and their tables to :mod:`scriptbridge.operator` and print what it returns.
- :mod:`.logs`: ``logs tail``, a client of a running service's log stream.
- :mod:`._parsing`: what they share in parsing, and the script's arguments after ``--``.
  A usage problem is reported on one line of stderr and exits 2.
- :mod:`._output`: JSON on stdout.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from scriptbridge import __version__
from scriptbridge.cli import logs, operators, scripts, service
from scriptbridge.cli._parsing import Parser, split_script_arguments, take_script_arguments
from scriptbridge.errors import ScriptbridgeError, ScriptParseError
from scriptbridge.logs import configure_logging

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: one subparser per command, each with its handler."""
    parser = Parser(
        prog="scriptbridge",
        description=(
            "Run Auth0 custom-database action scripts unchanged, in embedded V8, to migrate "
            "users off a legacy store."
        ),
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"scriptbridge {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )
    scripts.add_commands(commands)
    service.add_commands(commands)
    operators.add_commands(commands)
    logs.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse exits 0 on --help, 2 on misuse)."""
    parser = build_parser()
    # argparse (3.11) cannot take positionals both before and after options and "--", so the
    # script's arguments are collected here: after "--", and any left over before it.
    head, tail = split_script_arguments(sys.argv[1:] if argv is None else argv)
    args, extras = parser.parse_known_args(head)
    command: argparse.ArgumentParser = args.parser
    if extras or tail:
        take_script_arguments(args, extras, tail)
    # Library code logs with structlog; stdout belongs to the command's JSON.
    configure_logging(sys.stderr, level=getattr(args, "log_level", logging.NOTSET))
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ScriptParseError as exc:
        command.error(f"the script does not parse: {exc}")
    except ScriptbridgeError as exc:
        command.exit(1, f"{command.prog}: {' '.join(str(exc).splitlines())}\n")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head -1`): stop quietly, as Python's docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
