# psycopg2 through the proxy or directly; prints one JSON document the test compares.
# usage: /usr/bin/python3 psycopg2_client.py '<connection json>' <table>
import hashlib
import io
import json
import sys

import psycopg2

cfg = json.loads(sys.argv[1])
table = sys.argv[2]
out = {}
conn = psycopg2.connect(**cfg)
cur = conn.cursor()
cur.execute("DROP TABLE IF EXISTS %s" % table)
cur.execute("CREATE TABLE %s (id int primary key, v text)" % table)
cur.executemany("INSERT INTO " + table + " VALUES (%s, %s)", [(i, "v%d" % i) for i in range(100)])
conn.commit()
buf = io.StringIO("".join("%d\tc%d\n" % (i, i) for i in range(100, 300)))
cur.copy_expert("COPY %s FROM STDIN" % table, buf)
conn.commit()
copied = io.StringIO()
cur.copy_expert("COPY (SELECT * FROM %s ORDER BY id) TO STDOUT" % table, copied)
out["copy_out_lines"] = len(copied.getvalue().splitlines())
out["copy_out_sha"] = hashlib.sha256(copied.getvalue().encode()).hexdigest()
conn.commit()
named = conn.cursor(name="big_cursor")
named.itersize = 37
named.execute("SELECT id, v FROM %s ORDER BY id" % table)
rows = [r for r in named]
named.close()
conn.commit()
out["cursor_rows"] = len(rows)
out["cursor_sum"] = sum(r[0] for r in rows)
cur.execute("SELECT ARRAY[1,2]::int[], '1 day 02:03'::interval, 12.5::numeric, '2026-01-02T03:04:05+00'::timestamptz, "
            "'{\"k\": [1]}'::jsonb, '\\x00ff'::bytea, NULL::text")
out["types"] = [repr(x) if not isinstance(x, memoryview) else bytes(x).hex() for x in cur.fetchone()]
try:
    cur.execute("SELECT 1/0")
except psycopg2.Error as e:
    out["error"] = e.pgcode
    conn.rollback()
cur.execute("SELECT count(*) FROM %s" % table)
out["count"] = cur.fetchone()[0]
conn.commit()
conn.close()
print(json.dumps(out, sort_keys=True))
