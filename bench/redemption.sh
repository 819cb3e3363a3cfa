#!/usr/bin/env bash
# Redemptions/s through Redemption → Claim → PostgreSQL against the thin baseline (one grpc-dotnet call, one
# conditional UPDATE on PostgreSQL), same load generator, same run; p50/p99, double redemptions.
# Usage: bash bench/redemption.sh   (knobs: VOUCHERS CONCURRENCY ROUNDS WARMUP; the warm-up redemptions are not measured;
# the defaults, 128 tills and five rounds of 6,000 redemptions, are the run the acceptance bar is read from; a round of
# 6,000 lasts about a second, where one of 1,500 lasted a quarter of one and its rate swung with the 128 tills' start
# and drain and any one pause: 0.29-0.35 round to round against 0.33-0.36, see BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load before: $(uptime)"
dotnet build bench/RedemptionBench -c Release -nologo -v quiet -clp:ErrorsOnly
# The process hosts the app host, three services and the load generator (some 60,000 methods). Tier-1 compilation
# waits for 100 ms without new tier-0 code before it counts calls, which under steady load it rarely sees, so the JIT
# was still compiling the redeem path in the measured rounds. Counting at once lets the warm-up finish the tiering;
# the bench then also waits for the JIT to go quiet before it measures.
DOTNET_TC_CallCountingDelayMs=0 dotnet bench/RedemptionBench/bin/Release/net10.0/RedemptionBench.dll --vouchers "${VOUCHERS:-6000}" \
  --concurrency "${CONCURRENCY:-128}" --rounds "${ROUNDS:-5}" --warmup "${WARMUP:-4000}" && status=0 || status=$?
echo "load after: $(uptime)"
exit $status
