"""``possync``: headless commands over the same facade the window uses (DESIGN.md §2, §9).

Every error a user can cause (a :class:`PossyncError`) ends the command with one line,
``possync: error: <message>``, and exit status 1; ``--debug`` adds the traceback. Usage
mistakes exit with 2, as argparse does. Listings print aligned columns, or JSON with
``--json``.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

from possync_gui.cli.commands import Command
from possync_gui.cli.parser import build_parser
from possync_gui.domain.errors import PossyncError

__all__ = ["build_parser", "main"]


def _setup_logging(debug: bool) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.DEBUG if debug else logging.WARNING,
            format="possync: %(levelname)s: %(name)s: %(message)s",
        )


def _run(cmd: Command) -> int:
    """Run the command, turning known errors into one line on stderr."""
    try:
        return int(cmd.args.handler(cmd))
    except PossyncError as err:
        if cmd.args.debug:
            traceback.print_exc()
        message = " ".join(str(err).splitlines())  # one line, whatever the source wrote
        print(f"possync: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("possync: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `possync stock | head`: the reader left, which is fine
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as err:
        if cmd.args.debug:
            raise
        print(
            f"possync: internal error: {type(err).__name__}: {err} "
            "(run again with --debug for the details)",
            file=sys.stderr,
        )
        return 1
    finally:
        cmd.close()


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 error, 2 usage; `sync` has its own)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, usage errors
        return done.code if isinstance(done.code, int) else 2
    if args.handler is None:
        parser.print_help(sys.stderr)
        return 2
    _setup_logging(args.debug)
    return _run(Command(args))
