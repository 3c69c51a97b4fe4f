"""``scriptbridge serve``: run the migration service until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from scriptbridge import app, loop
from scriptbridge.cli._parsing import Parser, add_command, whole_number
from scriptbridge.demo import ensure_embedded_demo
from scriptbridge.errors import ScriptbridgeError, SettingsError
from scriptbridge.settings import load_settings, with_overrides


def add_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    """serve."""
    serve_parser = add_command(
        commands,
        "serve",
        _cmd_serve,
        summary="run the migration service (Auth0's Authentication API over your scripts)",
        description=(
            "Run the migration service: users of the legacy store move into scriptbridge's "
            "store the first time they log in, sign up or reset their password, through the "
            "connections' action scripts. Prints the URL it listens on, then serves until "
            "SIGINT or SIGTERM, when it lets requests in flight finish and closes the store. "
            "Without --config it runs the embedded demo: the store ./scriptbridge.db, and a "
            "demo legacy store ./legacy-demo.db read by scripts/login.js and "
            "scripts/get_user.js. Exit status: 0 after a clean shutdown, 2 for an unusable "
            "configuration or script, 1 when it cannot listen."
        ),
        example="scriptbridge serve --config scriptbridge.toml --port 8080",
        script_kinds=False,
    )
    serve_parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the TOML settings file (default: the embedded demo configuration)",
    )
    serve_parser.add_argument(
        "--host", metavar="H", help="address to listen on (default: [server] host, 127.0.0.1)"
    )
    serve_parser.add_argument(
        "--port",
        type=whole_number(0),
        metavar="P",
        help="port to listen on; 0 picks a free one (default: [server] port, 8080)",
    )


def _cmd_serve(args: argparse.Namespace) -> int:
    command: argparse.ArgumentParser = args.parser
    try:
        settings = with_overrides(
            load_settings(args.config, os.environ), host=args.host, port=args.port
        )
        if ensure_embedded_demo(settings):
            print("scriptbridge serve: built the demo legacy store", file=sys.stderr)
        loop.run(app.serve(settings, lambda url: print(url, flush=True)))
    except SettingsError as exc:
        command.exit(2, f"{command.prog}: {exc}\n")
    except ScriptbridgeError:
        raise
    except OSError as exc:
        command.exit(1, f"{command.prog}: cannot listen: {exc.strerror or exc}\n")
    return 0
