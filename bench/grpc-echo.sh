#!/usr/bin/env bash
# Unary echo: (a) a raw Kestrel endpoint that frames the reply by hand versus (b) a grpc-dotnet service
# (Grpc.AspNetCore, MapGrpcService<T>), both on the same h2c server, driven by h2load with the same framed
# request; then Grpc.Net.Client against both. Prints one table with the (b)/(a) ratios.
# Usage: bash bench/grpc-echo.sh   (knobs: REQUESTS CLIENTS STREAMS WARMUP ROUNDS PAYLOAD
#                                   CLIENT_REQUESTS CLIENT_CONCURRENCY)
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${REQUESTS:-200000}
clients=${CLIENTS:-16}
streams=${STREAMS:-32}
# 200,000 warm-up calls per target: at 80-150k req/s, 30,000 calls were over in well under a second, before the
# tiered JIT (starved of CPU when others build) had recompiled the hot paths — the first measured round then ran
# at a third to a half of the later ones and always hit the target that goes first (raw).
warmup=${WARMUP:-200000}
rounds=${ROUNDS:-6}
payload=${PAYLOAD:-100}
client_requests=${CLIENT_REQUESTS:-100000}
client_concurrency=${CLIENT_CONCURRENCY:-64}

command -v h2load >/dev/null || { echo "missing h2load: run bash eng/install-prereqs.sh" >&2; exit 1; }

dotnet build bench/GrpcBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
bench=(dotnet bench/GrpcBench/bin/Release/net10.0/GrpcBench.dll)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
workdir=$(mktemp -d)
"${bench[@]}" frame --payload "$payload" --out "$workdir/request.bin"
"${bench[@]}" server --port "$port" >"$workdir/server.log" 2>&1 &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$workdir"; }
trap cleanup EXIT

for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/server.log" >&2; exit 1; }
  sleep 0.1
done

declare -A path
path[raw]=$("${bench[@]}" path raw)
path[grpc]=$("${bench[@]}" path grpc)

# h2load one target; prints "rps p50_ms p99_ms" and fails on any failed or non-200 request.
h2load_run() {
  local target=$1 count=$2 log="$workdir/h2load-$1.log" out
  out=$(h2load -n "$count" -c "$clients" -m "$streams" -t 1 -d "$workdir/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' --log-file="$log" \
    "http://127.0.0.1:$port${path[$target]}")
  if ! grep -q " $count succeeded, 0 failed, 0 errored" <<<"$out"; then
    echo "h2load against $target had failures:" >&2; echo "$out" >&2; exit 1
  fi
  local rps percentiles
  rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
  percentiles=$("${bench[@]}" percentiles "$log")
  grep -q 'not_200=0' <<<"$percentiles" || { echo "non-200 replies from $target: $percentiles" >&2; exit 1; }
  awk -v rps="$rps" '{ sub("p50_ms=", "", $1); sub("p99_ms=", "", $2); print rps, $1, $2 }' <<<"$percentiles"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Other engineers build on the same two cores: the load average goes into the output so every figure
# carries the conditions it was measured under.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "warm-up: $warmup requests per target" >&2
h2load_run raw "$warmup" >/dev/null
h2load_run grpc "$warmup" >/dev/null

# Paired rounds: the machine's background load drifts, so each round's (b)/(a) ratio compares two
# back-to-back runs, and the reported ratio is the median of those per-round ratios.
raw_rows=""; grpc_rows=""; ratio_rows=""
for round in $(seq 1 "$rounds"); do
  # Alternate the order so neither side always runs second.
  if (( round % 2 )); then order=(raw grpc); else order=(grpc raw); fi
  declare -A line=()
  for target in "${order[@]}"; do
    line[$target]=$(h2load_run "$target" "$requests")
    echo "round $round $target: rps p50_ms p99_ms = ${line[$target]}" >&2
  done
  raw_rows+="${line[raw]}"$'\n'
  grpc_rows+="${line[grpc]}"$'\n'
  ratio_rows+=$(awk -v a="${line[raw]}" -v b="${line[grpc]}" \
    'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.4f %.4f %.4f", y[1] / x[1], y[2] / x[2], y[3] / x[3] }')$'\n'
done

column_median() { printf '%s' "$1" | awk -v c="$2" 'NF { print $c }' | median; }
for column in 1 2 3; do
  printf -v "h2_raw_${column}" '%s' "$(column_median "$raw_rows" "$column")"
  printf -v "h2_grpc_${column}" '%s' "$(column_median "$grpc_rows" "$column")"
  printf -v "h2_ratio_${column}" '%.2f' "$(column_median "$ratio_rows" "$column")"
done

client_line() {
  "${bench[@]}" client --address "http://127.0.0.1:$port" --target "$1" --requests "$client_requests" \
    --concurrency "$client_concurrency" --payload "$payload" --warmup 10000 |
    sed -n 's/^RESULT .* rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\)$/\1 \2 \3/p'
}
read -r cl_raw_rps cl_raw_p50 cl_raw_p99 <<<"$(client_line raw)"
read -r cl_grpc_rps cl_grpc_p50 cl_grpc_p99 <<<"$(client_line grpc)"

ratio() { awk -v b="$1" -v a="$2" 'BEGIN { printf "%.2f", b / a }'; }

echo
echo "unary echo, ${payload}-byte payload, 127.0.0.1 h2c; h2load -n $requests -c $clients -m $streams (medians of $rounds paired rounds)"
printf '%-34s %12s %10s %10s\n' "driver / server" "req/s" "p50 ms" "p99 ms"
printf '%-34s %12s %10s %10s\n' "h2load -> (a) raw Kestrel" "$h2_raw_1" "$h2_raw_2" "$h2_raw_3"
printf '%-34s %12s %10s %10s\n' "h2load -> (b) grpc-dotnet" "$h2_grpc_1" "$h2_grpc_2" "$h2_grpc_3"
printf '%-34s %12s %10s %10s\n' "ratio (b)/(a), median of rounds" "$h2_ratio_1" "$h2_ratio_2" "$h2_ratio_3"
printf '%-34s %12s %10s %10s\n' "Grpc.Net.Client -> (a) raw" "$cl_raw_rps" "$cl_raw_p50" "$cl_raw_p99"
printf '%-34s %12s %10s %10s\n' "Grpc.Net.Client -> (b) grpc-dotnet" "$cl_grpc_rps" "$cl_grpc_p50" "$cl_grpc_p99"
printf '%-34s %12s %10s %10s\n' "ratio (b)/(a)" "$(ratio "$cl_grpc_rps" "$cl_raw_rps")" "$(ratio "$cl_grpc_p50" "$cl_raw_p50")" "$(ratio "$cl_grpc_p99" "$cl_raw_p99")"
echo "(client: $client_requests calls, $client_concurrency concurrent callers on one GrpcChannel, 10,000-call warm-up)"
echo "machine: $(nproc) cores, load average (1/5/15 min) $load_before before / $(cut -d' ' -f1-3 /proc/loadavg) after"
