#!/usr/bin/env python3
"""Per-client fairness: transactions per client (min/median/max) and the slowest transactions' neighbours."""
import os, sys, collections, statistics
for d in sys.argv[1:]:
    cnt = collections.Counter(); mx = collections.defaultdict(int)
    for f in os.listdir(d):
        for line in open(os.path.join(d, f)):
            c = line.split()
            if len(c) >= 6:
                cnt[int(c[0])] += 1; mx[int(c[0])] = max(mx[int(c[0])], int(c[2]))
    v = sorted(cnt.values())
    print(f"{os.path.basename(d):42s} clients={len(v)} tx/client min={v[0]} p10={v[len(v)//10]} med={v[len(v)//2]} p90={v[9*len(v)//10]} max={v[-1]}  max-lat median over clients={statistics.median(mx.values())/1000:.1f}ms")
