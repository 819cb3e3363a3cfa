#!/usr/bin/env bash
# Builds the solution and runs every test project. Ends with one line:
#   tests: N passed, N failed
set -uo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
bash eng/install-prereqs.sh || exit 1

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

echo "build: dotnet build Microservices.sln -c Release"
if ! dotnet build Microservices.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

# One test project at a time: several of them start real PostgreSQL, Redis and service processes,
# and on a 2-core machine running them side by side only trades speed for flakiness.
echo "test: dotnet test Microservices.sln -c Release --no-build -m:1"
dotnet test Microservices.sln -c Release --no-build -nologo -m:1 \
  --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=false
test_rc=$?

read -r passed failed < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
print(passed, failed)
PY
)
if [[ $test_rc -ne 0 && ${failed:-0} -eq 0 ]]; then failed=1; fi
echo "elapsed: $(( $(date +%s) - started ))s"
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
[[ $test_rc -eq 0 && ${failed:-0} -eq 0 ]]
