"""The ``survrepro`` command.

Each subcommand lives in its own module under :mod:`survrepro.cli` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function taking
the parsed arguments and returning an exit status. Modules are found automatically.

Any :class:`~survrepro.InputError` (a bad file, column, row or option value) is printed
as one sentence on stderr with exit status 2 and no traceback; usage errors from
argparse also exit with 2.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from survrepro import __version__
from survrepro.errors import InputError


class _Parser(argparse.ArgumentParser):
    """argparse with a one-sentence error and exit status 2."""

    def error(self, message):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: {message}.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="survrepro",
        description="Reproduce published survival analyses: analyse, reconstruct, synthesize, audit and report.",
    )
    parser.add_argument("--version", action="version", version=f"survrepro {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"survrepro.cli.{info.name}")
        module.register(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except InputError as exc:
        print(f"survrepro {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`
        return 0
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
