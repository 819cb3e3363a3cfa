#!/usr/bin/env bash
# Claim-script throughput: StackExchange.Redis (256 concurrent callers on one multiplexer) versus
# redis-benchmark (-P 16) running the same EVALSHA against the same fresh redis-server.
# StackExchange.Redis runs twice: "sha" calls EVALSHA with the SHA1 computed by the caller (what
# Claim.Service does), "text" hands it the script text and lets its own script cache pick EVALSHA.
# Usage: bash bench/redis-claim.sh [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
callers=256

for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run bash eng/install-prereqs.sh" >&2; exit 1; }
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
workdir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$workdir" \
  --logfile "$workdir/redis.log" --daemonize no &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$workdir"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done

dotnet build bench/RedisClaimBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
bench_dll=bench/RedisClaimBench/bin/Release/net10.0/RedisClaimBench.dll

reset_state() {
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" set stock 1000000000000000 >/dev/null
}

reset_state
sha=$(redis-cli -p "$port" script load "$(cat bench/RedisClaimBench/claim.lua)")
echo "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port, script sha $sha, $(nproc) cores"

run_ours() { # run_ours <mode>: prints the summary line, sets ours_ops and ours_cpu
  echo "--- StackExchange.Redis ($1): $callers callers, ${seconds}s"
  local output
  output=$(dotnet "$bench_dll" "127.0.0.1:$port" "$callers" "$seconds" 2 "$1")
  echo "$output" | grep -v '=' || true
  ours_ops=$(echo "$output" | sed -n 's/^ops_per_sec=//p')
  ours_cpu=$(echo "$output" | sed -n 's/^cpu_us_per_op=//p')
}

run_ours text
text=$ours_ops
text_cpu=$ours_cpu
reset_state
run_ours sha
ours=$ours_ops
ours_cpu=$ours_cpu

# Same number of operations as our run made in its measured window, so both run about as long.
requests=$(python3 -c "print(max(200000, int($ours * $seconds)))")
reset_state
redis-cli -p "$port" script load "$(cat bench/RedisClaimBench/claim.lua)" >/dev/null
echo "--- redis-benchmark: -c 50 -P 16 -n $requests"
theirs_csv=$(redis-benchmark -h 127.0.0.1 -p "$port" -c 50 -P 16 -n "$requests" -r 1000000 --csv \
  evalsha "$sha" 2 person:__rand_int__ stock round-1)
theirs=$(echo "$theirs_csv" | tail -n 1 | cut -d, -f2 | tr -d '"')
theirs=${theirs%.*}

echo "StackExchange.Redis sha  : $ours ops/s, $ours_cpu us CPU per op (client process)"
echo "StackExchange.Redis text : $text ops/s, $text_cpu us CPU per op (client process)"
echo "redis-benchmark -P 16    : $theirs ops/s"
python3 -c "print(f'ratio (sha / redis-benchmark -P 16): {$ours / $theirs:.2f}; (text / redis-benchmark -P 16): {$text / $theirs:.2f}')"
