// node-postgres through the proxy or directly; prints one JSON document the test compares.
// usage: node node-client.js '<connection json>'
const { Client, Pool } = require('pg');
const cfg = JSON.parse(process.argv[2]);

function plain(v) {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return 'buffer:' + v.toString('hex');
  if (v instanceof Date) return 'date:' + v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = plain(v[k]);
    return o;
  }
  return typeof v + ':' + String(v);
}

(async () => {
  const out = { named: [] };
  const c = new Client(cfg);
  await c.connect();
  const r = await c.query(`SELECT ARRAY[1,2,3]::int[] AS ints, ARRAY['a','b,c', NULL]::text[] AS texts,
      '{"a":[1,2],"b":{"c":null}}'::jsonb AS j, 12345.678901::numeric AS n,
      '2026-11-23 10:15:30.123456+02'::timestamptz AS ts, '1 year 2 mons 3 days 04:05:06.5'::interval AS iv,
      '192.168.0.1/24'::inet AS ip, 'happy'::mood AS m, '\\x0001ff'::bytea AS b, ARRAY['2026-01-01'::date] AS dates,
      NULL::int AS nul, true AS flag, 3.5::float8 AS f, 9007199254740993::int8 AS big, 'B'::bit(3) AS bits,
      '12.34'::money AS cash, '10:11:12+05:30'::timetz AS tz, '0044-03-15 BC'::date AS bc, ARRAY[1.5, NULL]::numeric[] AS nums`);
  out.types = plain(r.rows[0]);
  out.fields = r.fields.map(f => [f.name, f.dataTypeID, f.format]);
  // A named prepared statement reused across transactions: each may run on another backend.
  for (let i = 0; i < 25; i++) {
    await c.query('BEGIN');
    const q = await c.query({ name: 'add-one', text: 'SELECT $1::int + 1 AS v, $2::text AS t', values: [i, 'x' + i] });
    await c.query('COMMIT');
    const q2 = await c.query({ name: 'add-one', values: [i * 10, 'y'] });
    out.named.push([q.rows[0].v, q.rows[0].t, q2.rows[0].v]);
  }
  // Binary (Buffer) parameters.
  const bq = await c.query('SELECT $1::bytea AS b, length($1::bytea) AS l', [Buffer.from([0, 1, 2, 255])]);
  out.bytea = plain(bq.rows[0]);
  // An error inside a transaction, then recovery.
  await c.query('BEGIN');
  try { await c.query('SELECT 1/0'); } catch (e) { out.error = e.code; }
  try { await c.query('SELECT 1'); } catch (e) { out.aborted = e.code; }
  await c.query('ROLLBACK');
  await c.end();
  // A pg.Pool of 50 with 300 concurrent queries.
  const pool = new Pool({ ...cfg, max: 50 });
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) =>
    pool.query('SELECT $1::int * 2 AS v', [i]).then(res => res.rows[0].v)));
  out.pool = results.reduce((a, b) => a + b, 0);
  await pool.end();
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
