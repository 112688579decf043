"""The ``nurture`` command: parses arguments, calls the library, prints.

Each sub-command lives in its own module of this package and registers itself through
``add_parser(subparsers)``; the module's ``run(args)`` returns the exit code. Exit codes:
0 ok, 1 an expectation or check failed, 2 bad input (one line on stderr, no traceback).

Only the module of the command being run is imported: a command module pulls in pandas,
SciPy or plotly at the top, and ``nurture --help`` must not pay for all of them. The other
commands appear as stubs carrying their one-line :data:`SUMMARIES` (a test checks each stub's
line is its module's own help text).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from sim.errors import InputError

#: Sub-command modules, in the order ``nurture --help`` lists them.
COMMANDS = (
    "run",
    "compare",
    "suite",
    "analyze",
    "power",
    "report",
    "demo",
    "crm",
    "optimize",
    "uncertainty",
    "sensitivity",
    "calibrate",
    "validate",
    "init",
)

#: Each command's one-line help, as its module's ``add_parser`` gives it. A command missing
#: here still works; ``nurture --help`` then imports its module to list it.
SUMMARIES = {
    "run": "simulate one strategy in a scenario",
    "compare": "compare strategies in a scenario: a verdict per arm against a control",
    "validate": "check scenario, strategy, suite, priors or space files; print resolved values",
    "init": "write a practice's scenario, strategies and suite to start from",
    "suite": "run experiment suites (exit 1 if an expectation fails)",
    "analyze": "compare arms of an A/B test from a CSV of per-lead outcomes",
    "power": "leads and months a two-arm conversion test needs",
    "report": "rebuild a run's HTML report",
    "demo": "run the seed-claims suite and print where the report is",
    "uncertainty": "probabilistic sensitivity analysis: P(best), CEAC, EVPI, EVPPI over the priors",
    "sensitivity": "global sensitivity (Morris, Sobol') of lift, patients per $1,000 and net "
    "benefit",
    "crm": "check a lead-event export, or convert a CRM's export into one",
    "calibrate": "calibrate a scenario to a practice's CRM export",
    "optimize": "find the best strategy in a search space (optuna search + KN selection)",
}


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already states it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or text == argparse.SUPPRESS or "default" in text:
            return text
        if action.required:
            return f"{text} (required)"
        if isinstance(action, argparse._StoreTrueAction):
            return f"{text} (default: off)"
        if isinstance(action, argparse._VersionAction):
            return text
        default = action.default
        if default is None or default == [] or default is argparse.SUPPRESS:
            return f"{text} (default: not set)"
        return f"{text} (default: {str(default).replace('%', '%%')})"


class _Parser(argparse.ArgumentParser):
    """argparse exits with code 2 on usage errors already; keep its message to one line."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # pragma: no cover - argparse path
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None, *, full: bool = True) -> argparse.ArgumentParser:
    """The ``nurture`` parser.

    Args:
        command: the sub-command about to run; its module is imported and registered in full.
        full: register every sub-command in full (imports them all); when False, the
            commands other than ``command`` are stubs with their summary line.
    """
    parser = _Parser(prog="nurture", description="Simulate and A/B-test lead-nurturing strategies.")
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        if full or name == command or name not in SUMMARIES:
            module = _command_module(name)
            if module is not None:
                module.add_parser(sub)
        else:
            sub.add_parser(name, help=SUMMARIES[name])
    return parser


def _command_module(name: str):
    try:
        return importlib.import_module(f"sim.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"sim.cli.{name}":
            return None  # command not available in this build
        raise


def _command_in(argv: list[str]) -> str | None:
    """The sub-command named in ``argv``: its first word that is not an option."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


class _Version(argparse.Action):
    """``--version``, looked up only when asked for (package metadata is slow to import)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.exit(message=f"{_version()}\n")


def _version() -> str:
    from sim.files import package_version

    return f"nurture-lab {package_version() or '(source tree)'}"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI cancel, ``timeout``): handled exactly like Ctrl-C, exit code 143."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _on_sigterm():
    """Turn SIGTERM into :class:`Terminated` in the main thread; the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nurture`` console script; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_in(argv), full=False)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    previous = _on_sigterm()
    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"nurture {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("nurture: terminated", file=sys.stderr)
        return 143  # 128 + SIGTERM, as a shell reports a process the signal ended
    except KeyboardInterrupt:
        print("nurture: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `nurture run ... | head`
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
