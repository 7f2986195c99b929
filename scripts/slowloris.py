#!/usr/bin/env python3
"""Slow clients for load tests of `feedmill serve` on loopback.

Holds N connections to HOST:PORT, each sending a request head one byte every DRIP seconds
and never finishing it (the slowloris attack). A connection the server closes is opened
again, so N stay open for the whole run. Stops by itself after SECONDS (or on SIGTERM) and prints how many
connections it opened, how many the server closed, and how many it held at the end.

    scripts/slowloris.py --port 18080 --connections 1000 --drip 5 --seconds 70

Only loopback addresses are accepted: this is a test tool for a server of our own.
"""

import argparse
import ipaddress
import selectors
import signal
import socket
import sys
import time

HEAD = b"GET /other-news/rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--drip", type=float, default=5.0, help="seconds between two bytes")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    args = ap.parse_args()
    if not ipaddress.ip_address(args.host).is_loopback:
        print("slowloris.py: only loopback addresses", file=sys.stderr)
        return 2

    sel = selectors.DefaultSelector()
    conns = {}  # socket -> bytes of HEAD sent
    opened = closed = failed = 0
    deadline = time.monotonic() + args.seconds

    def stop(*_):
        nonlocal deadline
        deadline = time.monotonic()

    # SIGTERM ends the run early, with the summary still printed.
    signal.signal(signal.SIGTERM, stop)

    def open_one():
        nonlocal opened, failed
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect_ex((args.host, args.port))
        except OSError:
            failed += 1
            s.close()
            return
        conns[s] = 0
        sel.register(s, selectors.EVENT_READ)
        opened += 1

    def drop(s):
        sel.unregister(s)
        conns.pop(s, None)
        s.close()

    # Open them spread over one drip interval, as a real attack would ramp up.
    step = args.drip / max(args.connections, 1)
    next_drip = time.monotonic() + args.drip
    while len(conns) < args.connections and time.monotonic() < deadline:
        open_one()
        time.sleep(min(step, 0.01))
    while time.monotonic() < deadline:
        timeout = max(0.0, min(next_drip, deadline) - time.monotonic())
        for key, _ in sel.select(timeout):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:  # closed by the server
                closed += 1
                drop(s)
        if time.monotonic() >= next_drip:
            for s in list(conns):
                sent = conns[s]
                byte = HEAD[sent : sent + 1] if sent < len(HEAD) else b"x"
                try:
                    s.send(byte)
                    conns[s] = sent + 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    closed += 1
                    drop(s)
            while len(conns) < args.connections:
                open_one()
            next_drip = time.monotonic() + args.drip
    held = len(conns)
    for s in list(conns):
        drop(s)
    print(
        f"slowloris: {opened} connections opened, {closed} closed by the server, "
        f"{failed} failed to open, {held} held at the end (target {args.connections})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
