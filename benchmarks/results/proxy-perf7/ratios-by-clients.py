import csv, sys, statistics, collections
rows = [r for r in csv.reader(l for l in open(sys.argv[1]) if not l.startswith('#'))]
hdr = rows[0]; ix = {h: i for i, h in enumerate(hdr)}; rows = rows[1:]
d = collections.defaultdict(dict)
for r in rows:
    d[(r[ix['mode']], r[ix['clients']], r[ix['round']])][r[ix['target']]] = float(r[ix['tps']])
out = collections.defaultdict(list)
for (mode, c, rnd), t in d.items():
    if 'pgbouncer' in t and 'junction' in t:
        out[(mode, c)].append(t['junction'] / t['pgbouncer'])
for k in sorted(out):
    v = out[k]; print(k, 'median %.2f' % statistics.median(v), 'rounds', ' '.join('%.2f' % x for x in v))
