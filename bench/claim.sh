#!/usr/bin/env bash
# Claim throughput through the Claim service process (Grpc.Net.Client -> h2c -> hot-path Lua script -> stream ->
# persister -> claimdb, with the Campaign service feeding snapshots) against the thin-claim baseline (bench/ThinClaim:
# one unary call, one EVALSHA of SADD + DECR on a redis-server with the same settings), measured in the same run by the
# same load generator with the same number of distinct users and the same concurrency.
# The baseline also runs a second time on the service defaults every service must use (token on every call,
# interceptors), which shows the floor the platform itself sets.
# Prints granted claims/s and sold-out answers/s each ÷ the baseline, p50/p99/p999, CPU per claim by process, Redis
# commands per claim (INFO commandstats), persistence lag, oversell / duplicates / missing.
# Usage: bash bench/claim.sh   (knobs: REQUESTS CONCURRENCY WARMUP_SECONDS CONNECTIONS)
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${REQUESTS:-50000}
concurrency=${CONCURRENCY:-32}
warmup_seconds=${WARMUP_SECONDS:-15}
connections=${CONNECTIONS:-1}

echo "load before: $(uptime)"
dotnet build bench/ClaimBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet bench/ClaimBench/bin/Release/net10.0/ClaimBench.dll --requests "$requests" --concurrency "$concurrency" \
  --warmup-seconds "$warmup_seconds" --connections "$connections" && status=0 || status=$?
echo "load after: $(uptime)"
exit $status
