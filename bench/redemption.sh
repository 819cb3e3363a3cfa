#!/usr/bin/env bash
# Redemptions/s through Redemption → Claim → PostgreSQL against the thin baseline (one grpc-dotnet call, one
# conditional UPDATE on PostgreSQL), same load generator, same run; p50/p99, double redemptions.
# Usage: bash bench/redemption.sh   (knobs: VOUCHERS CONCURRENCY ROUNDS WARMUP; the warm-up redemptions are not measured)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load before: $(uptime)"
dotnet build bench/RedemptionBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet bench/RedemptionBench/bin/Release/net10.0/RedemptionBench.dll --vouchers "${VOUCHERS:-1000}" \
  --concurrency "${CONCURRENCY:-16}" --rounds "${ROUNDS:-3}" --warmup "${WARMUP:-1000}" && status=0 || status=$?
echo "load after: $(uptime)"
exit $status
