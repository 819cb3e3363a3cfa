#!/usr/bin/env bash
# Claim throughput through the Claim service process (Grpc.Net.Client -> h2c -> hot-path Lua script -> stream ->
# persister -> claimdb, with the Campaign service feeding snapshots) against the raw Kestrel echo baseline of
# bench/GrpcBench, measured in the same run with the same client concurrency. Prints both and the ratio.
# Usage: bash bench/claim.sh   (knobs: REQUESTS CONCURRENCY WARMUP (echo calls) WARMUP_SECONDS (claims))
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${REQUESTS:-50000}
concurrency=${CONCURRENCY:-64}
# The echo baseline is warmed as thoroughly as the claim path (100,000 calls is several seconds of steady state): a
# half-warm baseline (5,000 calls) measured 13-21k req/s against 41k warm, and would flatter the ratio 2-3 times.
warmup=${WARMUP:-100000}
warmup_seconds=${WARMUP_SECONDS:-15}

dotnet build bench/GrpcBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build bench/ClaimBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
echo_bench=(dotnet bench/GrpcBench/bin/Release/net10.0/GrpcBench.dll)
claim_bench=(dotnet bench/ClaimBench/bin/Release/net10.0/ClaimBench.dll)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
workdir=$(mktemp -d)
"${echo_bench[@]}" server --port "$port" >"$workdir/server.log" 2>&1 &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$workdir"; }
trap cleanup EXIT
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/server.log" >&2; exit 1; }
  sleep 0.1
done

read -r echo_rps echo_p50 echo_p99 <<<"$("${echo_bench[@]}" client --address "http://127.0.0.1:$port" --target raw \
  --requests "$requests" --concurrency "$concurrency" --payload 100 --warmup "$warmup" |
  sed -n 's/^RESULT .* rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\)$/\1 \2 \3/p')"
cleanup
trap - EXIT

"${claim_bench[@]}" --requests "$requests" --concurrency "$concurrency" --warmup-seconds "$warmup_seconds" | tee "$workdir.claim"
claims_rps=$(sed -n 's/^RESULT claims_per_s=\([0-9.]*\) .*/\1/p' "$workdir.claim")
rm -f "$workdir.claim"

echo
echo "raw Kestrel echo (Grpc.Net.Client, concurrency $concurrency): ${echo_rps} req/s  p50 ${echo_p50} ms  p99 ${echo_p99} ms"
awk -v c="$claims_rps" -v e="$echo_rps" 'BEGIN { printf "claims / echo baseline: %.2f\n", c / e }'
