#!/usr/bin/env bash
# The generator benchmark of issue 6: `seedwork new`, a no-op `seedwork generate` and
# `seedwork check` on synthetic specs of 10, 100 and 1,000 aggregates (time and peak memory,
# RUNS runs each), where `new` spends its time, what a one-line spec change rewrites, and a
# clean debug `cargo build` of the generated 10- and 100-aggregate projects (BUILD_RUNS runs,
# each with an empty target directory of its own).
#
#   benches/generator/run.sh                                   # everything (about 2 h here)
#   benches/generator/run.sh --only generator,phases,changes   # without the cargo builds
#   RUNS=1 benches/generator/run.sh --sizes 10,100 --build-sizes ''   # a quick look
#
# Builds the CLI in release mode (CARGO_TARGET_DIR, else <repo>/target), writes the specs
# with synthetic.py, and writes report.md, results.json and the cargo timing reports to
# benches/generator/results/<time>/. Options go to measure.py (--sizes, --runs, --build-sizes,
# --build-runs, --only, --work).
set -eo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}

cargo build --release -p seedwork-cli --manifest-path "$repo/Cargo.toml"
results=$here/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$results"
python3 "$here/measure.py" --seedwork "$target/release/seedwork" --runtime "$repo/runtime" \
  --runs "${RUNS:-5}" --build-runs "${BUILD_RUNS:-3}" --out "$results" "$@"
echo "results in $results" >&2
