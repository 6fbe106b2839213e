#!/usr/bin/env python3
"""Regenerate the generated parts of docs/sdk-coverage.md from the signature database.

Usage: tools/gen_sdk_coverage.py [APKAUDIT_BINARY]   (default target/release/apkaudit)

Reads `apkaudit signatures --format json` and rewrites, in place, the SDK count, the basis
counts, the per-SDK table and the "data_types by basis" lists; the hand-written sections
after them stay as they are. tests/it/signatures_db.rs checks that the table lists every
signature, so the page cannot drift from the database.
"""
import json, re, subprocess, sys
from collections import defaultdict

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/apkaudit"
out = json.loads(subprocess.run([binary, "signatures", "--format", "json"],
                                check=True, capture_output=True, text=True).stdout)
sigs = out["signatures"] if isinstance(out, dict) else out
sigs.sort(key=lambda s: (s["category"], s["id"]))

def basis(s):
    m = re.search(r"data_types basis: ([a-z]+)", s.get("notes") or "")
    return m.group(1) if m else "baseline"

def cell(v):
    return (v or "").replace("|", "\\|").replace("\n", " ")

by_basis = defaultdict(list)
rows = []
for s in sigs:
    b = basis(s)
    by_basis[b].append(s["id"])
    if b == "observed":
        n = sum(1 for src in s["sources"] if src.startswith("app table"))
        shown = f"observed ({n} tables)"
    else:
        shown = b
    kinds = ", ".join(k for k, v in s["match"].items() if v)
    rows.append(f"| {s['id']} | {cell(s['name'])} | {cell(s.get('name_zh'))} | {s['category']} | "
                f"{cell(s.get('vendor'))} | {cell(s.get('vendor_zh'))} | {kinds} | "
                f"{', '.join(s['bundles'])} | {shown} |")

path = "docs/sdk-coverage.md"
doc = open(path, encoding="utf-8").read()
doc = re.sub(r"Generated from `signatures/\*\*\.toml` \(\d+ SDKs\)",
             f"Generated from `signatures/**.toml` ({len(sigs)} SDKs)", doc)
for key, label in [("vendor", "vendor"), ("observed", "observed"), ("baseline", "baseline"),
                   ("library", "library")]:
    doc = re.sub(rf"- \*\*{label}\*\* \(\d+\)", f"- **{label}** ({len(by_basis[key])})", doc)
doc = re.sub(r"\(\d+ SDKs carry a Chinese\nproduct name",
             f"({sum(1 for s in sigs if s.get('name_zh'))} SDKs carry a Chinese\nproduct name", doc)
head = "| id | name | 中文名 | category | vendor | 运营方 | evidence kinds | bundles | data_types |\n|---|---|---|---|---|---|---|---|---|\n"
start = doc.index(head) + len(head)
end = doc.index("\n## data_types by basis")
doc = doc[:start] + "\n".join(rows) + "\n" + doc[end:]
lists = (f"- vendor-documented ({len(by_basis['vendor'])}): {', '.join(by_basis['vendor'])}\n"
         f"- observed in app tables ({len(by_basis['observed'])}): {', '.join(by_basis['observed'])}\n"
         f"- library, none ({len(by_basis['library'])}): {', '.join(by_basis['library'])}\n"
         f"- still baseline ({len(by_basis['baseline'])}): {', '.join(by_basis['baseline'])}\n")
start = doc.index("## data_types by basis\n\n") + len("## data_types by basis\n\n")
end = doc.index("\n\n## ", start)
doc = doc[:start] + lists + doc[end:]
open(path, "w", encoding="utf-8").write(doc)
print(f"{path}: {len(sigs)} SDKs")
