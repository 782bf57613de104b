#!/usr/bin/env python3
"""Tail analysis of kept pgbench logs: p50/p99/max, slow-tx count, and whether slow transactions
cluster in time (a global stall: many clients slow in the same 10 ms window) or are spread (queueing)."""
import os, sys, collections
for d in sorted(os.listdir(sys.argv[1])):
    path = os.path.join(sys.argv[1], d)
    lat = []; slow_windows = collections.Counter(); starts=[]
    for f in os.listdir(path):
        for line in open(os.path.join(path, f)):
            c = line.split()
            if len(c) < 6: continue
            l = int(c[2]); end = int(c[4]) * 1_000_000 + int(c[5])
            lat.append(l)
            if l > 15000:
                slow_windows[end // 10000] += 1
    if not lat: continue
    lat.sort(); n = len(lat)
    p = lambda q: lat[min(n - 1, int(n * q))] / 1000
    slow = sum(slow_windows.values())
    clustered = sum(v for v in slow_windows.values() if v >= 8)
    top = slow_windows.most_common(3)
    print(f"{d:45s} n={n:7d} p50={p(.5):6.2f} p99={p(.99):6.2f} p999={p(.999):6.2f} max={lat[-1]/1000:7.1f} "
          f">15ms={slow:6d} in-windows>=8: {clustered:6d} windows={len(slow_windows)} top={[v for k,v in top]}")
