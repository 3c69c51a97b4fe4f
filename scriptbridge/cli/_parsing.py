"""What the commands share in parsing their command line: a parser that reports a usage problem
on one line of stderr and exits 2, the registration of a command with its help, the argument
types, and the script's arguments, which argparse cannot take after ``--`` by itself."""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, NoReturn

from scriptbridge.engine import ARGUMENTS, KINDS, ScriptKind

#: Metavariables of the kinds' arguments where the argument's name alone would mislead.
_METAVARS: Final[Mapping[str, str]] = {"user": "USER_JSON"}


def metavars(kind: ScriptKind) -> list[str]:
    return [_METAVARS.get(name, name.upper()) for name in ARGUMENTS[kind]]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports a usage problem on one line of stderr and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {' '.join(message.splitlines())}\n")


def add_command(
    commands: argparse._SubParsersAction[Parser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    summary: str,
    description: str,
    example: str,
    script_kinds: bool = True,
) -> argparse.ArgumentParser:
    """A command; ``script_kinds`` lists each kind's arguments in its help."""
    epilog = _KINDS_EPILOG if script_kinds else "example:\n  {example}"
    parser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=78),
        epilog=epilog.format(example=example),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.set_defaults(handler=handler, parser=parser)
    return parser


_KINDS_EPILOG: Final = (
    "arguments by kind:\n"
    + "".join(f"  {kind:<16} {' '.join(metavars(kind))}\n" for kind in KINDS)
    + "  USER_JSON is a JSON object; VERIFIED is true or false.\n\n"
    "example:\n  {example}"
)


# -- argument types --------------------------------------------------------------------------


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, not {json_type(value)}")
    return value


def whole_number(minimum: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number of at least {minimum}, got {text!r}"
            )
        return value

    return convert


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def existing_directory(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        why = "is not a directory" if path.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"{text} {why}")
    return path


def json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


# -- the script's arguments ------------------------------------------------------------------


def split_script_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split at the first ``--``: what follows is the script's arguments, verbatim."""
    if "--" not in argv:
        return argv, []
    at = argv.index("--")
    return argv[:at], argv[at + 1 :]


def take_script_arguments(args: argparse.Namespace, extras: list[str], tail: list[str]) -> None:
    """Add what argparse left over, and what follows ``--``, to the script's arguments."""
    takes = hasattr(args, "script_args")
    unknown = [text for text in extras if text.startswith("-")] if takes else extras + tail
    if unknown:
        hint = "; put the script's arguments after --" if takes else ""
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    args.script_args = [*args.script_args, *extras, *tail]
