"""Benchmarks: medians of repeated runs, measured side by side.

Each module is runnable on its own, e.g. ``python -m survrepro.bench.reconstruct``.
"""
