"""Subcommands of ``survrepro``; each module exposes ``register(subparsers)``."""
