#!/usr/bin/env bash
# End-to-end tests of `vigil sbom` on real images: a Debian 12 root filesystem from debootstrap with
# python3 installed by apt inside the chroot, old Python packages from `pip install --target`, an npm
# app from `npm install`; turned into an image by a real Docker daemon (`docker import`, a COPY-only
# `docker build`), exported with `docker save`. Each source is read and checked against the truth:
# the package database as the host's dpkg-query reads it, and the pip and npm packages installed.
#
# Usage: tests/e2e/real-images.sh [VIGIL_BINARY]   (needs root, debootstrap, dockerd, PyPI, npm)
# Without those it skips, unless VIGIL_REQUIRE_KERNEL=1, where a missing piece is a failure.
set -euo pipefail
VIGIL=$(realpath "${1:-target/release/vigil}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${VIGIL_E2E_WORK:-/tmp/vigil-e2e}
REQUIRE=${VIGIL_REQUIRE_KERNEL:-0}
MIRROR=${VIGIL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
skip() {
  if [ "$REQUIRE" = 1 ]; then echo "e2e: FAIL: $*" >&2; exit 1; fi
  echo "e2e: skipped: $*"; exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, docker)"
command -v debootstrap >/dev/null || skip "debootstrap is not installed"
command -v npm >/dev/null || skip "npm is not installed"
docker info >/dev/null 2>&1 || skip "no Docker daemon on /var/run/docker.sock"
mkdir -p "$WORK"; cd "$WORK"

pass=0; fail=0
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}

if [ ! -f rootfs/.vigil-done ]; then
  echo "e2e: building a Debian 12 rootfs (debootstrap + apt, about a minute)"
  rm -rf rootfs
  debootstrap --variant=minbase bookworm rootfs "$MIRROR" >debootstrap.log 2>&1 || { tail -20 debootstrap.log; exit 1; }
  cp /etc/resolv.conf rootfs/etc/resolv.conf
  chroot rootfs /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-yaml >/dev/null && apt-get clean' >apt.log 2>&1 || { tail -20 apt.log; exit 1; }
  rm -rf rootfs/etc/resolv.conf rootfs/var/lib/apt/lists/* rootfs/var/cache/apt/*.bin
  find rootfs/dev -mindepth 1 -delete
  touch rootfs/.vigil-done
fi
if [ ! -f site/.vigil-done ]; then
  rm -rf site && pip install -q --no-deps --target site requests==2.19.0 urllib3==1.24.1 && touch site/.vigil-done
fi
if [ ! -f app/.vigil-done ]; then
  rm -rf app && mkdir app
  echo '{"name":"e2e-app","version":"0.3.0","private":true,"dependencies":{"minimist":"1.2.0","lodash":"4.17.11"}}' > app/package.json
  (cd app && npm install -q --no-audit --no-fund --ignore-scripts >/dev/null 2>&1) && touch app/.vigil-done
fi

echo "e2e: building the image with dockerd"
tar --exclude=./.vigil-done -C rootfs -c . | docker import - vigil-e2e/base:1 >/dev/null
rm -rf ctx && mkdir ctx && cp -a site ctx/site && cp -a app ctx/app && rm -f ctx/site/.vigil-done ctx/app/.vigil-done
printf 'FROM vigil-e2e/base:1\nCOPY site /usr/local/lib/python3.11/dist-packages\nCOPY app /srv/app\nUSER nobody\nEXPOSE 8080/tcp\nCMD ["python3"]\n' > ctx/Dockerfile
DOCKER_BUILDKIT=0 docker build -q -t vigil-e2e/app:1 ctx >/dev/null 2>&1
rm -f app.docker.tar && docker save -o app.docker.tar vigil-e2e/app:1

dpkg-query --admindir=rootfs/var/lib/dpkg -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' \
  | awk '$1 == "ii" {print $2, $3}' | sort > expected-debs.txt

"$VIGIL" sbom "docker-archive:$WORK/app.docker.tar" -o vigil-json --file archive.json -q
"$VIGIL" sbom "docker:vigil-e2e/app:1" -o vigil-json --file daemon.json -q
"$VIGIL" sbom "dir:$WORK/rootfs" -o vigil-json --file rootfs.json -q
"$VIGIL" sbom "$WORK/app.docker.tar" -o cyclonedx-json --file bare.cdx.json -o spdx-json=bare.spdx.json -q
"$VIGIL" sbom "sbom:$WORK/bare.cdx.json" -o vigil-json --file from-cdx.json -q
"$VIGIL" sbom "sbom:$WORK/bare.spdx.json" -o vigil-json --file from-spdx.json -q

py() { python3 - "$@"; }
debs() { py "$1" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    if p["type"] == "deb":
        print(p["name"], p["version"])
PY
}
debs archive.json | sort > archive-debs.txt
debs rootfs.json | sort > rootfs-debs.txt
check "docker-archive: every installed deb found, nothing more ($(wc -l < expected-debs.txt) packages)" diff -u expected-debs.txt archive-debs.txt
check "dir: the rootfs gives the same debs" diff -u expected-debs.txt rootfs-debs.txt

check "docker-archive: layers, config, distro, pip, npm and provenance" py archive.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
layers = [l["diff_id"] for l in s["layers"]]
assert len(layers) == 3, layers
assert s["distro"]["id"] == "debian" and s["distro"]["version_id"] == "12", s["distro"]
assert s["config"]["user"] == "nobody" and "8080/tcp" in s["config"]["exposed_ports"], s["config"]
assert "vigil-e2e/app:1" in s["source"]["tags"], s["source"]
pk = {(p["type"], p["name"].lower(), p["version"]): p for p in s["packages"]}
for key, layer in [(("python", "requests", "2.19.0"), 1), (("python", "urllib3", "1.24.1"), 1),
                   (("npm", "minimist", "1.2.0"), 2), (("npm", "lodash", "4.17.11"), 2),
                   (("npm", "e2e-app", "0.3.0"), 2), (("deb", "python3.11", None), 0)]:
    found = [p for k, p in pk.items() if k[:2] == key[:2] and (key[2] is None or k[2] == key[2])]
    assert found, f"missing {key}"
    assert found[0]["layer"] == layers[layer], (key, found[0]["layer"], layers)
deb = [p for p in s["packages"] if p["type"] == "deb"]
assert all(p["purl"].startswith("pkg:deb/debian/") and "distro=debian-12" in p["purl"] for p in deb)
assert all(p["layer"] == layers[0] for p in deb), "every deb comes from the base layer"
assert any(p["licenses"] for p in deb), "licences from /usr/share/doc/*/copyright"
assert any(p["name"].lower() == "pyyaml" for p in s["packages"] if p["type"] == "python"), "Debian's python3-yaml egg-info"
PY

check "docker: the daemon's export gives the same packages and layers as docker save" py archive.json daemon.json <<'PY'
import json, sys
a, d = (json.load(open(f)) for f in sys.argv[1:3])
key = lambda s: sorted((p["purl"], p.get("layer")) for p in s["packages"])
assert key(a) == key(d), set(key(a)) ^ set(key(d))
assert [l["diff_id"] for l in a["layers"]] == [l["diff_id"] for l in d["layers"]]
assert d["source"]["scheme"] == "docker"
PY

check "sbom: CycloneDX and SPDX read back give the same purls" py archive.json from-cdx.json from-spdx.json <<'PY'
import json, sys
a, c, s = (json.load(open(f)) for f in sys.argv[1:4])
purls = lambda x: sorted(p["purl"] for p in x["packages"])
assert purls(a) == purls(c), set(purls(a)) ^ set(purls(c))
assert purls(a) == purls(s), set(purls(a)) ^ set(purls(s))
PY

rm -f e2e.db
"$VIGIL" db import --db "$WORK/e2e.db" "$ROOT/crates/cli/tests/fixtures/osv" 2>/dev/null
set +e
"$VIGIL" scan "docker:vigil-e2e/app:1" --db "$WORK/e2e.db" -o json --file scan.json --fail-on high -q 2>/dev/null
code=$?
set -e
check "scan of the daemon image: the gate fails (exit 1) on requests 2.19.0's high CVE" test "$code" = 1
check "scan: requests 2.19.0 and minimist 1.2.0 findings, with their layers" py scan.json archive.json <<'PY'
import json, sys
r, s = (json.load(open(f)) for f in sys.argv[1:3])
layers = [l["diff_id"] for l in s["layers"]]
got = {(f["id"], f["package"]["name"]) for f in r["findings"]}
assert ("CVE-2018-18074", "requests") in got and ("CVE-2020-7598", "minimist") in got, got
layer_of = {f["package"]["name"]: f["package"]["locations"][0]["layer"] for f in r["findings"]}
assert layer_of["requests"] == layers[1] and layer_of["minimist"] == layers[2], (layer_of, layers)
PY

# Policy on images a real Docker daemon built. The "leaky" image copies a private key in one layer
# and removes it in the next (RUN rm, in a build container of the base image), sets a secret in its
# environment, runs as root and exposes SSH: what a default bundle must stop.
command -v openssl >/dev/null || skip "openssl is not installed"
rm -rf leaky && mkdir leaky
openssl genrsa -out leaky/id_rsa 2048 2>/dev/null
printf 'FROM vigil-e2e/base:1\nCOPY id_rsa /root/.ssh/id_rsa\nRUN rm /root/.ssh/id_rsa\nENV AWS_SECRET_ACCESS_KEY=%s\nEXPOSE 22/tcp\nCMD ["sleep", "1"]\n' \
  "$(python3 -c 'import secrets, string; print("".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40)))')" \
  > leaky/Dockerfile
DOCKER_BUILDKIT=0 docker build -q -t vigil-e2e/leaky:1 leaky >/dev/null 2>&1
set +e
"$VIGIL" scan "docker:vigil-e2e/leaky:1" --db "$WORK/e2e.db" --policy default -o json=leaky.json -o junit=leaky.xml -q 2>/dev/null
code=$?
"$VIGIL" scan "docker:vigil-e2e/app:1" --db "$WORK/e2e.db" --policy default -o json=app-policy.json -q 2>/dev/null
code_app=$?
"$VIGIL" policy eval "docker:vigil-e2e/leaky:1" --db "$WORK/e2e.db" --base "docker:vigil-e2e/base:1" -o json > leaky-base.json 2>/dev/null
set -e
check "policy: the leaky image STOPs (exit 1)" test "$code" = 1
check "policy: the deleted key (with its layer), the env secret, SSH and root are decisions" py leaky.json <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["policy"]
d = {x["trigger_id"]: x for p in v["policies"] for x in p["decisions"]}
key = d.get("private-key:/root/.ssh/id_rsa")
assert key and key["effective"] == "stop", sorted(d)
assert "deleted" in key["message"] or "removed" in key["message"], key["message"]
assert key["layer"]["index"] == 1, key["layer"]
assert d["aws-secret-access-key:env:AWS_SECRET_ACCESS_KEY"]["effective"] == "stop", sorted(d)
assert d["port:22/tcp"]["effective"] == "stop", sorted(d)
assert d["user:root"]["effective"] == "warn", sorted(d)
assert v["action"] == "stop"
PY
check "policy: with --base, the key is attributed to the application layers, the base's packages to the base" py leaky-base.json <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
v = v.get("policy", v)
assert v["base"]["count"] == 1, v["base"]
d = {x["trigger_id"]: x for p in v["policies"] for x in p["decisions"]}
assert d["private-key:/root/.ssh/id_rsa"]["layer"]["part"] == "application", d["private-key:/root/.ssh/id_rsa"]["layer"]
base_pkgs = [x for t, x in d.items() if "+" in t and x["gate"] == "vulnerabilities"]
assert base_pkgs and all(x["layer"]["part"] == "base" for x in base_pkgs), base_pkgs
PY
check "policy: JUnit XML a CI server reads, failures = STOP decisions" py leaky.xml leaky.json <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
v = json.load(open(sys.argv[2]))["policy"]
stops = sum(1 for p in v["policies"] for x in p["decisions"] if x["effective"] == "stop")
failures = sum(int(s.get("failures", 0)) for s in root.iter("testsuite"))
assert failures == stops == len(root.findall(".//failure")), (failures, stops)
PY
check "policy: the app image STOPs on requests' fixable high CVE, user nobody passes" py app-policy.json "$code_app" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["policy"]
d = {x["trigger_id"]: x for p in v["policies"] for x in p["decisions"]}
assert sys.argv[2] == "1" and v["action"] == "stop", (sys.argv[2], v["action"])
assert d["CVE-2018-18074+requests"]["effective"] == "stop", sorted(d)
assert not any(t.startswith("user:") for t in d), sorted(d)
PY

head -c 3000000 app.docker.tar > truncated.tar
set +e
"$VIGIL" sbom "docker-archive:$WORK/truncated.tar" -q > /dev/null 2> truncated.err
code=$?
set -e
check "a truncated archive exits 2 with one line naming it" test "$code" = 2 -a "$(wc -l < truncated.err)" = 1
check "the error names the file" grep -q "truncated.tar" truncated.err

echo "e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
