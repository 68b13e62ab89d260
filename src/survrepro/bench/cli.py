"""Benchmark: start-up time of ``survrepro --help`` as a ratio to a bare Python start.

Times, as medians of repeated runs of fresh processes,

* ``python -c pass``, the interpreter alone (the unit);
* ``survrepro --help``, the console script (``python -m survrepro`` when the script is not
  installed beside the interpreter), which parses the command line and imports each
  command's module but no scientific library until a command runs (goal: at most 20 x the
  bare start);
* ``survrepro COMMAND --help`` for every command, for information;

and checks in a fresh process that ``import survrepro.cli`` loads none of numpy, scipy,
pandas and matplotlib. Run with ``python -m survrepro.bench.cli``.
"""
from __future__ import annotations

import argparse
import os
import pkgutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: ``survrepro --help`` may take at most this many bare Python starts.
GOAL_RATIO = 20.0
#: Libraries the command line must not import before a command runs.
HEAVY = ("numpy", "scipy", "pandas", "matplotlib")


def survrepro_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m survrepro``."""
    script = Path(sys.executable).with_name("survrepro")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "survrepro"]


def commands() -> list[str]:
    """The sub-commands of ``survrepro`` (one module each in :mod:`survrepro.cli`)."""
    import survrepro.cli

    return sorted(m.name for m in pkgutil.iter_modules(survrepro.cli.__path__) if not m.name.startswith("_"))


def median_time(argv: list[str], repeats: int) -> float:
    """Median wall time in seconds of ``repeats`` runs of ``argv`` (output discarded; must exit 0)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heavy_imports() -> list[str]:
    """Which of :data:`HEAVY` a fresh ``import survrepro.cli`` loads."""
    code = f"import sys, survrepro.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return out.split()


def run(repeats: int = 15, each_command: bool = True) -> dict:
    """Time the bare start, ``survrepro --help`` and each command's ``--help``; return the numbers."""
    cli = survrepro_command()
    subprocess.run([*cli, "--help"], check=True, stdout=subprocess.DEVNULL)  # warm the file cache
    bare = median_time([sys.executable, "-c", "pass"], repeats)
    top = median_time([*cli, "--help"], repeats)
    sub = {c: median_time([*cli, c, "--help"], repeats) for c in commands()} if each_command else {}
    return {
        "repeats": repeats,
        "command": " ".join(cli),
        "python_s": bare,
        "help_s": top,
        "ratio": top / bare,
        "commands_s": sub,
        "heavy_imports": heavy_imports(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m survrepro.bench.cli", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-commands", action="store_true", help="time only the top-level --help")
    args = parser.parse_args(argv)
    r = run(args.repeats, not args.no_commands)
    print(f"command-line start-up (medians of {r['repeats']} fresh processes; {r['command']})")
    print(f"  python -c pass                           {r['python_s'] * 1e3:8.1f} ms")
    print(f"  survrepro --help                         {r['help_s'] * 1e3:8.1f} ms   "
          f"{r['ratio']:5.1f} x python   (target <= {GOAL_RATIO:g} x)")
    for name, seconds in r["commands_s"].items():
        print(f"  survrepro {name + ' --help':<30} {seconds * 1e3:8.1f} ms   {seconds / r['python_s']:5.1f} x python")
    heavy = r["heavy_imports"]
    print(f"  import survrepro.cli loads               {', '.join(heavy) if heavy else 'none of ' + ', '.join(HEAVY)}")
    ok = r["ratio"] <= GOAL_RATIO and not heavy
    print("  all targets met" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
