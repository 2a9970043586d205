#!/usr/bin/env bash
# Image benchmark: builds the release binary, then runs ../shared/bench/image-vs-peers.sh (a 4-layer
# ~200 MB Debian image with nginx, python3, old Python packages and an npm app; Syft 1.18 and
# Trivy 0.59 side by side), and measures Vigil's peak memory on the same image.
# Fails when Vigil misses a package Syft finds.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p vigil
SHARED=${SHARED:-../shared}
WORK=${WORK:-/tmp/vigil-bench}
export WORK
out=$(mktemp)
RUNS=${RUNS:-5} bash "$SHARED/bench/image-vs-peers.sh" target/release/vigil | tee "$out"
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f 'vigil peak RSS: %M KB, wall %e s' target/release/vigil sbom \
    "docker-archive:$WORK/bookworm-app.docker.tar" -o cyclonedx-json -q >/dev/null
  /usr/bin/time -f 'vigil peak RSS (oci-dir, gzip layers): %M KB, wall %e s' target/release/vigil sbom \
    "oci-dir:$WORK/bookworm-app.oci" -o cyclonedx-json -q >/dev/null
fi
if grep -q 'missed by vigil' "$out"; then
  echo "FAIL: Vigil misses packages that Syft finds" >&2
  exit 1
fi
