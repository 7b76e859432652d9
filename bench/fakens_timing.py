#!/usr/bin/env python3
"""fakens timing bench: the gap between two answers on the wire against the gap asked for,
beside the same measure for plain libuv timers (bench/uvtimer_server.c), in the same run.

Run as root from the source tree; it makes its own network namespace (unshare -n) with only lo,
starts fakens (127.0.0.1:5353) and the reference server (127.0.0.1:5354) there, tcpdump with
nanosecond timestamps, and a background load of queries from other clients to both servers.
Each trial is one client socket asking A and AAAA for a-d1ms.aaaa-d<1ms+gap>.tN.lab.test:
both answers are scheduled, and

    error = (AAAA answer - A answer) - (gap + AAAA query - A query)     (all wire times)

Nothing leaves the namespace.

    bench/fakens_timing.py BUILD [--trials 200] [--gaps 100us,250us,1ms,10ms,100ms,1s,2s]
                           [--load 500] [--spin-us N] [--chrt]
"""
import argparse
import os
import random
import select
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

FAKENS_PORT = 5353
UVTIMER_PORT = 5354
BASE_US = 1000


def build_query(qid, name, qtype):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def read_pcap(path):
    """(ts_ns, sport, dport, dns_id) for each IPv4/UDP packet of a nanosecond pcap."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or struct.unpack("<I", data[:4])[0] != 0xA1B23C4D:
        sys.exit("timing: the capture is not a little-endian nanosecond pcap")
    linktype, = struct.unpack("<I", data[20:24])
    off = 24
    while off + 16 <= len(data):
        sec, nsec, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if linktype == 1:  # lo is shown as Ethernet
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            pkt = pkt[14:]
        if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 17:
            continue
        ihl = (pkt[0] & 15) * 4
        if len(pkt) < ihl + 10:
            continue
        sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
        qid, = struct.unpack("!H", pkt[ihl + 8:ihl + 10])
        out.append((sec * 1000000000 + nsec, sport, dport, qid))
    return out


def parse_us(text):
    for suffix, mult in (("us", 1), ("ms", 1000), ("s", 1000000)):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * mult
    sys.exit("timing: bad duration '%s' (give 100us, 5ms, 2s ...)" % text)


def pct(vals, p):
    if not vals:
        return float("nan")
    return vals[min(len(vals) - 1, int(round(p / 100.0 * (len(vals) - 1))))]


def load(stop, rate, counter):
    """Other clients: plain and delayed names to both servers, answers read and dropped."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(8)]
    for s in socks:
        s.setblocking(False)
    n = 0
    interval = 1.0 / rate if rate else None
    next_t = time.monotonic()
    while not stop.is_set():
        if interval is None:
            time.sleep(0.1)
            continue
        s = socks[n % len(socks)]
        name = ("a-d3ms.l%d.lab.test" if n % 4 == 0 else "l%d.lab.test") % n
        for port in (FAKENS_PORT, UVTIMER_PORT):
            s.sendto(build_query(n & 0xFFFF, name, 1), ("127.0.0.1", port))
        counter[0] += 2
        n += 1
        r, _, _ = select.select(socks, [], [], 0)
        for x in r:
            try:
                while True:
                    x.recv(512)
            except BlockingIOError:
                pass
        next_t += interval
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def run(args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    tmp = tempfile.mkdtemp(prefix="fakens-timing.")
    pcap = os.path.join(tmp, "t.pcap")
    tcpdump = subprocess.Popen(
        ["tcpdump", "-i", "lo", "-j", "adapter_unsynced", "--time-stamp-precision=nano",
         "--immediate-mode", "-U", "-B", "16384", "-w", pcap,
         "udp and (port %d or port %d)" % (FAKENS_PORT, UVTIMER_PORT)],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "tcpdump.err"), "w"))
    prio = ["chrt", "-f", "10"] if args.chrt else []
    cmd = prio + [os.path.join(args.build, "bin", "fakens"), "-l", "127.0.0.1:%d" % FAKENS_PORT,
                  "-L", os.path.join(tmp, "fakens.jsonl"), "--rate-limit", "0"]
    if args.spin_us is not None:
        cmd += ["--spin-us", str(args.spin_us)]
    r, w = os.pipe()
    fakens = subprocess.Popen(cmd + ["--ready-fd", str(w)], pass_fds=(w,))
    os.close(w)
    os.read(r, 16)
    os.close(r)
    ref = subprocess.Popen(prio + [args.uvtimer, str(UVTIMER_PORT)], stdout=subprocess.PIPE)
    ref.stdout.readline()
    time.sleep(1.0)  # tcpdump needs a moment before it sees packets

    stop = threading.Event()
    counter = [0]
    th = threading.Thread(target=load, args=(stop, args.load, counter), daemon=True)
    th.start()

    gaps = [g.strip() for g in args.gaps.split(",")]
    trials = {}  # (server port, client port, A query ID) -> gap_us; ports get reused
    n = 0
    for g in gaps:
        gap = parse_us(g)
        socks = []
        for _ in range(args.trials):
            for port in (FAKENS_PORT, UVTIMER_PORT):
                n += 1
                name = "a-d%dus.aaaa-d%dus.t%06d.lab.test" % (BASE_US, BASE_US + gap, n)
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", 0))
                qid = (2 * n) & 0xFFFF
                s.sendto(build_query(qid, name, 1), ("127.0.0.1", port))
                s.sendto(build_query(qid + 1, name, 28), ("127.0.0.1", port))
                trials[(port, s.getsockname()[1], qid)] = gap
                socks.append(s)
            time.sleep(random.uniform(0.002, 0.006))
        # Wait for the last answers, reading them so no socket buffer fills.
        deadline = time.monotonic() + (BASE_US + gap) / 1e6 + 0.2
        while time.monotonic() < deadline:
            rd, _, _ = select.select(socks, [], [], 0.05)
            for s in rd:
                s.recv(512)
        for s in socks:
            s.close()

    stop.set()
    th.join()
    time.sleep(0.3)
    fakens.terminate()
    ref.terminate()
    fakens.wait()
    ref.wait()
    tcpdump.terminate()
    tcpdump.wait()

    seen = {}  # (server, client, id, 'q'|'a') -> first wire time
    for ts, sport, dport, qid in read_pcap(pcap):
        if dport in (FAKENS_PORT, UVTIMER_PORT):
            seen.setdefault((dport, sport, qid, "q"), ts)
        else:
            seen.setdefault((sport, dport, qid, "a"), ts)  # the first answer of each
    errs = {}
    for (server, client, qid), gap in trials.items():
        t = [seen.get((server, client, i, k)) for i in (qid, qid + 1) for k in ("q", "a")]
        if None in t:
            continue
        qa, aa, qaaaa, aaaaa = t
        err = (aaaaa - aa) - (gap * 1000 + qaaaa - qa)
        errs.setdefault((server, gap), []).append(err)

    print("gap error = (AAAA answer - A answer) - (gap + AAAA query - A query) on the wire, us;"
          " %d trials per gap and server, background load %d queries/s to each server%s"
          % (args.trials, args.load, ", chrt -f 10" if args.chrt else ""))
    print("%-8s %-8s %5s %9s %9s %9s %9s" % ("gap", "server", "n", "median", "|med|", "|p99|",
                                           "|max|"))
    for g in gaps:
        gap = parse_us(g)
        for port, label in ((FAKENS_PORT, "fakens"), (UVTIMER_PORT, "uvtimer")):
            v = sorted(errs.get((port, gap), []))
            a = sorted(abs(x) for x in v)
            print("%-8s %-8s %5d %9.1f %9.1f %9.1f %9.1f" % (
                g, label, len(v), pct(v, 50) / 1e3, pct(a, 50) / 1e3, pct(a, 99) / 1e3,
                pct(a, 100) / 1e3))
    with open(os.path.join(tmp, "tcpdump.err")) as f:
        drops = [l.strip() for l in f if "dropped" in l]
    missing = len(trials) - sum(len(v) for v in errs.values())
    print("load sent: %d queries; tcpdump: %s; unmatched trials: %d; files in %s"
          % (counter[0], "; ".join(drops), missing, tmp))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="the CMake build directory (holds bin/fakens and lib/)")
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--gaps", default="100us,250us,1ms,10ms,100ms,1s,2s")
    ap.add_argument("--load", type=int, default=500, help="background queries/s per server")
    ap.add_argument("--spin-us", type=int)
    ap.add_argument("--chrt", action="store_true", help="run both servers under chrt -f 10")
    ap.add_argument("--uvtimer", help=argparse.SUPPRESS)
    ap.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.in_netns:
        here = os.path.dirname(os.path.abspath(__file__))
        src = os.path.dirname(here)
        subprocess.run([os.path.join(src, "scripts", "deps.sh"), "build", "bench"], check=True)
        if os.geteuid() != 0:
            sys.exit("timing: run as root (it makes a network namespace and captures on lo)")
        build = os.path.abspath(args.build)
        lib = os.path.join(build, "lib", "libstubprobe.a")
        if not os.path.exists(os.path.join(build, "bin", "fakens")) or not os.path.exists(lib):
            sys.exit("timing: no fakens or lib/libstubprobe.a under '%s'; build first: "
                     "cmake --build %s --target fakens" % (build, build))
        exe = os.path.join(build, "bench", "uvtimer_server")
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        cflags = subprocess.run(["pkg-config", "--cflags", "--libs", "libuv"], check=True,
                                capture_output=True, text=True).stdout.split()
        subprocess.run(["gcc", "-O2", "-Wall", "-o", exe, os.path.join(here, "uvtimer_server.c"),
                        "-I", os.path.join(src, "lib"), "-I", os.path.join(build, "generated"),
                        lib] + cflags, check=True)
        argv = [a for a in sys.argv[1:]]
        os.execvp("unshare", ["unshare", "-n", sys.executable, os.path.abspath(__file__),
                              "--in-netns", "--uvtimer", exe] + argv)
    args.build = os.path.abspath(args.build)
    run(args)


if __name__ == "__main__":
    main()
