#!/usr/bin/env python3
"""Summarises proxy-detail.csv: per target and mode, the median over the rounds without perf tracing
(all rounds if only one) of each column, and the perf columns of the traced round."""
import csv, sys, statistics
path = sys.argv[1]
rows = [r for r in csv.DictReader(l for l in open(path) if not l.startswith('#'))]
rounds = max(int(r['round']) for r in rows)
perf = 'perf_syscalls_per_tx' in rows[0]
clean = [r for r in rows if not perf or rounds == 1 or int(r['round']) < rounds]
cols = ['tps','machine_cpu_us_per_tx','cpu_us_per_tx','loop_us','jit_us','gc_us','lag_us','forkjoin_us','other_us','vcsw_per_tx','ivcsw_per_tx']
keys = sorted({(r['mode'], r['target']) for r in rows})
print('mode,target,' + ','.join(cols) + ' (median of clean rounds: %s)' % sorted({r['round'] for r in clean}))
for mode, target in keys:
    sel = [r for r in clean if r['mode']==mode and r['target']==target]
    vals = []
    for c in cols:
        v = [float(r[c]) for r in sel if r.get(c) not in (None, '')]
        vals.append('%.2f' % statistics.median(v) if v else '')
    print(f'{mode},{target},' + ','.join(vals))
if perf:
    pc = [c for c in rows[0].keys() if c.startswith('perf_')]
    print('\ntraced round %d: mode,target,' % rounds + ','.join(pc))
    for mode, target in keys:
        for r in rows:
            if r['mode']==mode and r['target']==target and int(r['round'])==rounds and r.get(pc[0]):
                print(f'{mode},{target},' + ','.join(r[c] for c in pc))
