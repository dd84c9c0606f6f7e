"""Benchmarks run by hand (``python -m benchmarks``), never as timed unit tests.

Each module measures one thing beside its anchor in the same run and returns `Row`s; the
README's "Benchmarks" section holds the latest table.
"""
