"""The one exception the library raises for a bad input, and how the boundary names the file.

The library states facts ("assumption 'hr' refers to 'x:y', which the register does not
hold."); the code that opened the file (io, the command line, an exhibit script) adds
which file it was with :func:`in_file`. Kept free of imports so that the command line can
catch the error without loading numpy, pandas, scipy or matplotlib.
"""
from __future__ import annotations

from contextlib import contextmanager

__all__ = ["InputError", "in_file"]


class InputError(ValueError):
    """A bad input (file, column, row or option value), described in one sentence."""


@contextmanager
def in_file(path):
    """Prefix ``path`` to the message of any :class:`InputError` raised inside the block.

    Parameters
    ----------
    path : str or os.PathLike
        The file the data inside the block came from.

    Yields
    ------
    None
        The block runs; an :class:`InputError` leaving it names ``path`` first.

    Examples
    --------
    >>> try:
    ...     with in_file("data/designs/trial.toml"):
    ...         raise InputError("assumption 'hr' has no value.")
    ... except InputError as exc:
    ...     print(exc)
    data/designs/trial.toml: assumption 'hr' has no value.
    """
    try:
        yield
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
