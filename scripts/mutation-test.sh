#!/usr/bin/env bash
# Mutation testing with Stryker.NET (dotnet-stryker 5.1.0, pinned in dotnet-tools.json) over the safety-critical code:
# the engine's Deletion/, Locks/ and Restores/ (against Longhorn.Engine.Tests without the S3 server suites), Backups/ and
# Blocks/ (against the test classes that back up, restore or decode: scripts/stryker/engine-blocks.json, since nearly
# every engine test runs that code and the whole set is too slow for two cores) and the control plane's
# RecurringJobs/Retention.cs (against the retention and recurring-job tests).
#   scripts/mutation-test.sh                 # every folder, one after another (hours on 2 shared cores)
#   scripts/mutation-test.sh Engine          # the five engine folders in one run against engine.json (slower still)
#   scripts/mutation-test.sh Deletion Locks  # some folders of the engine, or Retention
# Reports land in StrykerOutput/<folder>/reports/ (html and json); the per-folder table and the survivors are printed
# at the end (scripts/stryker/summary.py), as summarised in docs/mutation-testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dotnet tool restore >/dev/null
folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=(Deletion Locks Restores Blocks Backups Retention)
reports=()
for folder in "${folders[@]}"; do
  out="$root/StrykerOutput/$folder"
  rm -rf "$out"
  case "$folder" in
    Retention)
      (cd tests/Longhorn.Functions.Tests && dotnet stryker -f ../../scripts/stryker/functions.json -O "$out") ;;
    Engine)
      (cd tests/Longhorn.Engine.Tests && dotnet stryker -f ../../scripts/stryker/engine.json -O "$out") ;;
    Deletion|Locks|Restores)
      (cd tests/Longhorn.Engine.Tests && dotnet stryker -f ../../scripts/stryker/engine.json -m "**/$folder/**/*.cs" -O "$out") ;;
    Backups|Blocks)
      (cd tests/Longhorn.Engine.Tests && dotnet stryker -f ../../scripts/stryker/engine-blocks.json -m "**/$folder/**/*.cs" -O "$out") ;;
    *) echo "unknown folder $folder (Engine, Deletion, Locks, Restores, Backups, Blocks, Retention)" >&2; exit 2 ;;
  esac
  reports+=("$out/reports/mutation-report.json")
done
python3 scripts/stryker/summary.py "${reports[@]}"
