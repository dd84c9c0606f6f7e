"""Start, whole processes, ticket and floor alternating so both see the same machine:

- window painted: spawn of ``python -m benchmarks.paint_probe ticket|floor`` to the line the
  child prints once the first paint pass of a top-level window has ended (the ticket's is the
  real `TicketWindow`, painted before its ticket is attached; see `benchmarks.paint_probe`);
- accounts shown: spawn of ``python -m ct_ticket --demo --screenshot`` (offscreen) to its exit,
  after the first load showed the accounts and the window was saved to a PNG, against the floor
  ``python -m benchmarks.floor_window`` (a bare window that saves itself to a PNG and exits);
- peak memory: the peak RSS (``wait4``) of those two processes.

Value and anchor are the medians of the ticket's and the floor's runs; the ratio is the median
of the per-pair ratios (each ticket run over the floor run that followed it).

Every child runs on written bytecode, as an installed wheel or the frozen build does: the
warm-up runs write it to a scratch folder (``PYTHONPYCACHEPREFIX``), for both alike.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import Row, args_for, median, print_rows

__all__ = ["main", "measure", "run_once"]

TIME_GOAL = 2.0
PAINT_GOAL = 1.5
MEMORY_GOAL = 1.6


def run_to_paint(argv: list[str], env: dict[str, str]) -> float:
    """Spawn a `benchmarks.paint_probe` child; wall seconds until it says it painted."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - started
    child.wait()
    if line.strip() != "painted":
        raise RuntimeError(f"{' '.join(argv)} did not paint")
    return elapsed


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one child to completion: (wall seconds, peak RSS in MB) of that child alone."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    # wait4, not RUSAGE_CHILDREN: the latter is the maximum over every child so far.
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def measure(runs: int) -> list[Row]:
    """`runs` ticket starts and `runs` floor starts, alternating; medians and ratios."""
    with tempfile.TemporaryDirectory(prefix="ct-bench-start-") as scratch:
        folder = Path(scratch)
        # Keep the trader's own settings and logs out of it: Qt and the log go to XDG folders.
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "XDG_CONFIG_HOME": str(folder / "config"), "XDG_STATE_HOME": str(folder / "state"),
               "XDG_CACHE_HOME": str(folder / "cache"), "XDG_DATA_HOME": str(folder / "data"),
               # Bytecode as an installed wheel or the frozen build has it: the warm-up runs
               # write it (to a scratch folder, for both processes alike), later runs read it.
               "PYTHONPYCACHEPREFIX": str(folder / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ticket = [sys.executable, "-m", "ct_ticket", "--demo", "--screenshot",
                  str(folder / "ticket.png")]
        floor = [sys.executable, "-m", "benchmarks.floor_window", str(folder / "floor.png")]
        paint = [sys.executable, "-m", "benchmarks.paint_probe"]
        # One of each first, so the page cache and the bytecode cache are warm for both.
        run_once(ticket, env)
        run_once(floor, env)
        run_to_paint([*paint, "ticket"], env)
        run_to_paint([*paint, "floor"], env)
        ticket_runs, floor_runs = [], []
        ticket_paint, floor_paint = [], []
        for _ in range(runs):
            ticket_runs.append(run_once(ticket, env))
            floor_runs.append(run_once(floor, env))
            ticket_paint.append(run_to_paint([*paint, "ticket"], env))
            floor_paint.append(run_to_paint([*paint, "floor"], env))
    t_time, f_time = median([r[0] for r in ticket_runs]), median([r[0] for r in floor_runs])
    t_mem, f_mem = median([r[1] for r in ticket_runs]), median([r[1] for r in floor_runs])
    t_paint, f_paint = median(ticket_paint), median(floor_paint)
    # Each ratio is the median of the runs' own ratios (a ticket run over the floor run right
    # after it): a pair sees the same moment of a shared machine, so a slow spell cancels out.
    paint = median([t / f for t, f in zip(ticket_paint, floor_paint, strict=True)])
    time_ = median([t[0] / f[0] for t, f in zip(ticket_runs, floor_runs, strict=True)])
    memory = median([t[1] / f[1] for t, f in zip(ticket_runs, floor_runs, strict=True)])
    return [
        Row("start", f"wall time to window painted, --demo (median of {runs})", t_paint * 1000,
            "ms", f_paint * 1000, paint, f"<= {PAINT_GOAL}x floor", paint <= PAINT_GOAL),
        Row("start", f"wall time to accounts shown (median of {runs})", t_time * 1000, "ms",
            f_time * 1000, time_, f"<= {TIME_GOAL}x floor", time_ <= TIME_GOAL),
        Row("start", f"peak memory (median of {runs})", t_mem, "MB", f_mem, memory,
            f"<= {MEMORY_GOAL}x floor", memory <= MEMORY_GOAL),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.start [--quick] [--json]``."""
    args = args_for(__doc__ or "", argv)
    print_rows(measure(5 if args.quick else 21), args.json)


if __name__ == "__main__":
    main()
