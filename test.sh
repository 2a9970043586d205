#!/usr/bin/env bash
# Runs Vigil's tests: the unit and integration tests of every crate, then the end-to-end tests on
# real images (a Debian rootfs from debootstrap, pip and npm packages, a real Docker daemon) and the
# runtime scenario (nginx and postgres-profile containers, rsyslog, alerts, responses, latency, load).
# The end-to-end part needs root, Debian's mirror, PyPI, npm and a running dockerd; it is skipped
# when they are missing unless VIGIL_REQUIRE_KERNEL=1 (as in CI), where a missing piece fails.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --workspace --locked
cargo build --release --locked -q -p vigil
bash tests/e2e/real-images.sh target/release/vigil
bash tests/e2e/runtime-scenario.sh target/release/vigil
