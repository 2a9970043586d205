#!/usr/bin/env python3
"""Reference findings for the five Python packages of the benchmark image, computed with
Python's `packaging` (the PEP 440 reference) and the OSV evaluation rules, independently of
Vigil's matcher. tests/pypi_reference.rs compares the matcher's findings with the output.

Usage: tests/reference/pypi_reference.py ../../../shared/data/osv/PyPI-all.zip \
           > tests/fixtures/reference/pypi-benchmark.json

Rules, from the OSV schema (https://ossf.github.io/osv-schema/):
- withdrawn records are ignored;
- an affected entry matches when the version is in `versions` (same string, or the same PEP 440
  version), or in an ECOSYSTEM range: events sorted by version ("0" first), walked in order
  (introduced at or below -> affected; fixed at or below, or last_affected below -> not);
  a limit caps the range; an entry with neither ranges nor versions matches every version;
- a record with a range version that is not a valid PEP 440 version is skipped whole, as
  `vigil db import` skips it;
- records are joined into one finding per vulnerability by id, aliases and a single upstream
  id; the finding's id is the lowest CVE id, else a GHSA id, else the lowest record id.
"""
import hashlib
import json
import re
import sys
import zipfile

import packaging
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PACKAGES = [("Django", "2.2"), ("requests", "2.19.0"), ("PyYAML", "5.3"), ("Jinja2", "2.10"), ("urllib3", "1.24.1")]


def parse(v):
    try:
        return Version(v)
    except InvalidVersion:
        return None


def range_valid(r):
    for e in r.get("events", []):
        for k, v in e.items():
            if (k, v) in (("introduced", "0"), ("limit", "*")):
                continue
            if parse(v) is None:
                return False
    return True


def in_range(v, events):
    limits = [parse(e["limit"]) for e in events if "limit" in e and e["limit"] != "*"]
    if limits and not any(v < l for l in limits):
        return False
    evs = []
    for i, e in enumerate(events):
        (k, s), = [(k, s) for k, s in e.items() if k in ("introduced", "fixed", "last_affected")] or [(None, None)]
        if k is None:
            continue
        key = (0,) if (k == "introduced" and s == "0") else (1, parse(s))
        evs.append((key, i, k, s))
    evs.sort(key=lambda t: (t[0][0], t[0][1] if len(t[0]) > 1 else Version("0"), t[1]))
    affected = False
    for key, _, k, s in evs:
        if k == "introduced" and (s == "0" or v >= parse(s)):
            affected = True
        elif k == "fixed" and v >= parse(s):
            affected = False
        elif k == "last_affected" and v > parse(s):
            affected = False
    return affected


def entry_matches(version, entry):
    v = parse(version)
    listed = entry.get("versions") or []
    if version in listed or (v is not None and any(parse(x) == v for x in listed if parse(x) is not None)):
        return True
    ranges = [r for r in entry.get("ranges") or [] if r.get("type") == "ECOSYSTEM"]
    if v is not None and any(in_range(v, r["events"]) for r in ranges):
        return True
    other = [r for r in entry.get("ranges") or [] if r.get("type") not in ("ECOSYSTEM", "GIT")]
    return not entry.get("ranges") and not listed and not other


def cve_key(k):
    _, year, num = k.split("-", 2)
    return (int(year), int(num))


def join(records):
    """records: {id: record}. Returns {finding id: sorted record ids}."""
    ids = sorted(records)
    keys = {}
    for i in ids:
        r = records[i]
        ks = {i, *(r.get("aliases") or [])}
        if len(r.get("upstream") or []) == 1:
            ks |= set(r["upstream"])
        keys[i] = ks
    groups = []
    for i in ids:
        merged = [g for g in groups if g[1] & keys[i]]
        members, ks = {i}, set(keys[i])
        for g in merged:
            groups.remove(g)
            members |= g[0]
            ks |= g[1]
        groups.append((members, ks))
    out = {}
    for members, ks in groups:
        cves = sorted((k for k in ks if re.fullmatch(r"CVE-\d{4}-\d{4,19}", k)), key=cve_key)
        ghsa = sorted(k for k in ks if k.startswith("GHSA-"))
        fid = cves[0] if cves else ghsa[0] if ghsa else min(members)
        out[fid] = sorted(members)
    return out


def main():
    path = sys.argv[1]
    data = open(path, "rb").read()
    z = zipfile.ZipFile(path)
    wanted = {canonicalize_name(n): (n, v) for n, v in PACKAGES}
    matched = {n: {} for n, _ in PACKAGES}
    skipped = {n: [] for n, _ in PACKAGES}
    for name in z.namelist():
        rec = json.loads(z.read(name))
        if rec.get("withdrawn"):
            continue
        for entry in rec.get("affected") or []:
            pkg = entry.get("package") or {}
            if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) not in wanted:
                continue
            display, version = wanted[canonicalize_name(pkg["name"])]
            if not all(range_valid(r) for r in entry.get("ranges") or [] if r.get("type") != "GIT"):
                skipped[display].append(rec["id"])
                break
            if entry_matches(version, entry):
                matched[display][rec["id"]] = rec
    out = {
        "generated_by": "tests/reference/pypi_reference.py",
        "packaging": packaging.__version__,
        "data": {"file": "PyPI-all.zip", "sha256": hashlib.sha256(data).hexdigest(), "records": len(z.namelist())},
        "packages": [],
    }
    for display, version in PACKAGES:
        findings = join(matched[display])
        out["packages"].append(
            {
                "name": display,
                "version": version,
                "advisories": sorted(matched[display]),
                "findings": {fid: members for fid, members in sorted(findings.items())},
                "skipped_records": sorted(set(skipped[display])),
            }
        )
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
