#!/usr/bin/env bash
# The runtime benchmark of issue 6: Seedwork against cqrs-es 0.5 on one fixed-seed bank
# workload, side by side in one run, every side checked against a model of the workload.
#
#   benches/runtime/run.sh                 # 3 runs of everything, then their summary
#   RUNS=1 benches/runtime/run.sh --scenarios s1 --accounts 100   # options go to the harness
#
# Starts a throwaway PostgreSQL (scripts/postgres.sh) unless SEEDWORK_TEST_POSTGRES_URL is
# set; builds the harness in release mode (its own workspace and target dir, so the
# repository's normal build never compiles cqrs-es); alternates which side goes first from
# one run to the next; writes each run's report and JSON, and the summary, to
# benches/runtime/results/<time>/ and prints the summary. Exits non-zero when a correctness
# check failed in any run.
set -eo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=${RUNS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/target}

cargo build --release --manifest-path "$here/Cargo.toml"
bin=$CARGO_TARGET_DIR/release/seedwork-runtime-bench

if [ -z "${SEEDWORK_TEST_POSTGRES_URL:-}" ]; then
  # shellcheck source=../../scripts/postgres.sh
  . "$repo/scripts/postgres.sh"
fi

results=$here/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$results"
status=0
for i in $(seq 1 "$runs"); do
  order=()
  [ $((i % 2)) -eq 0 ] && order=(--swap)
  echo "== run $i of $runs ==" >&2
  "$bin" --json "$results/run-$i.json" "${order[@]}" "$@" >"$results/run-$i.md" || status=1
done
"$bin" summarize "$results"/run-*.json | tee "$results/summary.md" || status=1
echo "results in $results" >&2
exit $status
