#!/usr/bin/env python3
"""Regenerate the CVSS reference scores that tests/cvss_reference.rs checks.

The scores come from Red Hat's `cvss` package (PyPI), an implementation of
CVSS v2, v3.0, v3.1 and v4.0 independent of Vigil's:

    pip install cvss==3.6
    python3 crates/vulndb/tests/reference/generate_cvss.py            # writes v2.tsv, v3.tsv, v4.tsv here
    python3 crates/vulndb/tests/reference/generate_cvss.py --osv DIR  # also tests/data/osv-cvss-v3.tsv from OSV zips in DIR
    python3 crates/vulndb/tests/reference/generate_cvss.py --exhaustive OUT.tsv [--random N]
        # every v2 and v3.0/v3.1 base vector (and N random vectors with optional
        # metrics per version), for a one-off check:
        # VIGIL_CVSS_EXTRA_REFERENCE=OUT.tsv cargo test -p vigil-vulndb --test cvss_reference

Vectors are drawn with a fixed seed, so a rerun writes the same files.
Columns (tab-separated, '-' where the reference has no value):
    v2.tsv, v3.tsv: vector, base, temporal, environmental, base severity
    v4.tsv:         vector, score of the whole vector, its severity
"""

import argparse
import itertools
import json
import os
import random
import sys
import zipfile

from cvss import CVSS2, CVSS3, CVSS4

HERE = os.path.dirname(os.path.abspath(__file__))

V2_BASE = [("AV", "LAN"), ("AC", "HML"), ("Au", "MSN"), ("C", "NPC"), ("I", "NPC"), ("A", "NPC")]
V2_OPTIONAL = [
    ("E", ["U", "POC", "F", "H", "ND"]),
    ("RL", ["OF", "TF", "W", "U", "ND"]),
    ("RC", ["UC", "UR", "C", "ND"]),
    ("CDP", ["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", ["N", "L", "M", "H", "ND"]),
    ("CR", ["L", "M", "H", "ND"]),
    ("IR", ["L", "M", "H", "ND"]),
    ("AR", ["L", "M", "H", "ND"]),
]

V3_BASE = [("AV", "NALP"), ("AC", "LH"), ("PR", "NLH"), ("UI", "NR"), ("S", "UC"),
           ("C", "HLN"), ("I", "HLN"), ("A", "HLN")]
V3_OPTIONAL = [
    ("E", "XUPFH"), ("RL", "XOTWU"), ("RC", "XURC"),
    ("CR", "XLMH"), ("IR", "XLMH"), ("AR", "XLMH"),
    ("MAV", "XNALP"), ("MAC", "XLH"), ("MPR", "XNLH"), ("MUI", "XNR"), ("MS", "XUC"),
    ("MC", "XHLN"), ("MI", "XHLN"), ("MA", "XHLN"),
]

V4_BASE = [("AV", "NALP"), ("AC", "LH"), ("AT", "NP"), ("PR", "NLH"), ("UI", "NPA"),
           ("VC", "HLN"), ("VI", "HLN"), ("VA", "HLN"), ("SC", "HLN"), ("SI", "HLN"), ("SA", "HLN")]
V4_OPTIONAL = [
    ("E", ["X", "A", "P", "U"]),
    ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]), ("AR", ["X", "H", "M", "L"]),
    ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]), ("MAT", ["X", "N", "P"]),
    ("MPR", ["X", "N", "L", "H"]), ("MUI", ["X", "N", "P", "A"]),
    ("MVC", ["X", "H", "L", "N"]), ("MVI", ["X", "H", "L", "N"]), ("MVA", ["X", "H", "L", "N"]),
    ("MSC", ["X", "H", "L", "N"]), ("MSI", ["X", "S", "H", "L", "N"]), ("MSA", ["X", "S", "H", "L", "N"]),
    ("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]), ("R", ["X", "A", "U", "I"]),
    ("V", ["X", "D", "C"]), ("RE", ["X", "L", "M", "H"]), ("U", ["X", "Clear", "Green", "Amber", "Red"]),
]

# Highest-severity vectors of each equivalence-set level (CVSS v4.0 specification, section 8).
EQ1_MAX = ["AV:N/PR:N/UI:N", "AV:A/PR:N/UI:N", "AV:P/PR:N/UI:N"]
EQ2_MAX = ["AC:L/AT:N", "AC:H/AT:N"]
EQ3EQ6_MAX = {
    (0, 0): "VC:H/VI:H/VA:H/CR:H/IR:H/AR:H",
    (0, 1): "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H",
    (1, 0): "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H",
    (1, 1): "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
    (2, 1): "VC:L/VI:L/VA:L/CR:H/IR:H/AR:H",
}
EQ4_MAX = ["SC:H/SI:H/SA:H/MSI:S/MSA:S", "SC:H/SI:H/SA:H", "SC:L/SI:L/SA:L"]
EQ5_MAX = ["E:A", "E:P", "E:U"]
V4_ORDER = [m for m, _ in V4_BASE] + [m for m, _ in V4_OPTIONAL]


def fmt(x):
    return "-" if x is None else f"{float(x):.1f}"


def pick(rng, metrics):
    return {m: rng.choice(list(values)) for m, values in metrics}


def join(prefix, metrics, order):
    parts = [f"{m}:{metrics[m]}" for m in order if m in metrics]
    return "/".join(([prefix] if prefix else []) + parts)


def v2_row(vector):
    c = CVSS2(vector)
    base, temporal, env = c.scores()
    return [vector, fmt(base), fmt(temporal), fmt(env), c.severities()[0]]


def v3_row(vector):
    c = CVSS3(vector)
    base, temporal, env = c.scores()
    return [vector, fmt(base), fmt(temporal), fmt(env), c.severities()[0]]


def v4_row(vector):
    c = CVSS4(vector)
    return [vector, fmt(c.base_score), c.severity]


def v2_vectors(rng):
    order = [m for m, _ in V2_BASE] + [m for m, _ in V2_OPTIONAL]
    out = []
    for i in range(300):
        metrics = pick(rng, V2_BASE)
        if i >= 150:
            opt = pick(rng, V2_OPTIONAL)
            metrics.update({m: v for m, v in opt.items() if rng.random() < 0.7})
        out.append(join("", metrics, order))
    return out


def v3_vectors(rng):
    order = [m for m, _ in V3_BASE] + [m for m, _ in V3_OPTIONAL]
    out = []
    for minor in ("3.0", "3.1"):
        for i in range(300):
            metrics = pick(rng, V3_BASE)
            if i >= 150:
                opt = pick(rng, V3_OPTIONAL)
                metrics.update({m: v for m, v in opt.items() if rng.random() < 0.6})
            out.append(join(f"CVSS:{minor}", metrics, order))
    return out


def v4_vectors(rng):
    out = []
    # One highest-severity vector per macrovector: its score is the table's.
    for eq1, eq2, (eq3, eq6), eq4, eq5 in itertools.product(
            range(3), range(2), sorted(EQ3EQ6_MAX), range(3), range(3)):
        parts = [EQ1_MAX[eq1], EQ2_MAX[eq2], EQ3EQ6_MAX[(eq3, eq6)], EQ4_MAX[eq4], EQ5_MAX[eq5]]
        metrics = dict(kv.split(":") for p in parts for kv in p.split("/"))
        out.append(join("CVSS:4.0", metrics, V4_ORDER))
    for i in range(400):
        metrics = pick(rng, V4_BASE)
        if i >= 150:
            opt = pick(rng, V4_OPTIONAL)
            metrics.update({m: v for m, v in opt.items() if rng.random() < 0.5})
        out.append(join("CVSS:4.0", metrics, V4_ORDER))
    return out


def write(path, header, rows):
    with open(path, "w") as f:
        f.write(header + "\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print(f"{path}: {len(rows)} vectors", file=sys.stderr)


def osv_vectors(directory):
    """One (advisory id, vector) per distinct CVSS vector in OSV all.zip files."""
    seen = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".zip"):
            continue
        with zipfile.ZipFile(os.path.join(directory, name)) as z:
            for member in sorted(z.namelist()):
                record = json.loads(z.read(member))
                entries = list(record.get("severity") or [])
                for affected in record.get("affected") or []:
                    entries += affected.get("severity") or []
                for entry in entries:
                    if entry.get("type") in ("CVSS_V3", "CVSS_V4"):
                        seen.setdefault(entry["score"], (record["id"], entry["type"]))
    return sorted((ident, kind, vector) for vector, (ident, kind) in seen.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--osv", help="directory of OSV all.zip files")
    ap.add_argument("--exhaustive", help="write every v2 and v3 base vector to this file")
    ap.add_argument("--random", type=int, default=0, help="with --exhaustive: random vectors per version")
    args = ap.parse_args()

    if args.exhaustive:
        rows = []
        for values in itertools.product(*[v for _, v in V2_BASE]):
            rows.append(["v2"] + v2_row("/".join(f"{m}:{x}" for (m, _), x in zip(V2_BASE, values))))
        for minor in ("3.0", "3.1"):
            for values in itertools.product(*[v for _, v in V3_BASE]):
                body = "/".join(f"{m}:{x}" for (m, _), x in zip(V3_BASE, values))
                rows.append(["v3"] + v3_row(f"CVSS:{minor}/{body}"))
        rng = random.Random(args.random)
        v2_order = [m for m, _ in V2_BASE] + [m for m, _ in V2_OPTIONAL]
        v3_order = [m for m, _ in V3_BASE] + [m for m, _ in V3_OPTIONAL]
        for _ in range(args.random):
            metrics = pick(rng, V2_BASE)
            metrics.update({m: v for m, v in pick(rng, V2_OPTIONAL).items() if rng.random() < 0.7})
            rows.append(["v2"] + v2_row(join("", metrics, v2_order)))
            metrics = pick(rng, V3_BASE)
            metrics.update({m: v for m, v in pick(rng, V3_OPTIONAL).items() if rng.random() < 0.6})
            rows.append(["v3"] + v3_row(join(rng.choice(["CVSS:3.0", "CVSS:3.1"]), metrics, v3_order)))
            metrics = pick(rng, V4_BASE)
            metrics.update({m: v for m, v in pick(rng, V4_OPTIONAL).items() if rng.random() < 0.5})
            rows.append(["v4"] + v4_row(join("CVSS:4.0", metrics, V4_ORDER)))
        write(args.exhaustive, "# kind\tvector\tbase\ttemporal\tenvironmental\tseverity", rows)
        return

    rng = random.Random(20240601)
    header = "# vector\tbase\ttemporal\tenvironmental\tseverity (reference: cvss package, PyPI)"
    write(os.path.join(HERE, "v2.tsv"), header, [v2_row(v) for v in v2_vectors(rng)])
    write(os.path.join(HERE, "v3.tsv"), header, [v3_row(v) for v in v3_vectors(rng)])
    write(os.path.join(HERE, "v4.tsv"), "# vector\tscore\tseverity (reference: cvss package, PyPI)",
          [v4_row(v) for v in v4_vectors(rng)])

    if args.osv:
        rows = []
        for ident, kind, vector in osv_vectors(args.osv):
            if kind == "CVSS_V3":
                c = CVSS3(vector)
                rows.append([ident, vector, fmt(c.scores()[0]), c.severities()[0]])
            else:
                c = CVSS4(vector)
                rows.append([ident, vector, fmt(c.base_score), c.severity])
        write(os.path.join(HERE, "..", "data", "osv-cvss.tsv"),
              "# advisory\tvector\tbase score\tseverity (vectors from OSV records; scores: cvss package, PyPI)\n"
              "# one advisory per distinct vector; PYSEC-*: PyPA advisory-database (CC-BY-4.0), "
              "RUSTSEC-*: RustSec advisory-db (CC0-1.0), GO-*: Go vulndb (CC-BY-4.0)",
              rows)


if __name__ == "__main__":
    main()
