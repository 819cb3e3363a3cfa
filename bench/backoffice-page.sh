#!/usr/bin/env bash
# The back office's campaign page: Playwright load time (p50, p95 over N loads) of S2's page before and after bulk-loading
# N redemptions into redemptiondb, in one run of the app host's model (see bench/BackOfficePageBench/Program.cs).
# Usage: bash bench/backoffice-page.sh [redemptions=100000] [loads=20]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load before: $(uptime)"
dotnet build bench/BackOfficePageBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet bench/BackOfficePageBench/bin/Release/net10.0/BackOfficePageBench.dll "$@" && status=0 || status=$?
echo "load after: $(uptime)"
exit $status
