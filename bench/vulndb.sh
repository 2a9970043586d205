#!/usr/bin/env bash
# Advisory import benchmark: imports the real OSV data in ../shared/data/osv/*.zip (PyPI, Go,
# crates.io; 7,666 advisories) into a fresh database, RUNS times (default 3), with the release
# profile. Prints the time, advisories per second and the database size of each run; fails when
# the best run takes 5 s or more. OSV_DATA=dir reads another directory of OSV zips.
set -euo pipefail
cd "$(dirname "$0")/.."
export OSV_DATA=${OSV_DATA:-$(cd .. && pwd)/shared/data/osv}
cargo bench --locked -q -p vigil-vulndb --bench import
