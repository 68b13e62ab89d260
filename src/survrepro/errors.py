"""The one exception the library raises for a bad input.

Kept free of imports so that the command line can catch it without loading numpy,
pandas, scipy or matplotlib.
"""
from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """A bad input (file, column, row or option value), described in one sentence."""
