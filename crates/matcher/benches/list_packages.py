#!/usr/bin/env python3
"""Writes the package list of the benchmark image (../shared/bench/build-test-image.sh) as a TSV
for benches/match.rs: type, name, version, source, source_version, evidence path.

Usage: benches/list_packages.py /tmp/vigil-bench > benches/bookworm-app-packages.tsv
Reads rootfs-app/var/lib/dpkg/status, site-packages/*.dist-info/METADATA and
nodeapp/node_modules/**/package.json, as the image's layers hold them.
"""
import json
import pathlib
import sys

work = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/vigil-bench")
rows = []

stanza = {}
for line in (work / "rootfs-app/var/lib/dpkg/status").read_text().splitlines() + [""]:
    if not line.strip():
        if stanza.get("Status", "").endswith(" installed"):
            source, _, sv = stanza.get("Source", "").partition(" ")
            rows.append(("deb", stanza["Package"], stanza["Version"], source, sv.strip("()"), "/var/lib/dpkg/status"))
        stanza = {}
    elif not line.startswith(" ") and ":" in line:
        key, _, value = line.partition(":")
        stanza[key] = value.strip()

for meta in sorted((work / "site-packages").glob("*.dist-info/METADATA")):
    fields = dict(l.split(": ", 1) for l in meta.read_text(errors="replace").splitlines() if ": " in l and not l.startswith(" "))
    path = "/usr/local/lib/python3.11/dist-packages/" + str(meta.relative_to(work / "site-packages"))
    rows.append(("python", fields["Name"], fields["Version"], "", "", path))

app = work / "nodeapp"
for pj in [app / "package.json"] + sorted((app / "node_modules").rglob("package.json")):
    parts = pj.relative_to(app).parts
    # The app itself, node_modules/<name>/package.json, node_modules/<dep>/node_modules/<name>/package.json
    # (scoped: node_modules/@scope/<name>/package.json).
    installed = len(parts) == 1 or (parts[-3] == "node_modules") or (parts[-3].startswith("@") and parts[-4] == "node_modules")
    if not installed:
        continue
    doc = json.loads(pj.read_text())
    if "name" in doc and "version" in doc:
        rows.append(("npm", doc["name"], doc["version"], "", "", "/srv/app/" + "/".join(parts)))

for r in rows:
    print("\t".join(r))
