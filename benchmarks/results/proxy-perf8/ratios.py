"""Per-round TPS ratios to PgBouncer (same round) by workload, mode and clients: median (min-max).
Usage: python3 ratios.py <dir>/proxy-detail.csv [...]"""
import csv, sys, statistics, collections
cells = collections.defaultdict(lambda: collections.defaultdict(dict))
for path in sys.argv[1:]:
    rows = list(csv.reader(l for l in open(path) if not l.startswith('#')))
    ix = {h: i for i, h in enumerate(rows[0])}
    for r in rows[1:]:
        key = (r[ix['workload']], r[ix['mode']], int(r[ix['clients']]))
        cells[key][r[ix['round']]][r[ix['target']]] = r, ix
for key in sorted(cells):
    ratios = collections.defaultdict(list); loop = collections.defaultdict(list)
    for rnd, targets in cells[key].items():
        if 'pgbouncer' not in targets:
            continue
        r0, ix0 = targets['pgbouncer']; base = float(r0[ix0['tps']])
        for name, (r, ix) in targets.items():
            ratios[name].append(float(r[ix['tps']]) / base if base == base and base > 0 else float('nan'))
            if r[ix['loop_us']]:
                loop[name].append(float(r[ix['loop_us']]))
    parts = []
    for name in ratios:
        v = ratios[name]
        s = f'{name} {statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})' if name != 'pgbouncer' else 'pgbouncer 1.00'
        if loop[name]:
            s += f' loop {statistics.median(loop[name]):.1f}us'
        parts.append(s)
    print(f'{key[0]:11s} {key[1]:8s} {key[2]:4d}: ' + ' | '.join(parts))
