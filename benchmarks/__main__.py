"""``python -m benchmarks [--quick]``: run every benchmark and print one table.

Each benchmark runs in its own process (one QApplication and one event loop each, and no
leftover timers or threads from the one before); they report rows as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence

from benchmarks.common import Row
from benchmarks.table import render

MODULES = ["latency", "overhead", "stall", "start", "stream"]
# --- group (issue 15): a group of 20 accounts against one order, and the 429s ---------------
MODULES += ["group"]


def machine() -> str:
    """One line naming the machine: CPU model, cores, OS and Python."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores, {platform.platform(terse=True)}, "
            f"Python {platform.python_version()}")


def run(name: str, quick: bool) -> list[Row]:
    """Run `benchmarks.<name>` in a child process and parse its rows."""
    argv = [sys.executable, "-m", f"benchmarks.{name}", "--json", *(["--quick"] if quick else [])]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
    rows = [Row(**json.loads(line)) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not rows:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"benchmarks.{name} failed ({done.returncode}):\n{tail}")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default) and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("only", nargs="*", metavar="NAME",
                        help=f"run only these ({', '.join(MODULES)})")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(MODULES))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    rows: list[Row] = []
    failed = 0
    for name in args.only or MODULES:
        print(f"running {name}…", file=sys.stderr, flush=True)
        try:
            rows += run(name, args.quick)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print(error, file=sys.stderr)
            failed += 1
    print(render(rows))
    print(f"\nMachine: {machine()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
