#!/usr/bin/env bash
# Settlement: projection of redemption events into settlementdb (RedemptionProjection, one transaction per batch with
# the cursor) against PostgreSQL's binary COPY of the same rows into a table of the same shape, in the same run; then
# the tier × category report and one page of the redemption list with totals on that data (p50/p99), and the audit
# export of every row with its checksum (rows/s, peak RSS during the export).
# Usage: bash bench/settlement.sh [events=1000000] [batch=500] [report-calls=20]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load before: $(uptime)"
dotnet build bench/SettlementBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet bench/SettlementBench/bin/Release/net10.0/SettlementBench.dll "$@" && status=0 || status=$?
echo "load after: $(uptime)"
exit $status
