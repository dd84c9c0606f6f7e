"""The one results table, as Markdown (readable in a terminal, pasteable into the README)."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.common import Row

__all__ = ["render"]


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    text = f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 100 else (
        f"{value:.0f}")
    return f"{text} {unit}".strip()


def render(rows: Sequence[Row]) -> str:
    """A Markdown table with one line per row."""
    lines = ["| benchmark | metric | value | anchor | ratio | goal | met |",
             "|---|---|---:|---:|---:|---|:-:|"]
    for row in rows:
        met = "" if row.ok is None else ("yes" if row.ok else "**no**")
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        lines.append(f"| {row.benchmark} | {row.metric} | {_number(row.value, row.unit)} | "
                     f"{_number(row.anchor, row.unit)} | {ratio} | {row.goal} | {met} |")
    return "\n".join(lines)
