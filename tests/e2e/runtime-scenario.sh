#!/usr/bin/env bash
# End-to-end runtime scenario (issue 6, points 8 and 9): a real dockerd, an nginx image built here from
# Debian 12's nginx-light package (debootstrap + apt in a chroot, `docker import`) running as container
# `web`, a postgres-profile image (repository `vigil-e2e/postgres`, busybox inside) running as `pg`, a real
# rsyslog daemon writing /var/log/syslog, and `vigil watch` with the default rules and a vigil.yaml whose
# outputs are the local syslog and a JSON file. Then:
#   - `docker exec -it web sh` with a TTY: a syslog line naming the rule, `web`, `nginx` and the shell
#     within 1 s (latency measured by polling every 20 ms);
#   - `cat /etc/shadow` and a write below /usr/bin in web, an outbound connection from pg: one alert each
#     with the container's context;
#   - responses: kill at exec of shells in web (`docker exec web sh -c 'echo hi'` exits 137, prints
#     nothing, the alert's `actions` has kill); deny-connect on pg (the connect fails with EPERM, alerted);
#   - latency: 1,000 alerts, syscall (the alert's event time) to reception by rsyslog; median and p99;
#   - load: 1,000,000 matching events: memory bounded, throttling engaged, counts exact.
# Each check is independent: a missing feature fails its own checks only. Exit 1 if any check failed.
#
# Usage: tests/e2e/runtime-scenario.sh [VIGIL_BINARY]   (root, dockerd, debootstrap, rsyslog, BPF)
# Without those it skips, unless VIGIL_REQUIRE_KERNEL=1, where a missing piece is a failure.
# The root filesystems are cached in $VIGIL_E2E_RUNTIME_WORK (default /tmp/vigil-e2e-runtime).
# VIGIL_E2E_STORM_EVENTS (default 1000000) and VIGIL_E2E_LATENCY_ALERTS (default 1000) size the load.
set -euo pipefail
VIGIL=$(realpath "${1:-target/release/vigil}")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${VIGIL_E2E_RUNTIME_WORK:-/tmp/vigil-e2e-runtime}
REQUIRE=${VIGIL_REQUIRE_KERNEL:-0}
MIRROR=${VIGIL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
STORM=${VIGIL_E2E_STORM_EVENTS:-1000000}
NLAT=${VIGIL_E2E_LATENCY_ALERTS:-1000}
SYSLOG=/var/log/syslog
PORT=18080
skip() {
  if [ "$REQUIRE" = 1 ]; then echo "e2e: FAIL: $*" >&2; exit 1; fi
  echo "e2e: skipped: $*"; exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, docker, BPF)"
[ -x "$VIGIL" ] || skip "no vigil binary at $VIGIL"
command -v debootstrap >/dev/null || skip "debootstrap is not installed"
command -v script >/dev/null || skip "script (util-linux) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
docker info >/dev/null 2>&1 || skip "no Docker daemon on /var/run/docker.sock"
if ! command -v rsyslogd >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsyslog >/dev/null 2>&1 \
    || skip "rsyslog is not installed and apt-get could not install it"
fi
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && file -L "$BUSYBOX" | grep -q 'statically linked' || skip "needs a static busybox (busybox-static)"
mkdir -p "$WORK"; cd "$WORK"
py() { python3 "$HERE/runtime_scenario.py" "$@"; }

pass=0; fail=0
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}
note() { echo "     $*"; }

# ---- images -------------------------------------------------------------------------------------------
if [ ! -f nginx-rootfs/.vigil-done ]; then
  echo "e2e: building a Debian 12 rootfs with nginx-light (debootstrap + apt, a minute or two)"
  rm -rf nginx-rootfs
  debootstrap --variant=minbase bookworm nginx-rootfs "$MIRROR" >debootstrap.log 2>&1 || { tail -20 debootstrap.log; exit 1; }
  cp /etc/resolv.conf nginx-rootfs/etc/resolv.conf
  chroot nginx-rootfs /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx-light >/dev/null && apt-get clean' >apt.log 2>&1 || { tail -20 apt.log; exit 1; }
  rm -rf nginx-rootfs/etc/resolv.conf nginx-rootfs/var/lib/apt/lists/* nginx-rootfs/var/cache/apt/*.bin
  find nginx-rootfs/dev -mindepth 1 -delete
  touch nginx-rootfs/.vigil-done
fi
if ! docker image inspect vigil-e2e/nginx:e2e >/dev/null 2>&1; then
  echo "e2e: importing vigil-e2e/nginx:e2e"
  tar --exclude=./.vigil-done -C nginx-rootfs -c . \
    | docker import -c 'CMD ["nginx", "-g", "daemon off;"]' - vigil-e2e/nginx:e2e >/dev/null
fi
if ! docker image inspect vigil-e2e/postgres:e2e >/dev/null 2>&1; then
  echo "e2e: importing vigil-e2e/postgres:e2e (busybox, a postgres-profile repository)"
  rm -rf pg-rootfs && mkdir -p pg-rootfs/bin pg-rootfs/etc pg-rootfs/tmp pg-rootfs/usr/lib/postgresql/15/bin
  cp "$BUSYBOX" pg-rootfs/bin/busybox
  for a in sh nc sleep cat echo wget; do ln -s busybox "pg-rootfs/bin/$a"; done
  # The server's name on the process table: a script named postgres that sleeps.
  printf '#!/bin/sh\nexec sleep 2147483647\n' > pg-rootfs/usr/lib/postgresql/15/bin/postgres
  chmod 755 pg-rootfs/usr/lib/postgresql/15/bin/postgres
  printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999::/var/lib/postgresql:/bin/sh\n' > pg-rootfs/etc/passwd
  tar -C pg-rootfs -c . | docker import -c 'CMD ["/usr/lib/postgresql/15/bin/postgres"]' - vigil-e2e/postgres:e2e >/dev/null
fi

# ---- processes started here, stopped on exit ------------------------------------------------------------
RSYSLOG_PID=""; LISTENER_PID=""; VPID=""; OWN_DEVLOG=0
cleanup() {
  set +e
  [ -n "$VPID" ] && kill -INT "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null
  [ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null
  [ -n "$RSYSLOG_PID" ] && kill "$RSYSLOG_PID" 2>/dev/null && sleep 0.3
  [ "$OWN_DEVLOG" = 1 ] && rm -f /dev/log
  docker rm -f web pg >/dev/null 2>&1
}
trap cleanup EXIT

docker rm -f web pg >/dev/null 2>&1 || true
docker run -d --name web vigil-e2e/nginx:e2e >/dev/null
docker run -d --name pg vigil-e2e/postgres:e2e >/dev/null
WEB=$(docker inspect -f '{{.Id}}' web | cut -c1-12)
PG=$(docker inspect -f '{{.Id}}' pg | cut -c1-12)
GW=$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')
echo "e2e: web=$WEB pg=$PG gateway=$GW"

# A listener on the bridge's gateway: counts the connections it accepts.
: > accepted.log
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
while True:
    c, a = s.accept(); open(sys.argv[3], "a").write(f"{a[0]}\n"); c.close()
' "$GW" "$PORT" "$WORK/accepted.log" &
LISTENER_PID=$!

# rsyslog: our own daemon when none runs, writing everything to /var/log/syslog with its reception time
# (timegenerated, RFC 3339 with microseconds) first on the line.
if pgrep -x rsyslogd >/dev/null; then
  echo "e2e: using the rsyslogd already running"
else
  [ -e /dev/log ] && skip "/dev/log exists but no rsyslogd runs: another syslog daemon owns it"
  cat > rsyslog.conf <<'EOF'
global(workDirectory="/tmp")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0" SysSock.UseSysTimeStamp="on")
template(name="VigilE2E" type="string"
         string="%timegenerated:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n")
*.* action(type="omfile" file="/var/log/syslog" template="VigilE2E")
EOF
  rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslogd.pid" >rsyslogd.log 2>&1 &
  RSYSLOG_PID=$!
  OWN_DEVLOG=1
  for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
  [ -S /dev/log ] || { cat rsyslogd.log; skip "rsyslogd did not create /dev/log"; }
fi
touch "$SYSLOG"
logger -t vigil-e2e "rsyslog check $$" 2>/dev/null || true
sleep 0.3
check "rsyslog: a message sent to /dev/log lands in $SYSLOG" grep -q "rsyslog check $$" "$SYSLOG"

# ---- vigil ----------------------------------------------------------------------------------------------
# vigil.yaml: top-level `outputs:` and `throttle:` (crates/outputs), `responses:` (crates/respond).
base_config() { # base_config FILE_OUTPUT THROTTLE_YAML
  cat <<EOF
rule_matching: all
outputs:
  - type: syslog
    name: e2e-syslog
    queue_size: 65536
  - type: file
    name: e2e-file
    path: $1
    format: json
    queue_size: 65536
throttle:
$2
EOF
}
NO_THROTTLE='  enabled: false'
THROTTLE='  enabled: true
  rate: 10
  burst: 50
  summary_interval_secs: 1'
# crates/respond: a response runs on an alert of a matching rule. kill-on-exec: the alert's program is then
# killed at exec whenever it starts again in that container; deny-connect: the container's outbound connects
# are refused from then on.
RESPONSES='responses:
  - rules: ["Shell in nginx"]
    action: kill-on-exec
  - rules: ["Outbound connection from postgres"]
    action: deny-connect'

MODE=""       # full: the config's outputs are used; stdout: only `vigil watch --json` on stdout works
ALERTS=""     # where the JSON alerts are read from
start_vigil() { # start_vigil NAME CONFIG_TEXT -> VPID, ALERTS; 1 if vigil did not start
  local name=$1 cfg=$2 args
  if [ "$cfg" = - ]; then
    args=(--matching all)   # no vigil.yaml: the command line alone
  else
    printf '%s\n' "$cfg" > "$name.yaml"; args=(--config "$WORK/$name.yaml")
  fi
  : > "$name.alerts.json"; : > "$name.stdout"
  "$VIGIL" watch --json "${args[@]}" > >(py stamp > "$WORK/$name.stdout") 2> "$name.stderr" &
  VPID=$!
  for _ in $(seq 300); do
    grep -q "vigil: watching" "$name.stderr" && { sleep 1.5; return 0; }
    kill -0 "$VPID" 2>/dev/null || break
    sleep 0.1
  done
  wait "$VPID" 2>/dev/null || true
  VPID=""
  return 1
}
stop_vigil() {
  [ -n "$VPID" ] || return 0
  kill -INT "$VPID" 2>/dev/null || true
  wait "$VPID" 2>/dev/null || true
  VPID=""
  sleep 0.2
}
alerts_offset() { if [ -f "$ALERTS" ]; then stat -c %s "$ALERTS"; else echo 0; fi; }
syslog_offset() { stat -c %s "$SYSLOG"; }

if start_vigil scenario "$(base_config "$WORK/scenario.alerts.json" "$NO_THROTTLE")"; then
  MODE=full; ALERTS=$WORK/scenario.alerts.json
else
  echo "e2e: vigil refused the outputs configuration:"; sed 's/^/     /' scenario.stderr | tail -5
  grep -q "starting the kernel probe" scenario.stderr && skip "vigil cannot load its BPF probe here"
  echo "e2e: falling back to \`vigil watch --json\` alerts on stdout (no syslog, file, throttle)"
  start_vigil scenario - || { cat scenario.stderr; skip "vigil watch does not start"; }
  MODE=stdout; ALERTS=$WORK/scenario.stdout
fi
check "vigil.yaml with outputs (syslog, file) and throttle is accepted" test "$MODE" = full

# ---- the interactive shell ------------------------------------------------------------------------------
tty_shell() {
  local off aoff t0 out ms
  off=$(syslog_offset); aoff=$(alerts_offset)
  t0=$(date +%s%N)
  script -qc "docker exec -it web sh -c 'sleep 1; exit'" /dev/null >/dev/null 2>&1 &
  local spid=$!
  if out=$(py wait-syslog "$SYSLOG" "$off" "$t0" 3 "Terminal shell in container" "$WEB"); then
    ms=${out%% *}
    note "syslog line after $ms ms: ${out#* }"
    echo "$out" > tty-syslog.txt
  else
    note "no syslog line naming the rule and the container within 3 s"
    : > tty-syslog.txt
  fi
  wait "$spid" || true
  py wait-alert "$ALERTS" "$aoff" 2 "Terminal shell in container" "$WEB" > tty-alert.json || true
}
tty_shell
tty_within_1s() { [ -s tty-syslog.txt ] && python3 -c 'import sys; sys.exit(float(sys.argv[1]) >= 1000)' "$(cut -d' ' -f1 tty-syslog.txt)"; }
check "docker exec -it web sh: a syslog line naming the rule within 1 s" tty_within_1s
check "the syslog line names the container name web" grep -Eq '(container|name)[._a-z]*=web\b|\bweb\b' tty-syslog.txt
check "the syslog line names the image nginx and the shell" \
  sh -c 'grep -q "image=[^ ]*nginx" tty-syslog.txt && grep -Eq "shell=(sh|dash|bash)" tty-syslog.txt'
check "JSON alert: Terminal shell in container, web's id, image vigil-e2e/nginx, a tty" python3 - tty-alert.json <<'PY'
import json, sys
a = json.loads(open(sys.argv[1]).read() or "{}")
f = a.get("output_fields", {})
assert a.get("rule") == "Terminal shell in container", a
assert f.get("container.image.repository") == "vigil-e2e/nginx", f
assert f.get("proc.name") in ("sh", "dash") and str(f.get("proc.tty", "0")) not in ("0", ""), f
assert a.get("priority") == "Notice" and a.get("source") == "syscall" and a.get("time", "").endswith("Z"), a
PY

# ---- one alert each: /etc/shadow, /usr/bin, an outbound connection ------------------------------------
one_alert() { # one_alert TAG RULE CID SUBSTR -- COMMAND...
  local tag=$1 rule=$2 cid=$3 sub=$4; shift 5
  local off; off=$(alerts_offset)
  "$@" >/dev/null 2>&1 || true
  py wait-alert "$ALERTS" "$off" 3 "$rule" "$cid" "$sub" > "$tag.json" || { : > "$tag.json"; return 1; }
  sleep 0.5
  local n; n=$(py count "$ALERTS" "$off" "$rule" "$cid")
  [ "$n" = 1 ] || { note "$n alerts of $rule (one expected)"; return 1; }
  grep -q '"container.image.repository"' "$tag.json" || { note "no image in the alert"; return 1; }
}
check "web: cat /etc/shadow → one 'Read of password or sudo files' alert with web's context" \
  one_alert shadow "Read of password or sudo files" "$WEB" "file=/etc/shadow" -- docker exec web cat /etc/shadow
check "web: a file written below /usr/bin → one 'Write below binary directory' alert" \
  one_alert usrbin "Write below binary directory" "$WEB" "/usr/bin/vigil-e2e-drop" -- \
  docker exec web sh -c 'echo x > /usr/bin/vigil-e2e-drop'
: > accepted.log
check "pg: an outbound connection → one 'Outbound connection from postgres' alert" \
  one_alert outbound "Outbound connection from postgres" "$PG" "$GW:$PORT" -- \
  docker exec pg nc -w 2 "$GW" "$PORT"
check "pg: the listener accepted that connection" test -s accepted.log

# ---- latency over NLAT alerts ---------------------------------------------------------------------------
latency() {
  local off aoff
  off=$(syslog_offset); aoff=$(alerts_offset)
  docker exec web sh -c "i=0; while [ \$i -lt $NLAT ]; do cat /etc/shadow >/dev/null; i=\$((i+1)); done"
  sleep 2
  if [ "$MODE" = full ]; then
    py latency "$SYSLOG" "$off" "$NLAT" "Password or sudo file read" "container=$WEB"
  else
    note "(stdout mode: measured to the arrival of the JSON line on vigil's stdout, not to syslog)"
    py latency-stamped "$ALERTS" "$aoff" "$NLAT" "Read of password or sudo files" "$WEB"
    return 1
  fi
}
check "latency syscall → syslog line over $NLAT alerts: p99 under 100 ms" latency
stop_vigil

# ---- responses -------------------------------------------------------------------------------------------
if start_vigil respond "$(base_config "$WORK/respond.alerts.json" "$NO_THROTTLE")
$RESPONSES"; then
  ALERTS=$WORK/respond.alerts.json; RESP=1
else
  note "vigil refused the responses configuration: $(grep -m1 -i 'error\|unknown' respond.stderr || tail -1 respond.stderr)"
  RESP=0
fi
kill_at_exec() {
  [ "$RESP" = 1 ] || return 1
  local off code out
  # The first shell raises "Shell in nginx", whose response arms kill-on-exec for sh in web.
  off=$(alerts_offset)
  docker exec web sh -c 'echo arm' >/dev/null 2>&1 || true
  py wait-alert "$ALERTS" "$off" 3 "Shell in nginx" "$WEB" > arm.json || note "no 'Shell in nginx' alert to arm the response"
  sleep 0.5
  off=$(alerts_offset); echo "$off" > kill.offset
  set +e; out=$(docker exec web sh -c 'echo hi' 2>&1); code=$?; set -e
  note "docker exec web sh -c 'echo hi': exit $code, output '${out}'"
  [ "$code" = 137 ] && [ -z "$out" ]
}
check "kill at exec: docker exec web sh -c 'echo hi' exits 137 and prints nothing" kill_at_exec
kill_alerted() {
  [ "$RESP" = 1 ] || return 1
  python3 - "$ALERTS" "$(cat kill.offset)" "$WEB" arm.json <<'PY'
import json, sys, time
path, off, cid, arm = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    a = json.loads(open(arm).read() or "{}")
except ValueError:
    a = {}
print(f"     the arming alert's actions: {a.get('actions')}")
end = time.time() + 3
while time.time() < end:
    with open(path, "rb") as f:
        f.seek(off)
        for line in f.read().decode().splitlines():
            try:
                x = json.loads(line)
            except ValueError:
                continue
            if cid in line and "kill" in json.dumps(x.get("actions")):
                print(f"     {x.get('rule')}: actions {x.get('actions')}")
                sys.exit(0)
    time.sleep(0.1)
sys.exit("no alert for web whose actions include kill")
PY
}
check "kill at exec: the alert's actions include kill" kill_alerted
deny_connect() {
  [ "$RESP" = 1 ] || return 1
  local code out off
  # The first connection raises "Outbound connection from postgres", whose response denies the next ones.
  off=$(alerts_offset)
  docker exec pg nc -w 2 "$GW" "$PORT" </dev/null >/dev/null 2>&1 || true
  py wait-alert "$ALERTS" "$off" 3 "Outbound connection from postgres" "$PG" >/dev/null || note "no alert to arm deny-connect"
  sleep 0.5
  : > accepted.log
  echo "$(alerts_offset)" > deny.offset
  set +e; out=$(docker exec pg nc -w 2 "$GW" "$PORT" </dev/null 2>&1); code=$?; set -e
  note "docker exec pg nc: exit $code, output '${out}'"
  sleep 0.3
  [ "$code" != 0 ] && echo "$out" | grep -q "Operation not permitted" && [ ! -s accepted.log ]
}
check "deny-connect: pg's outbound connect fails with EPERM, nothing reaches the listener" deny_connect
deny_alerted() {
  [ "$RESP" = 1 ] || return 1
  python3 - "$ALERTS" "$(cat deny.offset)" "$PG" <<'PY'
import json, sys, time
path, off, cid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
end = time.time() + 3
while time.time() < end:
    with open(path, "rb") as f:
        f.seek(off)
        for line in f.read().decode().splitlines():
            if cid in line and ("deny" in line.lower() or "denied" in line.lower()):
                sys.exit(0)
    time.sleep(0.1)
sys.exit("no alert naming pg and the denied connection")
PY
}
check "deny-connect: the denied connection is alerted" deny_alerted
stop_vigil

# ---- load: a storm of STORM matching events ---------------------------------------------------------------
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
if [ "$MODE" = full ]; then
  start_vigil storm "$(base_config "$WORK/storm.alerts.json" "$THROTTLE")" || true
  ALERTS=$WORK/storm.alerts.json
else
  start_vigil storm - || true
  ALERTS=$WORK/storm.stdout
fi
if [ -n "$VPID" ]; then
  before=$(rss "$VPID"); off=$(alerts_offset)
  t0=$(date +%s%N)
  docker exec web sh -c "i=0; while [ \$i -lt $STORM ]; do : < /etc/shadow; i=\$((i+1)); done"
  t1=$(date +%s%N)
  secs=$(python3 -c "print(($t1 - $t0) / 1e9)")
  sleep 3
  after=$(rss "$VPID")
  stop_vigil
  note "$STORM opens of /etc/shadow in ${secs}s; vigil VmRSS ${before} kB before, ${after} kB after"
  note "$(grep 'counters' storm.stderr || echo 'no counters line')"
  check "storm: vigil's memory stays bounded (VmRSS grows by less than 64 MB)" test $((after - before)) -lt 65536
  kernel_counts() {
    python3 - storm.stderr <<'PY'
import re, sys
m = re.search(r"seen=(\d+) sent=(\d+) received=(\d+) drop_full=(\d+) drop_size=(\d+) drop_read=(\d+) bad=(\d+)", open(sys.argv[1]).read())
assert m, "no counters line"
seen, sent, recv, full, size, read, bad = map(int, m.groups())
assert sent == recv, f"sent {sent} != received {recv}"
assert seen == sent + full + size + read, f"seen {seen} != sent + drops {sent + full + size + read}"
assert bad == 0, f"{bad} bad records"
PY
  }
  check "storm: counters exact (sent == received, seen == sent + drops, nothing undecodable)" kernel_counts
  check "storm: throttling engaged (summary alert), emitted + suppressed == $STORM" \
    py storm "$ALERTS" "$off" "Read of password or sudo files" "$WEB" "$STORM" storm.stderr "$secs"
  outputs_counts() {
    python3 - storm.stderr "$WORK/storm.alerts.json" <<'PY'
import re, sys
err = open(sys.argv[1]).read()
lines = sum(1 for _ in open(sys.argv[2]))
m = re.search(r"output e2e-file: sent=(\d+) failed=\d+ dropped=(\d+)", err)
assert m, "no counters of the output e2e-file on vigil's stderr"
sent, dropped = map(int, m.groups())
assert sent == lines, f"e2e-file: sent {sent} but the file has {lines} lines"
PY
  }
  check "storm: the file output's counters match the lines written" outputs_counts
else
  check "storm: vigil started" false
fi

echo "e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
