import csv, sys, statistics, collections
rows = [r for r in csv.reader(l for l in open(sys.argv[1]) if not l.startswith('#'))]
hdr = rows[0]; rows = rows[1:]
ix = {h: i for i, h in enumerate(hdr)}
d = collections.defaultdict(dict)
for r in rows:
    d[(r[ix['mode']], r[ix['round']])][r[ix['target']]] = r
for mode in ['simple', 'extended', 'prepared']:
    ks = sorted(k for k in d if k[0] == mode)
    if not ks: continue
    print(f'== {mode}')
    rat = collections.defaultdict(list); tps = collections.defaultdict(list); loop = collections.defaultdict(list); mach = collections.defaultdict(list)
    for k in ks:
        t = d[k]; b = float(t['pgbouncer'][ix['tps']]) if 'pgbouncer' in t else None
        line = f'round {k[1]}:'
        for name, r in t.items():
            v = float(r[ix['tps']]); tps[name].append(v); mach[name].append(float(r[ix['machine_cpu_us_per_tx']]))
            if r[ix['loop_us']]: loop[name].append(float(r[ix['loop_us']]))
            if b and name != 'pgbouncer':
                rat[name].append(v / b); line += f' {name} {v/b:.2f}'
        print(line)
    for name in tps:
        print(f'  {name:15s} tps median {statistics.median(tps[name]):8.0f}  machine us/tx {statistics.median(mach[name]):5.1f}'
              + (f'  loop us/tx {statistics.median(loop[name]):5.1f}' if loop[name] else '')
              + (f'  /pgbouncer per-round median {statistics.median(rat[name]):.2f} (min {min(rat[name]):.2f} max {max(rat[name]):.2f})' if rat[name] else ''))
