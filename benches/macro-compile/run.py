#!/usr/bin/env python3
"""Compile-time cost of the macros: builds a crate of N macro-written aggregates and the same
crate written by hand, several times each, and prints median build times and their ratio.

    python3 benches/macro-compile/run.py [--aggregates 50] [--runs 5] [--full-runs 3]

Two measures per variant, both from a clean state:
- crate: `cargo clean -p <crate>` then `cargo build`; only the aggregates' crate is compiled
  (dependencies are already built). This is where the macros' cost shows.
- full: an empty target directory then `cargo build`; what a first build costs a user.
Run it on an otherwise idle machine: it measures wall-clock time.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent


def cargo(crate_dir: pathlib.Path, target: pathlib.Path, *args: str) -> None:
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", *args, "-q"], cwd=crate_dir, env=env, check=True)


def measure(work: pathlib.Path, crate: str, mode: str, runs: int) -> list[float]:
    crate_dir, target = work / crate, work / f"target-{crate}"
    cargo(crate_dir, target, "build")  # warm-up: dependencies built once
    times = []
    for _ in range(runs):
        if mode == "full":
            shutil.rmtree(target, ignore_errors=True)
        else:
            cargo(crate_dir, target, "clean", "-p", crate)
        start = time.perf_counter()
        cargo(crate_dir, target, "build")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aggregates", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-runs", type=int, default=3, help="0 skips the full builds")
    args = parser.parse_args()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{args.aggregates} aggregates, median of {args.runs} runs, {os.cpu_count()} cores, {rustc}")
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        subprocess.run([sys.executable, HERE / "generate.py", str(args.aggregates), str(work)], check=True)
        for mode, runs in [("crate", args.runs), ("full", args.full_runs)]:
            if runs == 0:
                continue
            macro = measure(work, "with-macros", mode, runs)
            hand = measure(work, "by-hand", mode, runs)
            m, h = statistics.median(macro), statistics.median(hand)
            print(
                f"{mode:5}  macros {m:6.2f}s ({min(macro):.2f}–{max(macro):.2f})"
                f"  by hand {h:6.2f}s ({min(hand):.2f}–{max(hand):.2f})  ratio {m / h:.2f}×",
                flush=True,
            )


if __name__ == "__main__":
    main()
