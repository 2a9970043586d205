#!/usr/bin/env bash
# Installs what Vigil needs on a fresh Debian 12 machine, builds it, and puts `vigil` on the PATH.
# Then try: vigil sbom docker-archive:examples/app.tar
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  need=()
  for p in pkg-config gcc clang make; do command -v "$p" >/dev/null || need+=("$p"); done
  # the eBPF probe: clang compiles it in build.rs; libbpf is built from source against libelf and zlib
  for p in libelf-dev zlib1g-dev llvm; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
cargo build --release --locked -q -p vigil
install -m 0755 target/release/vigil /usr/local/bin/vigil 2>/dev/null || {
  mkdir -p "$HOME/.local/bin"; install -m 0755 target/release/vigil "$HOME/.local/bin/vigil"
  echo "installed to $HOME/.local/bin/vigil (add it to PATH)" >&2
}
echo "vigil installed: $(command -v vigil || echo "$HOME/.local/bin/vigil")" >&2
