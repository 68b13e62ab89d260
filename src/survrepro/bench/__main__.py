"""Run every benchmark: ``python -m survrepro.bench`` (``make bench``).

Each module is also runnable on its own. The exit status is non-zero when any
benchmark reports a missed target.
"""
import sys

from survrepro.bench import cli, corpus, digitize, extrapolate, kernels, logrank, reconstruct


def main() -> int:
    status = 0
    benchmarks = (("command-line start-up", cli), ("log-rank for simulated trials", logrank),
                  ("the synthesizer's Kaplan-Meier median and Cox fit", kernels),
                  ("KM reconstruction", reconstruct), ("consistency audit and synthesizer on a corpus of honest registers", corpus),
                  ("parametric extrapolation, six models", extrapolate),
                  ("reading KM figures (survrepro digitize)", digitize))
    for name, module in benchmarks:
        print(f"\n=== {name} ({module.__name__}) ===", flush=True)
        args = {corpus: ["--synthesize", "100", "--p-calibrated", "--units", "32"], extrapolate: [], digitize: []}
        status |= int((module.main(args[module]) if module in args else module.main()) or 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
