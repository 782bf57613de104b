#!/usr/bin/env python3
"""Gaps in completions: periods where no transaction of any client completed (global stalls)."""
import os, sys
for d in sys.argv[1:]:
    ends = []
    for f in os.listdir(d):
        for line in open(os.path.join(d, f)):
            c = line.split()
            if len(c) >= 6: ends.append(int(c[4]) * 1_000_000 + int(c[5]))
    ends.sort()
    gaps = [(b - a) / 1000 for a, b in zip(ends, ends[1:])]
    span = (ends[-1] - ends[0]) / 1e6
    for t in (5, 10, 20, 50):
        g = [x for x in gaps if x >= t]
        print(f"{os.path.basename(d):42s} gaps>={t:2d}ms: {len(g):4d} total {sum(g):7.0f} ms of {span:.1f}s", end="; ")
    print()
