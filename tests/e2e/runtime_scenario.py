#!/usr/bin/env python3
"""Helpers of tests/e2e/runtime-scenario.sh: read Vigil's alerts (JSON lines, optionally prefixed by
`<arrival ns>\t` when they come from the stdout stamper) and rsyslog's /var/log/syslog, and decide the
checks. Every subcommand exits 0 when its check holds, 1 (with the reason on stderr) when it does not.

  stamp                                     stdin -> stdout, each line prefixed by its arrival time (ns)
  wait-alert FILE OFFSET TIMEOUT RULE CID [SUBSTR...]
                                            waits for an alert of RULE in container CID (a short id
                                            prefix) past byte OFFSET of FILE whose output has every
                                            SUBSTR; prints it
  count FILE OFFSET RULE CID                prints how many alerts of RULE in CID follow OFFSET
  wait-syslog FILE OFFSET T0_NS TIMEOUT SUBSTR...
                                            polls FILE every 20 ms for a line past OFFSET with every
                                            SUBSTR; prints the line and the latency from T0_NS
  latency FILE OFFSET N SUBSTR...           syslog lines past OFFSET with every SUBSTR: reception time
                                            (rsyslog's timegenerated, RFC 3339) minus the alert's event
                                            time (the text line's `HH:MM:SS.nnnnnnnnn:` prefix); checks
                                            there are N and prints median and p99
  latency-stamped FILE OFFSET N RULE CID    the same from the stdout stamper's arrival times
  storm FILE OFFSET RULE CID EVENTS STDERR [SECS]
                                            throttling engaged and counts exact after a storm
"""
import datetime as dt
import json
import re
import sys
import time


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def read_from(path, offset):
    try:
        with open(path, "rb") as f:
            f.seek(int(offset))
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def alerts(path, offset):
    """(arrival_ns or None, alert dict) for each JSON alert past offset."""
    out = []
    for line in read_from(path, offset).splitlines():
        stamp = None
        if "\t" in line and line.split("\t", 1)[0].isdigit():
            s, line = line.split("\t", 1)
            stamp = int(s)
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            out.append((stamp, json.loads(line)))
        except json.JSONDecodeError:
            continue
    return out


def container_of(a):
    f = a.get("output_fields") or {}
    return str(f.get("container.id") or a.get("container_id") or "")


def same_container(a, cid):
    c = container_of(a)
    return bool(c) and (c.startswith(cid[:12]) or cid.startswith(c))


def matching(path, offset, rule, cid):
    return [(s, a) for s, a in alerts(path, offset) if a.get("rule") == rule and same_container(a, cid)]


def rfc3339_ns(s):
    """RFC 3339 with up to 9 fraction digits and Z or an offset -> ns since the epoch."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", s)
    if not m:
        raise ValueError(f"not RFC 3339: {s!r}")
    y, mo, d, h, mi, sec, frac, tz = m.groups()
    off = 0
    if tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        off = sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    base = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec), tzinfo=dt.timezone.utc)
    ns = int(base.timestamp()) * 10**9 + int(((frac or "") + "000000000")[:9])
    return ns - off * 10**9


def event_ns_from_text(recv_ns, tod):
    """The alert's time of day (`HH:MM:SS.nnnnnnnnn`, UTC or local) placed on the day that puts it
    nearest before the reception time."""
    h, m, rest = tod.split(":")
    s, _, frac = rest.partition(".")
    tod_ns = ((int(h) * 60 + int(m)) * 60 + int(s)) * 10**9 + int((frac + "000000000")[:9])
    day = 86400 * 10**9
    best = None
    for off in {0, -time.localtime().tm_gmtoff * 10**9}:
        midnight = (recv_ns // day) * day
        for k in (-1, 0, 1):
            cand = midnight + k * day + tod_ns + off
            if best is None or abs(recv_ns - cand) < abs(recv_ns - best):
                best = cand
    return best


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "stamp":
        out = sys.stdout
        for line in sys.stdin:
            out.write(f"{time.time_ns()}\t{line}")
            out.flush()
        return
    if cmd == "wait-alert":
        path, offset, timeout, rule, cid, subs = args[0], args[1], float(args[2]), args[3], args[4], args[5:]
        end = time.monotonic() + timeout
        while True:
            found = [a for _, a in matching(path, offset, rule, cid) if all(x in a.get("output", "") for x in subs)]
            if found:
                print(json.dumps(found[0]))
                return
            if time.monotonic() > end:
                seen = sorted({a.get("rule") for _, a in alerts(path, offset)})
                fail(f"no alert {rule!r} in container {cid} with {subs} within {timeout}s; rules seen: {seen}")
            time.sleep(0.05)
    if cmd == "count":
        print(len(matching(args[0], args[1], args[2], args[3])))
        return
    if cmd == "wait-syslog":
        path, offset, t0, timeout, subs = args[0], args[1], int(args[2]), float(args[3]), args[4:]
        end = time.monotonic() + timeout
        while True:
            for line in read_from(path, offset).splitlines():
                if all(x in line for x in subs):
                    now = time.time_ns()
                    print(f"{(now - t0) / 1e6:.1f} {line}")
                    return
            if time.monotonic() > end:
                fail(f"no syslog line with {subs} within {timeout}s")
            time.sleep(0.02)
    if cmd in ("latency", "latency-stamped"):
        path, offset, n = args[0], args[1], int(args[2])
        lat = []
        if cmd == "latency":
            for line in read_from(path, offset).splitlines():
                if not all(x in line for x in args[3:]):
                    continue
                recv = rfc3339_ns(line.split(" ", 1)[0])
                m = re.search(r"(\d\d:\d\d:\d\d\.\d+): [A-Z][a-z]+ ", line)
                if not m:
                    continue
                lat.append((recv - event_ns_from_text(recv, m.group(1))) / 1e6)
        else:
            for s, a in matching(path, offset, args[3], args[4]):
                lat.append((s - rfc3339_ns(a["time"])) / 1e6)
        if not lat:
            fail("no alert lines to measure")
        print(
            f"{len(lat)} alerts: median {pct(lat, 50):.2f} ms, p99 {pct(lat, 99):.2f} ms, "
            f"max {max(lat):.2f} ms, min {min(lat):.2f} ms"
        )
        if len(lat) != n:
            fail(f"expected {n} alert lines, found {len(lat)}")
        if pct(lat, 99) >= 100:
            fail(f"p99 {pct(lat, 99):.2f} ms is not under 100 ms")
        return
    if cmd == "storm":
        path, offset, rule, cid, events, stderr = args[0], args[1], args[2], args[3], int(args[4]), args[5]
        secs = float(args[6]) if len(args) > 6 else 0
        al = alerts(path, offset)
        emitted = len([a for _, a in al if a.get("rule") == rule and same_container(a, cid)])
        suppressed = 0
        summaries = 0
        for _, a in al:
            for row in a.get("throttled") or []:
                summaries += 1
                c = str(row.get("container_id", ""))
                if row.get("rule") == rule and c and (c.startswith(cid[:12]) or cid.startswith(c)):
                    suppressed += int(row.get("suppressed", 0))
        err = read_from(stderr, 0)
        m = re.search(r"counters seen=(\d+) sent=(\d+) received=(\d+) drop_full=(\d+) drop_size=(\d+) drop_read=(\d+)", err)
        drops = sum(int(x) for x in m.groups()[3:]) if m else None
        print(f"alerts of {rule!r}: {emitted} emitted, {suppressed} suppressed in {summaries} summary rows; kernel drops {drops}")
        problems = []
        if summaries == 0:
            problems.append("no summary alert (`throttled` rows): throttling not engaged")
        burst_bound = 50 + 10 * secs + 10
        if secs and emitted > burst_bound:
            problems.append(f"{emitted} alerts emitted in {secs:.1f}s: more than the bucket allows ({burst_bound:.0f})")
        if drops is None:
            problems.append("no counters line on vigil's stderr")
        elif drops == 0 and emitted + suppressed != events:
            problems.append(f"emitted + suppressed = {emitted + suppressed}, not the {events} events")
        elif drops and emitted + suppressed > events:
            problems.append(f"emitted + suppressed = {emitted + suppressed} > {events} events")
        elif drops:
            problems.append(f"{drops} kernel records dropped: counts cannot be exact")
        if problems:
            fail("; ".join(problems))
        return
    fail(f"unknown subcommand {cmd}")


if __name__ == "__main__":
    main()
