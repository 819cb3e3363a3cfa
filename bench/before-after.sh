#!/usr/bin/env bash
# Before/after in one run on this machine: checks <commit> out into a throw-away git worktree, builds its
# benchmarks and this tree's in Release, then alternates the two sides round by round —
#   (a) campaign snapshot reads: bench/CampaignSnapshotBench (h2load, then Grpc.Net.Client or whatever client
#       that commit had), and
#   (b) claims/s: bench/claim.sh (the Claim service as its own process, with Redis, PostgreSQL and Campaign),
# and prints every run, the medians and the median of the per-round after/before ratios.
# The machine is shared and its load drifts by the minute, so only ratios of runs made side by side mean
# anything; each run is printed with the 1-minute load average at its start.
# Usage: bash bench/before-after.sh <commit>
#   knobs: ROUNDS (2) SNAPSHOT_ARGS ("10 64 4": seconds, callers, connections)
#          REQUESTS (30000) CONCURRENCY (32) WARMUP_SECONDS (10) for claim.sh; ONLY (snapshot|claim, default both)
#          RUN_TIMEOUT (600 s per benchmark process) LOG_DIR (keep every run's full output there; default: dropped)
set -euo pipefail
cd "$(dirname "$0")/.."

commit=${1:?usage: bash bench/before-after.sh <commit>}
rounds=${ROUNDS:-2}
snapshot_args=${SNAPSHOT_ARGS:-10 64 4}
requests=${REQUESTS:-30000}
concurrency=${CONCURRENCY:-32}
warmup_seconds=${WARMUP_SECONDS:-10}
only=${ONLY:-}
run_timeout=${RUN_TIMEOUT:-600}

command -v h2load >/dev/null || { echo "missing h2load: run bash eng/install-prereqs.sh" >&2; exit 1; }

after_tree=$PWD
before_sha=$(git rev-parse --verify "$commit^{commit}")
after_sha=$(git rev-parse HEAD)
# The worktree lives under the system temp directory, never inside anyone's checkout, and is removed on any exit.
scratch=$(mktemp -d)
before_tree="$scratch/before"
results="$scratch/results.tsv"
cleanup() {
  git -C "$after_tree" worktree remove --force "$before_tree" 2>/dev/null || true
  # The full logs hold what the summary leaves out (CPU per claim by process, refusals, errors).
  if [[ -n ${LOG_DIR:-} ]]; then mkdir -p "$LOG_DIR" && cp "$scratch"/*.log "$scratch"/results.tsv "$LOG_DIR"/ 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
git worktree add --detach --quiet "$before_tree" "$before_sha"

echo "before: $(git log -1 --format='%h %s' "$before_sha" | cut -c1-100)" >&2
echo "after:  $(git log -1 --format='%h %s' "$after_sha" | cut -c1-100)$(git diff --quiet HEAD || echo ' (+ uncommitted changes)')" >&2

# Build everything before the first measurement so no compiler competes with a measured run
# (claim.sh's own build step is then an up-to-date check).
for tree in "$before_tree" "$after_tree"; do
  echo "building benchmarks in Release: $([[ $tree == "$before_tree" ]] && echo before || echo after)" >&2
  for project in bench/GrpcBench bench/ClaimBench bench/CampaignSnapshotBench; do
    (cd "$tree" && dotnet build "$project" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null)
  done
done

tree_of() { [[ $1 == before ]] && echo "$before_tree" || echo "$after_tree"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"; }  # round side metric value load

run_snapshot() { # run_snapshot <round> <side>
  local round=$1 side=$2 tree load log h2 client
  tree=$(tree_of "$side"); load=$(load1); log="$scratch/snapshot-$round-$side.log"
  # shellcheck disable=SC2086 # SNAPSHOT_ARGS is three separate arguments.
  if ! (cd "$tree" && timeout "$run_timeout" dotnet bench/CampaignSnapshotBench/bin/Release/net10.0/CampaignSnapshotBench.dll $snapshot_args) >"$log" 2>&1; then
    echo "round $round $side snapshot: FAILED (load $load)" >&2; tail -5 "$log" >&2; return 0
  fi
  if ! grep -q 'succeeded, 0 failed, 0 errored' "$log" || ! grep -q 'status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx' "$log"; then
    echo "round $round $side snapshot: h2load saw failed or non-2xx requests (not counted)" >&2; grep -E '^(requests|status codes):' "$log" >&2; return 0
  fi
  h2=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$log")
  client=$(sed -n 's/^GetCampaignSnapshot: .* = \([0-9]*\) calls\/s.*/\1/p' "$log")
  record "$round" "$side" "snapshot h2load calls/s" "$h2" "$load"
  record "$round" "$side" "snapshot client calls/s" "$client" "$load"
  echo "round $round $side snapshot: h2load $h2 calls/s, client $client calls/s (load $load)" >&2
}

run_claim() { # run_claim <round> <side>
  local round=$1 side=$2 tree load log result
  tree=$(tree_of "$side"); load=$(load1); log="$scratch/claim-$round-$side.log"
  if ! (cd "$tree" && REQUESTS=$requests CONCURRENCY=$concurrency WARMUP_SECONDS=$warmup_seconds \
        timeout "$run_timeout" bash bench/claim.sh) >"$log" 2>&1; then
    # claim.sh fails on errors, oversell, duplicates or missing vouchers: no figure from such a run counts.
    echo "round $round $side claim: FAILED (load $load)" >&2; tail -8 "$log" >&2; return 0
  fi
  result=$(grep '^RESULT claims_per_s=' "$log")
  local claims p99 soldout lag echo_rps
  claims=$(sed -n 's/.*claims_per_s=\([0-9.]*\).*/\1/p' <<<"$result")
  p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$result")
  soldout=$(sed -n 's/.*soldout_per_s=\([0-9.]*\).*/\1/p' <<<"$result")
  lag=$(sed -n 's/.*lag_ms=\([0-9.]*\).*/\1/p' <<<"$result")
  echo_rps=$(sed -n 's/^raw Kestrel echo .*: \([0-9.]*\) req\/s.*/\1/p' "$log")
  record "$round" "$side" "claims/s" "$claims" "$load"
  record "$round" "$side" "claim p99 ms" "$p99" "$load"
  record "$round" "$side" "sold-out answers/s" "$soldout" "$load"
  record "$round" "$side" "persistence lag ms" "$lag" "$load"
  record "$round" "$side" "raw echo req/s (that side's client)" "$echo_rps" "$load"
  echo "round $round $side claim: $claims claims/s, p99 $p99 ms, sold-out $soldout/s, lag $lag ms, echo $echo_rps req/s (load $load)" >&2
}

: >"$results"
for round in $(seq 1 "$rounds"); do
  # Alternate which side goes first so that neither always gets the cooler (or hotter) slot.
  if (( round % 2 )); then order=(before after); else order=(after before); fi
  if [[ $only != claim ]]; then for side in "${order[@]}"; do run_snapshot "$round" "$side"; done; fi
  if [[ $only != snapshot ]]; then for side in "${order[@]}"; do run_claim "$round" "$side"; done; fi
done

echo
echo "before $(git rev-parse --short "$before_sha") vs after $(git rev-parse --short "$after_sha"), $rounds round(s), order alternating;" \
  "snapshot: CampaignSnapshotBench $snapshot_args; claim: REQUESTS=$requests CONCURRENCY=$concurrency WARMUP_SECONDS=$warmup_seconds bash bench/claim.sh"
python3 - "$results" <<'EOF'
import sys, statistics
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
metrics = list(dict.fromkeys(r[2] for r in rows))
print(f"{'metric':38} {'before (runs)':>24} {'after (runs)':>24} {'after/before':>13}")
for metric in metrics:
    by = {}
    for rnd, side, m, value, load in rows:
        if m == metric and value:
            by.setdefault(int(rnd), {})[side] = float(value)
    ratios = [v["after"] / v["before"] for v in by.values() if "after" in v and "before" in v and v["before"]]
    fmt = lambda side: " / ".join(f"{v[side]:.0f}" if v[side] >= 100 else f"{v[side]:.1f}" for _, v in sorted(by.items()) if side in v)
    ratio = f"{statistics.median(ratios):.2f}" if ratios else "n/a"
    per_round = " (" + ", ".join(f"{r:.2f}" for r in ratios) + ")" if len(ratios) > 1 else ""
    print(f"{metric:38} {fmt('before'):>24} {fmt('after'):>24} {ratio:>13}{per_round}")
loads = sorted({float(r[4]) for r in rows})
if loads:
    print(f"1-min load average at the start of the runs: {loads[0]:.2f}-{loads[-1]:.2f}")
EOF
echo "machine: $(nproc) cores, load average (1/5/15 min) now $(cut -d' ' -f1-3 /proc/loadavg)"
