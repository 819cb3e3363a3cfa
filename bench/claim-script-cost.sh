#!/usr/bin/env bash
# Where a claim's microseconds go inside Redis: the production claim script (src/Claim.Service/HotPath/ClaimScripts.cs)
# and prefixes of it, each run by redis-benchmark as EVALSHA with the arguments a granted claim sends (a new request
# key and three new limit keys per call, a 300-byte voucher), on a redis-server of its own. Prints redis-server's CPU
# per call (/proc, user + system) and the EVALSHA's own time per call (INFO commandstats), without and with AOF
# (appendfsync everysec, as the app host runs Redis). The classic flash-sale script of the thin baseline and an empty
# script are measured the same way for scale.
# Usage: bash bench/claim-script-cost.sh [calls=100000]
set -euo pipefail
cd "$(dirname "$0")/.."

calls=${1:-100000}
for tool in redis-server redis-cli redis-benchmark python3 awk; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run bash eng/install-prereqs.sh" >&2; exit 1; }
done

workdir=$(mktemp -d)
socket="$workdir/redis.sock"
redis-server --port 0 --unixsocket "$socket" --save "" --appendonly no --dir "$workdir" --logfile "$workdir/redis.log" --daemonize no &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$workdir"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  redis-cli -s "$socket" ping >/dev/null 2>&1 && break
  sleep 0.1
done

# The scripts as the service sends them: the shared prelude, then the body; the prefixes end with `return {1}`.
python3 - "$workdir" <<'EOF'
import re, sys, textwrap
out = sys.argv[1]
source = open('src/Claim.Service/HotPath/ClaimScripts.cs', encoding='utf-8').read()
def body(declaration):
    start = source.index('"""', source.index(declaration)) + 3
    return textwrap.dedent(source[start:source.index('"""', start)])
claim = body('private const string Prelude') + '\n' + body('public static RedisScript Claim ')
probe = body('private const string Prelude') + '\n' + body('public static RedisScript SoldOutProbe')
cuts = {
    '1-prelude (request key, window, pause)': claim.index('local decided'),
    '2-reads (stock, block lists, limit MGET)': claim.index("redis.call('DECR'"),
    '3-counters (DECR, 3 INCR)': claim.index("redis.call('HINCRBY'"),
    '4-stats (2 HINCRBY)': claim.index("local id = redis.call('XADD'"),
}
scripts = {'0-empty': 'return 1', 'thin baseline': "if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 3 end\nif redis.call('DECR', KEYS[2]) < 0 then return 2 end\nreturn 1"}
for name, cut in cuts.items():
    scripts[name] = claim[:cut] + '\nreturn {1}\n'
scripts['5-whole claim script (+ XADD, request SET)'] = claim
scripts['sold-out probe'] = probe
for i, (name, text) in enumerate(scripts.items()):
    open(f'{out}/{i:02d}.lua', 'w', encoding='utf-8').write(text)
    open(f'{out}/{i:02d}.name', 'w', encoding='utf-8').write(name)
EOF

voucher=$(head -c 300 /dev/zero | tr '\0' 'v')
now_ms=$(($(date +%s) * 1000))
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)

printf '%-44s %5s %12s %14s\n' script aof "redis µs/call" "EVALSHA µs"
for aof in no yes; do
  for file in "$workdir"/*.lua; do
    name=$(cat "${file%.lua}.name")
    redis-cli -s "$socket" FLUSHALL >/dev/null
    redis-cli -s "$socket" CONFIG SET appendonly "$aof" >/dev/null
    redis-cli -s "$socket" CONFIG SET appendfsync everysec >/dev/null
    sleep 0.5
    sha=$(redis-cli -s "$socket" SCRIPT LOAD "$(cat "$file")")
    redis-cli -s "$socket" SET 'c:{cmp}:stock' 1000000000 >/dev/null
    if [[ "$name" == "sold-out probe" ]]; then redis-cli -s "$socket" SET 'c:{cmp}:stock' 0 >/dev/null; fi
    redis-cli -s "$socket" CONFIG RESETSTAT >/dev/null
    before=$(cpu_ticks)
    if [[ "$name" == "thin baseline" ]]; then
      redis-benchmark -s "$socket" -n "$calls" -c 8 -r 100000000 -q EVALSHA "$sha" 2 'thin:{r}:persons' 'c:{cmp}:stock' 'p-__rand_int__' >/dev/null 2>&1
    else
      # KEYS: request, stock, pause, campaign block list, global block list, stats, issued stream, three limit keys.
      # ARGV: as ClaimEngine.ScriptArguments writes them for a granted claim of a person with three identity keys.
      redis-benchmark -s "$socket" -n "$calls" -c 8 -r 100000000 -q EVALSHA "$sha" 10 \
        'c:{cmp}:req:__rand_int__' 'c:{cmp}:stock' 'c:{cmp}:pause' 'c:{cmp}:block' 'block:{global}' 'c:{cmp}:stats' 'claim:issued' \
        'c:{cmp}:lim:limit-1:round-1:t-20:acct:__rand_int__0123456789abcdef0123456789abcdef0123456789abcdef0123456789' \
        'c:{cmp}:lim:limit-1:round-1:t-20:phone:__rand_int__0123456789abcdef0123456789abcdef0123456789abcdef012345678' \
        'c:{cmp}:lim:limit-1:round-1:t-20:device:__rand_int__0123456789abcdef0123456789abcdef0123456789abcdef01234567' \
        0123456789abcdef0123456789abcdef "$now_ms" $((now_ms - 3600000)) 0 0 round-1 0 604800 "$voucher" 'req-__rand_int__' \
        round-1/t-20 ch:unionpay 2000 0 '' 1 0 3 acct:a phone:p device:d c 1 '' c 1 '' c 1 '' >/dev/null 2>&1
    fi
    after=$(cpu_ticks)
    evalsha=$(redis-cli -s "$socket" INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
    printf '%-44s %5s %12s %14s\n' "$name" "$aof" "$(awk -v t="$((after - before))" -v hz="$ticks_per_second" -v n="$calls" 'BEGIN { printf "%.1f", t * 1000000 / hz / n }')" "$evalsha"
  done
done
