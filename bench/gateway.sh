#!/usr/bin/env bash
# gRPC pass-through, one run: the same unary echo (bench/GrpcBench, grpc-dotnet, 100-byte payload) driven by h2load
# (a) direct, (b) through the gateway (YARP; JWT validated, rate limits on, limits set out of reach) and (c) through
# Debian's HAProxy 2.6 (two threads, proto h2 on both sides); beside them (d) bare YARP (bench/BareYarp: forwarding
# alone, the gateway's GC settings), which tells the gateway's own additions from the forwarding. Paired rounds in rotating order; prints medians and the
# gateway/HAProxy and HAProxy/direct ratios, and the CPU each process spent per call (/proc/<pid>/stat over the rounds).
# Usage: bash bench/gateway.sh   (knobs: REQUESTS CLIENTS STREAMS WARMUP ROUNDS PAYLOAD; GATEWAY_BUILD=<folder> runs an
# already built gateway from that folder instead of building src/Gateway, to compare builds of earlier commits;
# several folders separated by spaces run one gateway each, all in the same rounds, so builds compare in one run; a
# folder's bench.env, lines of NAME=value, adds to that gateway's environment only, to compare runtime settings)
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${REQUESTS:-100000}
clients=${CLIENTS:-16}
streams=${STREAMS:-32}
warmup=${WARMUP:-100000}
rounds=${ROUNDS:-3}
payload=${PAYLOAD:-100}

command -v h2load >/dev/null || { echo "missing h2load: run bash eng/install-prereqs.sh" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "missing haproxy: apt-get install haproxy" >&2; exit 1; }

dotnet build bench/GrpcBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build bench/BareYarp -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
read -r -a gateway_builds <<<"${GATEWAY_BUILD:-}"
if [[ ${#gateway_builds[@]} -eq 0 ]]; then
  dotnet build src/Gateway -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
  gateway_builds=(src/Gateway/bin/Release/net10.0)
fi
bench=(dotnet bench/GrpcBench/bin/Release/net10.0/GrpcBench.dll)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
upstream=$(free_port); haproxy_port=$(free_port)
workdir=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$workdir"; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1" >&2; exit 1
}

"${bench[@]}" frame --payload "$payload" --out "$workdir/request.bin"
"${bench[@]}" server --port "$upstream" >"$workdir/upstream.log" 2>&1 & pids+=($!)

secret=bench-client-secret
declare -A port=([direct]=$upstream [haproxy]=$haproxy_port) pid_of=()
gateways=()
for build in "${gateway_builds[@]}"; do
  name=gateway; [[ ${#gateway_builds[@]} -gt 1 ]] && name="gateway:$(basename "$build")"
  gateways+=("$name"); port[$name]=$(free_port)
  # env, not shell assignments: the route's key holds dots (the proto package), which shell variable names cannot.
  ( cd "$build" && exec env \
    ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Kestrel__Endpoints__http__Url="http://127.0.0.1:${port[$name]}" \
    TokenServer__Issuer="http://127.0.0.1:${port[$name]}/" \
    TokenServer__Clients__0__ClientId=bench TokenServer__Clients__0__ClientSecret=$secret TokenServer__Clients__0__Role=system \
    "Gateway__Routes__bench.echo.v1=echo" services__echo__grpc__0="http://127.0.0.1:$upstream" \
    Gateway__RateLimits__PerClientIp=100000000 Gateway__RateLimits__PerChannel=100000000 \
    $( [[ -f bench.env ]] && grep -v '^#' bench.env ) \
    dotnet Gateway.dll ) >"$workdir/$(tr ':' '-' <<<"$name").log" 2>&1 & pids+=($!); pid_of[$name]=$!
done
upstream_pid=${pids[0]}

cat >"$workdir/haproxy.cfg" <<CFG
global
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend grpc
  bind 127.0.0.1:$haproxy_port proto h2
  default_backend echo
backend echo
  server upstream 127.0.0.1:$upstream proto h2
CFG
haproxy -f "$workdir/haproxy.cfg" -db >"$workdir/haproxy.log" 2>&1 & pids+=($!); pid_of[haproxy]=$!
port[bare-yarp]=$(free_port)
dotnet bench/BareYarp/bin/Release/net10.0/BareYarp.dll --port "${port[bare-yarp]}" --upstream "http://127.0.0.1:$upstream" \
  >"$workdir/bare-yarp.log" 2>&1 & pids+=($!); pid_of[bare-yarp]=$!

declare -A token=()
for target in direct haproxy bare-yarp "${gateways[@]}"; do wait_port "${port[$target]}"; done
# Each gateway signs with its own key, so each is called with a token of its own (direct and HAProxy ignore it).
for target in "${gateways[@]}"; do
  token[$target]=$(curl -sf "http://127.0.0.1:${port[$target]}/connect/token" -d grant_type=client_credentials -d client_id=bench -d client_secret=$secret |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
done
token[direct]=${token[${gateways[0]}]}; token[haproxy]=${token[${gateways[0]}]}; token[bare-yarp]=${token[${gateways[0]}]}
path=$("${bench[@]}" path grpc)

# CPU ticks (user + system) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
declare -A gateway_ticks=() upstream_ticks=()

# Prints "rps"; fails on any failed request or non-200 reply.
h2load_run() {
  local target=$1 count=$2 out
  out=$(h2load -n "$count" -c "$clients" -m "$streams" -t 1 -d "$workdir/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: Bearer ${token[$target]}" \
    "http://127.0.0.1:${port[$target]}$path")
  grep -q " $count succeeded, 0 failed, 0 errored" <<<"$out" || { echo "h2load against $target failed:" >&2; echo "$out" >&2; exit 1; }
  grep -q "status codes: $count 2xx" <<<"$out" || { echo "non-2xx replies from $target:" >&2; echo "$out" >&2; exit 1; }
  sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for target in direct "${gateways[@]}" bare-yarp haproxy; do h2load_run "$target" "$warmup" >/dev/null; done

declare -A rows=() ratios=()
hp_ratio=""
targets=(direct "${gateways[@]}" bare-yarp haproxy)
proxies=("${gateways[@]}" bare-yarp)
for round in $(seq 1 "$rounds"); do
  declare -A rps=()
  for i in "${!targets[@]}"; do
    target=${targets[$(( (i + round) % ${#targets[@]} ))]}
    proxy_pid=${pid_of[$target]:-}
    up_before=$(cpu_ticks "$upstream_pid"); proxy_before=${proxy_pid:+$(cpu_ticks "$proxy_pid")}
    rps[$target]=$(h2load_run "$target" "$requests")
    upstream_ticks[$target]=$(( ${upstream_ticks[$target]:-0} + $(cpu_ticks "$upstream_pid") - up_before ))
    [[ -n $proxy_pid ]] && gateway_ticks[$target]=$(( ${gateway_ticks[$target]:-0} + $(cpu_ticks "$proxy_pid") - proxy_before ))
    echo "round $round $target: ${rps[$target]} req/s" >&2
  done
  for target in "${targets[@]}"; do rows[$target]+="${rps[$target]}"$'\n'; done
  for target in "${proxies[@]}"; do
    ratios[$target]+=$(awk -v g="${rps[$target]}" -v h="${rps[haproxy]}" 'BEGIN { printf "%.4f", g / h }')$'\n'
  done
  hp_ratio+=$(awk -v h="${rps[haproxy]}" -v d="${rps[direct]}" 'BEGIN { printf "%.4f", h / d }')$'\n'
done

# Microseconds of CPU per call, over every round's calls of that target.
per_call() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$(( requests * rounds ))" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }'; }
echo
echo "unary echo, ${payload}-byte payload, 127.0.0.1 h2c; h2load -n $requests -c $clients -m $streams (medians of $rounds rounds)"
for target in "${targets[@]}"; do
  cpu="upstream $(per_call "${upstream_ticks[$target]}") µs/call"
  [[ -n ${gateway_ticks[$target]:-} ]] && cpu="$target $(per_call "${gateway_ticks[$target]}") µs/call, $cpu"
  printf '%-36s %12s req/s   CPU: %s\n' "h2load -> $target" "$(printf '%s' "${rows[$target]}" | median)" "$cpu"
done
for target in "${proxies[@]}"; do
  printf '%-36s %12.2f   (rounds: %s)\n' "$target / HAProxy" "$(printf '%s' "${ratios[$target]}" | median)" "$(printf '%s' "${ratios[$target]}" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')"
done
printf '%-36s %12.2f\n' "HAProxy / direct" "$(printf '%s' "$hp_ratio" | median)"
echo "machine: $(nproc) cores, load average (1/5/15 min) $load_before before / $(cut -d' ' -f1-3 /proc/loadavg) after"
