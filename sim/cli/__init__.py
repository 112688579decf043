"""The ``nurture`` command: parses arguments, calls the library, prints.

Each sub-command lives in its own module of this package and registers itself through
``add_parser(subparsers)``; the module's ``run(args)`` returns the exit code. Exit codes:
0 ok, 1 an expectation or check failed, 2 bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim.errors import InputError

#: Sub-command modules, in the order ``nurture --help`` lists them.
COMMANDS = ("run", "compare", "suite", "analyze", "power", "report", "demo", "crm")


class _Parser(argparse.ArgumentParser):
    """argparse exits with code 2 on usage errors already; keep its message to one line."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse path
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nurture", description="Simulate and A/B-test lead-nurturing strategies.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"sim.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"sim.cli.{name}":
                continue  # command not available in this build
            raise
        module.add_parser(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"nurture-lab {version('nurture-lab')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "nurture-lab (source tree)"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nurture`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"nurture {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nurture: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `nurture run ... | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
