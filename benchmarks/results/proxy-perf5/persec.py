#!/usr/bin/env python3
import os, sys, collections
for d in sys.argv[1:]:
    by = collections.defaultdict(list)
    for f in os.listdir(d):
        for line in open(os.path.join(d, f)):
            c = line.split()
            if len(c) >= 6: by[int(c[4])].append(int(c[2]))
    out = []
    for t in sorted(by):
        v = sorted(by[t]); out.append(f"{t%1000}:{len(v)//100}h/p99={v[int(len(v)*.99)]/1000:.0f}")
    print(os.path.basename(d), " ".join(out))
