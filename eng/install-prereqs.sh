#!/usr/bin/env bash
# Installs what the build, the tests and the local run need on a bare Debian machine.
# Idempotent: each missing piece is announced on its own line, present ones are skipped quietly.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
want() { # want <command-or-path> <debian-package>
  if [[ "$1" == /* ]]; then [[ -e "$1" ]] || need+=("$2"); else have_cmd "$1" || need+=("$2"); fi
}

want redis-server redis-server
want redis-cli redis-tools
want protoc protobuf-compiler
want grpc_python_plugin protobuf-compiler-grpc
want h2load nghttp2-client
want haproxy haproxy
want /usr/bin/chromium chromium
# Chinese glyphs for the back office's pages in Chromium (screenshots, layout): the smallest CJK font package.
want /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc fonts-wqy-zenhei
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || need+=(python3-grpcio)
/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1 || need+=(python3-protobuf)
# The well-known types (timestamp.proto, duration.proto) the platform's contracts import, for the Python channel client.
[[ -f /usr/include/google/protobuf/timestamp.proto ]] || need+=(libprotobuf-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)

if ((${#need[@]} == 0)); then
  echo "prereqs: all present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]] || ! have_cmd apt-get; then
  echo "prereqs: missing ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi

echo "prereqs: apt-get update"
apt-get update -qq
for pkg in "${need[@]}"; do
  echo "prereqs: installing $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
done
echo "prereqs: done"
