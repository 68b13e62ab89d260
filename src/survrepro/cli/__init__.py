"""The ``survrepro`` command.

Each subcommand lives in its own module under :mod:`survrepro.cli` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function taking
the parsed arguments and returning an exit status. Modules are found automatically.

Any :class:`~survrepro.InputError` (a bad file, column, row or option value) is printed
as one sentence on one line of stderr with exit status 2 and no traceback; usage errors
from argparse also exit with 2. Quoted input in a message is cut to a short excerpt.
Ctrl-C ends a command with status 130 and one line. Sizes that cannot fit are refused up
front with the limit in the sentence: 10^6 patients (a trial, an arm, a risk table, a
register count), 10^6 simulated trials per hazard ratio and 10^9 simulated patients in
all, n at most 150 for Simon's search and 100000 for the single-stage search, numbers
in data files at most 10^9 in size, input files at most 256 MB. Everything the command prints passes through :class:`_SafeText`, which shows control
characters (an escape sequence in an arm label, say) as ``\\x1b``-style escapes instead
of sending them to the terminal.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
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


# C0 and C1 control characters but tab and newline, DEL, and the Unicode controls that
# reorder or hide text (bidirectional overrides and isolates, line and paragraph separators).
_CONTROL = [c for c in range(0x20) if c not in (0x09, 0x0A)] + list(range(0x7F, 0xA0)) + [
    0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _CONTROL}


def escape_controls(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``); tab and newline kept.

    Parameters
    ----------
    text : str
        Text bound for the terminal.

    Returns
    -------
    str

    Examples
    --------
    >>> escape_controls("arm \\x1b[31mA\\x07\\n")
    'arm \\\\x1b[31mA\\\\x07\\n'
    """
    return text.translate(_ESCAPES)


class _SafeText:
    """A text stream that escapes control characters before they reach the terminal.

    A carriage return at the start of a write (a progress line redrawing itself) is kept.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        if text.startswith("\r"):
            self._stream.write("\r" + escape_controls(text[1:]))
        else:
            self._stream.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


_LONG_QUOTE = re.compile(r"'([^'\n]{%d,})'" % 61)
_LONG_TOKEN = re.compile(r"\S{201,}")
#: Longest error message printed (characters); anything beyond is cut with an ellipsis.
MAX_MESSAGE = 600


def _cut_token(m) -> str:
    word = m.group(0)
    tail = word[len(word.rstrip(").,;:")):]
    word = word[: len(word) - len(tail)]
    return f"{word[:100]}... ({len(word)} characters){tail}"


def one_line(message: str) -> str:
    """An error message as one line: newlines folded, long quotes, words and messages cut.

    A quote longer than 60 characters keeps 57 and an ellipsis, a run of more than 200
    characters without a space (an unquoted header, say) keeps 100, and the message
    keeps at most :data:`MAX_MESSAGE` characters.

    Parameters
    ----------
    message : str
        The message of an :class:`InputError`.

    Returns
    -------
    str

    Examples
    --------
    >>> one_line("bad value\\n'" + "x" * 70 + "'; expected y.")
    "bad value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (70 characters); expected y."
    """
    message = " ".join(str(message).split())
    message = _LONG_QUOTE.sub(lambda m: f"'{m.group(1)[:57]}...' ({len(m.group(1))} characters)", message)
    message = _LONG_TOKEN.sub(_cut_token, message)
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def main(argv=None) -> int:
    """Run the ``survrepro`` command with ``argv`` (``sys.argv[1:]`` by default); return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name.

    Returns
    -------
    int
        0 on success, 1 when a target is missed or a search did not converge (as each
        subcommand documents), 2 on bad input.

    Examples
    --------
    >>> main(["audit", "no_such_study"])
    2
    """
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeText(out), _SafeText(err)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)  # --help, --version and usage errors exit here (status 0 or 2)
        try:
            status = args.func(args)
        except InputError as exc:
            print(f"survrepro {args.command}: {one_line(exc)}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # output piped into `head`
            return 0
        except KeyboardInterrupt:  # Ctrl-C: every output is written atomically, so nothing is half-written
            print(f"survrepro {args.command}: interrupted; no output was left half-written.", file=sys.stderr)
            return 130
        return int(status or 0)
    finally:
        sys.stdout, sys.stderr = out, err


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
