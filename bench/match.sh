#!/usr/bin/env bash
# Matching benchmark: `vigil scan`'s matcher on the benchmark image's SBOM (178 packages) against the
# real OSV data of ../shared/data/osv (7,666 advisories). Target: under 100 ms per match.
# Uses the SBOM of the image ../shared/bench/build-test-image.sh builds when it is there
# ($WORK/bookworm-app.docker.tar), else the package list committed beside the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/vigil-bench}
export OSV_DATA=${OSV_DATA:-$(cd .. && pwd)/shared/data/osv}
if [ -f "$WORK/bookworm-app.docker.tar" ]; then
  cargo build --release --locked -q -p vigil
  target/release/vigil sbom "docker-archive:$WORK/bookworm-app.docker.tar" -o vigil-json --file "$WORK/vigil.sbom.json" -q
  export VIGIL_BENCH_SBOM="$WORK/vigil.sbom.json"
fi
cargo bench --locked -q -p vigil-match --bench match -- --warm-up-time 1 --measurement-time 3
