package dev.junction.it.shard;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The {@code specials} table (sharded by {@code customer_id}): values whose text or ordering drivers
 * and mergers get wrong — infinity and BC dates, NaN and infinite doubles, {@code 4} as a double,
 * 40-digit numerics and unconstrained numerics with their scale, bytea, empty strings, intervals,
 * arrays, booleans, -0 and 0, numerics equal at different scales, times with microseconds and
 * timetz values at one instant in different zones, and NULL in every column. Loaded with literal INSERTs through Junction (each
 * routed to one shard by its key) and on the oracle. Also the collations the COLLATION family uses,
 * created directly on every shard and on the oracle (CREATE COLLATION names no table, so Junction
 * would send it to the default shard only).
 */
public final class Specials {
  /** An ICU collation (created by the test under a name JSqlParser can read unquoted). */
  public static final String PG_ICU = "jx_icu_de";
  /** A nondeterministic (case-insensitive) ICU collation. */
  public static final String PG_NONDETERMINISTIC = "jx_nd_ci";

  private Specials() {}

  public static String ddl(SqlFlavor f) {
    if (f == SqlFlavor.POSTGRESQL) {
      return "CREATE TABLE specials (id bigint NOT NULL, customer_id bigint NOT NULL, f double precision NULL, r real NULL,"
          + " d date NULL, ts timestamp NULL, tz timestamptz NULL, n numeric(40,10) NULL, ni numeric NULL, b bytea NULL,"
          + " s varchar(20) NULL, iv interval NULL, arr int[] NULL, bo boolean NULL, z double precision NULL, ns numeric NULL,"
          + " t time NULL, tt timetz NULL, PRIMARY KEY (customer_id, id))";
    }
    return "CREATE TABLE specials (id bigint NOT NULL, customer_id bigint NOT NULL, f double NULL, r float NULL,"
        + " d date NULL, ts datetime(6) NULL, n decimal(40,10) NULL, b varbinary(16) NULL, s varchar(20) NULL,"
        + " bo boolean NULL, z double NULL, t time(6) NULL, PRIMARY KEY (customer_id, id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        // NO PAD: with utf8mb4_bin (PAD SPACE) '' and ' ' are one value to MariaDB but two to the merger;
        // docs/sharding.md requires a no-pad binary collation for text merged across shards
        + " COLLATE=utf8mb4_nopad_bin";
  }

  /** The value columns the generator selects, sorts and groups by. */
  public static List<String> columns(SqlFlavor f) {
    return f == SqlFlavor.POSTGRESQL ? List.of("f", "r", "d", "ts", "tz", "n", "ni", "b", "s", "iv", "arr", "bo", "z", "ns", "t", "tt")
        : List.of("f", "r", "d", "ts", "n", "b", "s", "bo", "z", "t");
  }

  /** Statements run directly on each shard and on the oracle before the queries. */
  public static List<String> collations(SqlFlavor f) {
    if (f != SqlFlavor.POSTGRESQL) {
      return List.of(); // MariaDB's collations are built in
    }
    return List.of(
        "CREATE COLLATION IF NOT EXISTS " + PG_ICU + " (provider = icu, locale = 'de-DE')",
        "CREATE COLLATION IF NOT EXISTS " + PG_NONDETERMINISTIC
            + " (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  }

  /** One INSERT per row, literals only, each naming its key. */
  public static List<String> inserts(SqlFlavor flavor, List<Long> customerIds, long seed) {
    boolean pg = flavor == SqlFlavor.POSTGRESQL;
    Random rnd = new Random(seed);
    String[] f = pg ? new String[] {"4", "4.5", "-0.5", "1e300", "'NaN'", "'Infinity'", "'-Infinity'", "0.1", "NULL", "12345678.25",
        "-4", "0"} : new String[] {"4", "4.5", "-0.5", "1e300", "0.1", "NULL", "12345678.25", "-4", "0", "1e-300"};
    String[] r = pg ? new String[] {"4", "0.1", "'NaN'", "NULL", "-2.5", "3e38"} : new String[] {"4", "0.1", "NULL", "-2.5", "3e38"};
    String[] d = pg ? new String[] {"'2024-01-01'", "'infinity'", "'-infinity'", "'0044-03-15 BC'", "NULL", "'9999-12-31'",
        "'0001-01-01'", "'1999-12-31'"} : new String[] {"'2024-01-01'", "NULL", "'9999-12-31'", "'1000-01-01'", "'1999-12-31'"};
    String[] ts = pg ? new String[] {"'2024-01-01 10:00:00'", "'infinity'", "'-infinity'", "'0044-03-15 12:30:00 BC'", "NULL",
        "'2024-02-29 23:59:59.123456'", "'1970-01-01 00:00:00'"}
        : new String[] {"'2024-01-01 10:00:00'", "NULL", "'2024-02-29 23:59:59.123456'", "'1970-01-01 00:00:01'",
            "'9999-12-31 23:59:59.999999'"};
    String[] tz = {"'2024-01-01 10:00:00+02'", "'infinity'", "NULL", "'1999-12-31 23:00:00-05'"};
    String[] n = {"12345678901234567890.1234567890", "-0.0000000001", "0", "NULL", "1.5", "-99999999999999999999.9999999999",
        "4"};
    String[] ni = {"'NaN'", "1e-20", "123.4500", "NULL", "0.000", "100"};
    String[] b = pg ? new String[] {"'\\x00ff'", "'\\x'", "'abc'::bytea", "NULL", "'\\x80'"}
        : new String[] {"x'00ff'", "x''", "'abc'", "NULL", "x'80'"};
    String[] s = {"''", "NULL", "'x'", "'\u00e9'", "'X'", "'e\u0301'", "' '", "'gift'", "'Gift'"};
    // '1 day' = '24:00:00' and '1 mon' = '30 days' in PostgreSQL (one GROUP BY group), but not as text or
    // as the driver's PGInterval: a merge grouping by Java equality splits them
    String[] iv = {"'1 day 02:03:04'", "'-1 mon'", "NULL", "'0'", "'1 year 2 mons 3 days 04:05:06.789'", "'1 day'",
        "'24:00:00'", "'1 mon'", "'30 days'"};
    String[] arr = {"'{1,2,NULL}'", "'{}'", "NULL", "'{-1}'"};
    String[] bo = {"true", "false", "NULL"};
    // equal to the database, unequal to Java's equals: -0 and 0 (and NaN = NaN in PostgreSQL), 1.0 and 1.00. Only
    // grouped by count and ordered (a group's printed representative would be either, on the oracle too)
    String[] z = pg ? new String[] {"'-0'", "0", "'NaN'", "NULL", "1", "'-0'"} : new String[] {"-0e0", "0", "NULL", "1", "-0e0"};
    String[] ns = {"1.0", "1.00", "1", "'-0.0'", "0", "'NaN'", "NULL", "2.50", "2.5"};
    // time keeps microseconds, java.sql.Time milliseconds; timetz equality is time and zone, not the instant:
    // 12:00+01 and 11:00+00 are two values (one java.sql.Time), ordered by UTC time, then zone east of UTC first
    String[] t = pg ? new String[] {"'12:00:00'", "'12:00:00.0001'", "'12:00:00.0009'", "'12:00:00.000100'", "'00:00:00'",
        "'23:59:59.999999'", "'24:00:00'", "NULL"}
        : new String[] {"'12:00:00'", "'12:00:00.0001'", "'12:00:00.0009'", "'12:00:00.000100'", "'00:00:00'",
            "'23:59:59.999999'", "NULL"};
    String[] tt = {"'12:00:00+01'", "'11:00:00+00'", "'11:00:00+00:00'", "'12:00:00.0005+01'", "'12:00:00.0001+01'",
        "'23:00:00-02'", "'01:00:00+00'", "'00:00:00+14'", "'10:30:00-00:30'", "NULL"};
    List<String> out = new ArrayList<>();
    for (int id = 1; id <= 160; id++) {
      long key = customerIds.get(rnd.nextInt(customerIds.size()));
      StringBuilder sql = new StringBuilder(pg
          ? "INSERT INTO specials (id, customer_id, f, r, d, ts, tz, n, ni, b, s, iv, arr, bo, z, ns, t, tt) VALUES ("
          : "INSERT INTO specials (id, customer_id, f, r, d, ts, n, b, s, bo, z, t) VALUES (");
      sql.append(id).append(", ").append(key);
      boolean allNull = id % 23 == 0; // NULL in every value column
      for (String[] column : pg ? new String[][] {f, r, d, ts, tz, n, ni, b, s, iv, arr, bo, z, ns, t, tt}
          : new String[][] {f, r, d, ts, n, b, s, bo, z, t}) {
        sql.append(", ").append(allNull ? "NULL" : column[rnd.nextInt(column.length)]);
      }
      out.add(sql.append(')').toString());
    }
    return out;
  }
}
