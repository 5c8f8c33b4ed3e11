#!/usr/bin/env python3
"""Per-folder mutation scores and every surviving mutant, from Stryker's mutation-report.json files."""
import json
import sys
from collections import defaultdict
from pathlib import Path

DETECTED = {"Killed", "Timeout"}
UNDETECTED = {"Survived", "NoCoverage"}


def folder(path: str) -> str | None:
    parts = Path(path).parts
    if "Retention.cs" in parts[-1]:
        return "ControlPlane/RecurringJobs/Retention.cs"
    for name in ("Deletion", "Locks", "Restores", "Backups", "Blocks"):
        if name in parts:
            return name
    return None


def main(reports: list[str]) -> None:
    # A mutant of a later report replaces the same mutant (file, place, mutator, replacement) of an earlier one, so a
    # re-run of some lines after new tests updates the whole folder's run.
    mutants = {}
    for report in reports:
        data = json.loads(Path(report).read_text())
        for path, file in data["files"].items():
            key = folder(path)
            if key is None:
                continue
            short = path.split("/engine/Longhorn.Engine/")[-1].split("/functions/Longhorn.Functions/")[-1]
            lines = file["source"].splitlines()
            for m in file["mutants"]:
                loc = m["location"]
                place = (short, loc["start"]["line"], loc["start"]["column"], loc["end"]["line"], loc["end"]["column"],
                         m["mutatorName"], m.get("replacement", ""))
                if place in mutants and m["status"] == "Ignored":
                    continue  # outside the re-run's spans
                mutants[place] = (key, short, m, lines)
    counts = defaultdict(lambda: defaultdict(int))
    survivors = []
    for key, short, m, lines in mutants.values():
        counts[key][m["status"]] += 1
        if m["status"] in UNDETECTED:
            line = m["location"]["start"]["line"]
            survivors.append((key, short, line, int(m["id"]), m["status"], m["mutatorName"], m.get("replacement", "").replace("\n", " ")[:80],
                              lines[line - 1].strip()[:100]))
    print("| folder | killed | timeout | survived | no coverage | ignored / compile error | score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    total_detected = total_valid = 0
    for key in sorted(counts):
        c = counts[key]
        detected = sum(c[s] for s in DETECTED)
        valid = detected + sum(c[s] for s in UNDETECTED)
        total_detected += detected
        total_valid += valid
        other = sum(v for s, v in c.items() if s not in DETECTED | UNDETECTED)
        score = f"{100 * detected / valid:.1f} %" if valid else "n/a"
        print(f"| {key} | {c['Killed']} | {c['Timeout']} | {c['Survived']} | {c['NoCoverage']} | {other} | {score} |")
    if total_valid:
        print(f"| **all** | | | | | | **{100 * total_detected / total_valid:.1f} %** |")
    print()
    print("| folder | file:line | id | status | mutator | replacement | code |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for s in sorted(survivors):
        key, short, line, mid, status, mutator, replacement, code = s
        replacement, code = (text.replace("|", "\\|") for text in (replacement, code))
        print(f"| {key} | {short}:{line} | {mid} | {status} | {mutator} | `{replacement}` | `{code}` |")


if __name__ == "__main__":
    main(sys.argv[1:] or [str(p) for p in Path("StrykerOutput").glob("*/reports/mutation-report.json")])
