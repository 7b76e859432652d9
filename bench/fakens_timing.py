#!/usr/bin/env python3
"""fakens timing check: answer time on the wire minus query time, against the delay asked for.

Run as root; it makes its own network namespace (unshare -n) with only lo, starts fakens and
tcpdump (nanosecond timestamps) there, sends queries for <delay>.tN.lab.test and reads the
capture. Nothing leaves the namespace.

    bench/fakens_timing.py BUILD/bin/fakens [--count 200] [--delays 250us,1ms,50ms] [--spin-us N]
                                       [--parallel K] [--chrt]
"""
import argparse
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

PORT = 5353


def build_query(qid, name, qtype):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def read_pcap(path):
    """(ts_ns, udp_sport, udp_dport, dns_id) for each IPv4/UDP packet of a nanosecond pcap."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    if magic != 0xA1B23C4D:
        sys.exit("timing: capture is not a little-endian nanosecond pcap")
    linktype, = struct.unpack("<I", data[20:24])
    off = 24
    while off + 16 <= len(data):
        sec, nsec, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if linktype == 1:  # Ethernet (lo is shown as Ethernet)
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            pkt = pkt[14:]
        if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 17:
            continue
        ihl = (pkt[0] & 15) * 4
        if len(pkt) < ihl + 8 + 2:
            continue
        sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
        qid, = struct.unpack("!H", pkt[ihl + 8:ihl + 10])
        out.append((sec * 1000000000 + nsec, sport, dport, qid))
    return out


def parse_delay(text):
    for suffix, mult in (("us", 1000), ("ms", 1000000), ("s", 1000000000)):
        if text.endswith(suffix):
            return int(text[: -len(suffix)]) * mult
    return int(text)


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, int(round(p / 100.0 * (len(sorted_vals) - 1))))
    return sorted_vals[i]


def run(args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    tmp = tempfile.mkdtemp(prefix="fakens-timing.")
    pcap = os.path.join(tmp, "t.pcap")
    log = os.path.join(tmp, "fakens.log")
    tcpdump = subprocess.Popen(
        ["tcpdump", "-i", "lo", "-j", "adapter_unsynced", "--time-stamp-precision=nano",
         "--immediate-mode", "-U", "-B", "8192", "-w", pcap, "udp port %d" % PORT],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "tcpdump.err"), "w"))
    cmd = (["chrt", "-f", "10"] if args.chrt else []) + [args.fakens, "-l", "127.0.0.1:%d" % PORT, "-L", log]
    if args.spin_us is not None:
        cmd += ["--spin-us", str(args.spin_us)]
    r, w = os.pipe()
    ns = subprocess.Popen(cmd + ["--ready-fd", str(w)], pass_fds=(w,))
    os.close(w)
    os.read(r, 16)
    os.close(r)
    time.sleep(1.0)  # tcpdump needs a moment before it sees packets

    delays = [d.strip() for d in args.delays.split(",")]
    sent = {}  # (cport, id) -> delay_ns
    trial = 0
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(args.parallel)]
    for s in socks:
        s.settimeout(2.0)
    for _ in range(args.count):
        for d in delays:
            batch = []
            for s in socks:
                trial += 1
                qid = trial & 0xFFFF  # unique per socket within a run of < 65536
                name = "a-d%s.t%06d.lab.test" % (d, trial) if d != "0" else "t%06d.lab.test" % trial
                s.sendto(build_query(qid, name, 1), ("127.0.0.1", PORT))
                sent[(s.getsockname()[1], qid)] = parse_delay(d)
                batch.append(s)
            for s in batch:
                try:
                    s.recv(512)
                except socket.timeout:
                    pass
            time.sleep(random.uniform(0.001, 0.004))

    time.sleep(0.5)
    ns.terminate()
    ns.wait()
    tcpdump.terminate()
    tcpdump.wait()

    qtime, atime = {}, {}
    for ts, sport, dport, qid in read_pcap(pcap):
        if dport == PORT and (sport, qid) in sent:
            qtime.setdefault((sport, qid), ts)
        elif sport == PORT and (dport, qid) in sent:
            atime.setdefault((dport, qid), ts)
    errs = {}
    for key, delay in sent.items():
        if key in qtime and key in atime:
            errs.setdefault(delay, []).append(atime[key] - qtime[key] - delay)
    print("spin_us=%s parallel=%d%s (error = answer wire time - query wire time - delay, us)"
          % (args.spin_us if args.spin_us is not None else "default", args.parallel,
             " chrt -f 10" if args.chrt else ""))
    print("%8s %6s %8s %8s %8s %8s %8s" % ("delay", "n", "min", "median", "p90", "p99", "max"))
    for d in delays:
        v = sorted(errs.get(parse_delay(d), []))
        print("%8s %6d %8.1f %8.1f %8.1f %8.1f %8.1f" % (
            d, len(v), pct(v, 0) / 1e3, pct(v, 50) / 1e3, pct(v, 90) / 1e3, pct(v, 99) / 1e3,
            pct(v, 100) / 1e3))
    with open(os.path.join(tmp, "tcpdump.err")) as f:
        drops = [l.strip() for l in f if "dropped" in l]
    print("tcpdump: %s; files in %s" % ("; ".join(drops), tmp))
    missing = len(sent) - sum(len(v) for v in errs.values())
    if missing:
        print("unmatched queries (not captured or not answered): %d" % missing)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fakens")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--delays", default="0,250us,1ms,50ms")
    ap.add_argument("--spin-us", type=int)
    ap.add_argument("--chrt", action="store_true", help="run fakens under chrt -f 10")
    ap.add_argument("--parallel", type=int, default=1, help="queries in flight at once")
    ap.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.in_netns:
        os.execvp("unshare", ["unshare", "-n", sys.executable, os.path.abspath(__file__),
                              "--in-netns"] + sys.argv[1:])
    run(args)


if __name__ == "__main__":
    main()
