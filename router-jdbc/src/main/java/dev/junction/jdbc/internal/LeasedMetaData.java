package dev.junction.jdbc.internal;

import java.sql.ParameterMetaData;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.Set;

/**
 * A driver's result or parameter metadata, leased to the physical connection it came from.
 *
 * <h2>Why</h2>
 * pgjdbc's {@code PgResultSetMetaData} keeps its connection and answers lazily: {@code isNullable},
 * {@code isAutoIncrement}, {@code getTableName} and pgjdbc's {@code getBase*Name} run a catalog query on it the first
 * time one is asked ({@code fetchFieldMetaData}), and the type getters ({@code getColumnType}, {@code getColumnTypeName},
 * {@code getColumnClassName}, {@code isCurrency}; {@code PgParameterMetaData}'s too) query {@code pg_type} for a type
 * the connection has not seen (an enum, a domain, a composite). Outside a transaction a logical connection gives its
 * physical connection back between statements, so metadata kept past that point ran its query on whichever
 * connection the pool lent next: inside another borrower's transaction, or failing with that borrower's 25P02.
 *
 * <h2>What it answers</h2>
 * <ul>
 *   <li>While the {@link Lease} holds (the physical connection is this logical connection's), the driver answers,
 *       and each answer is kept.</li>
 *   <li>Afterwards, a question asked while the lease held is answered from what was kept; any other fails with
 *       {@link Lease#EXPIRED} (0F001) without touching the connection. The column (parameter) count is read at
 *       wrapping and always answered; {@code isWrapperFor} never needs the connection; {@code unwrap} to the
 *       driver's object is refused after the lease lapsed.</li>
 *   <li>Drivers whose metadata is built from the result's own fields and never reaches the server (Connector/J's) are
 *       handed out as they are ({@code IN_MEMORY}), as {@link JunctionLobs} does for in-memory LOBs. pgjdbc answers
 *       some questions from the result's fields and the connection's in-memory type tables (labels, names, precision,
 *       scale, signedness, display size, case sensitivity, constants; measured in its bytecode, 42.7): those go to
 *       the driver at any time ({@code PG_FIELDS}), so a row mapper over a refcursor's rows after COMMIT reads
 *       its labels as it does without Junction.</li>
 * </ul>
 * Nothing is read eagerly: a result whose metadata is never asked costs nothing, and one asked only for counts and
 * labels (a row mapper) runs no catalog query.
 */
final class LeasedMetaData {
  private LeasedMetaData() {}

  /** Metadata classes known to answer from memory, never through their connection. */
  private static final Set<String> IN_MEMORY = Set.of("com.mysql.cj.jdbc.result.ResultSetMetaData",
      "com.mysql.cj.jdbc.MysqlParameterMetadata");

  /** pgjdbc's metadata classes, whose {@code PG_FIELDS} questions never reach the connection. */
  private static final Set<String> PG = Set.of("org.postgresql.jdbc.PgResultSetMetaData", "org.postgresql.jdbc.PgParameterMetaData");

  static boolean inMemory(Object md) {
    return IN_MEMORY.contains(md.getClass().getName());
  }

  /** {@code md} (null stays null) leased to {@code lease}, read now while it holds. */
  static ResultSetMetaData of(ResultSetMetaData md, Lease lease) throws SQLException {
    return md == null || md instanceof Results || md instanceof SnapshotMetaData || inMemory(md) ? md : new Results(md, lease);
  }

  /** {@code md} (null stays null) leased to {@code lease}, read now while it holds. */
  static ParameterMetaData of(ParameterMetaData md, Lease lease) throws SQLException {
    return md == null || md instanceof Parameters || inMemory(md) ? md : new Parameters(md, lease);
  }

  /** The answers kept while the lease held, per (column, question); and the refusal once it lapsed. */
  private static final class Kept {
    /** A text answer may be null: kept as this marker (an empty slot is a question not asked). */
    private static final Object NULL = new Object();

    private final Lease lease;
    private final String what;
    /** "column" or "parameter". */
    private final String unit;
    private final int count;
    private final int questions;
    /** Bit q: the driver answers question q without its connection (0: none known to). */
    private final long fromFields;
    private Object[] answers;

    Kept(Lease lease, String what, String unit, int count, int questions, long fromFields) {
      this.lease = lease;
      this.what = what;
      this.unit = unit;
      this.count = count;
      this.questions = questions;
      this.fromFields = fromFields;
    }

    /** Whether the driver may answer question {@code q} now. */
    boolean live(int q) {
      return (fromFields & 1L << q) != 0 || lease.valid();
    }

    /** Keeps {@code answer} to question {@code q} about column {@code column}, and returns it. */
    <T> T keep(int q, int column, T answer) {
      if (column >= 1 && column <= count) {
        Object[] a = answers;
        if (a == null) {
          a = new Object[count * questions];
          answers = a;
        }
        a[(column - 1) * questions + q] = answer;
      }
      return answer;
    }

    /** The answer kept for question {@code q} about {@code column}, or {@link Lease#EXPIRED} naming {@code name}. */
    Object kept(int q, int column, String name) throws SQLException {
      if (column < 1 || column > count) {
        throw new SQLException(unit + " index " + column + " is out of range 1.." + count, "22023");
      }
      Object[] a = answers;
      Object v = a == null ? null : a[(column - 1) * questions + q];
      if (v == null) {
        throw Lease.expired(what + " (" + name + " of " + unit + " " + column + ", not asked while its connection was held)");
      }
      return v;
    }

    boolean bool(int q, int column, String name) throws SQLException {
      return (Boolean) kept(q, column, name);
    }

    int integer(int q, int column, String name) throws SQLException {
      return (Integer) kept(q, column, name);
    }

    String text(int q, int column, String name) throws SQLException {
      Object v = kept(q, column, name);
      return v == NULL ? null : (String) v;
    }

    /** Keeps a text answer (null included), and returns it. */
    String keepText(int q, int column, String answer) {
      keep(q, column, answer == null ? NULL : answer);
      return answer;
    }

    /** {@code self}, or while the lease holds, the driver's {@code md} (or what it unwraps to). */
    <T> T unwrap(Object self, java.sql.Wrapper md, Class<T> iface) throws SQLException {
      if (iface.isInstance(self)) {
        return iface.cast(self);
      }
      lease.check(what);
      return iface.isInstance(md) ? iface.cast(md) : md.unwrap(iface);
    }
  }

  /** What both kinds share: the driver's object, the answers kept, unwrapping. */
  private abstract static class Leased<M extends java.sql.Wrapper> implements java.sql.Wrapper {
    final M md;
    final Kept kept;

    Leased(M md, Kept kept) {
      this.md = md;
      this.kept = kept;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return kept.unwrap(this, md, iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return iface.isInstance(this) || iface.isInstance(md) || md.isWrapperFor(iface);
    }

    @Override
    public String toString() {
      return "Junction " + kept.what + " leasing " + md;
    }
  }

  /** {@link ResultSetMetaData}: questions numbered for {@link Kept}. */
  static final class Results extends Leased<ResultSetMetaData> implements ResultSetMetaData {
    private static final int AUTO_INCREMENT = 0;
    private static final int CASE_SENSITIVE = 1;
    private static final int SEARCHABLE = 2;
    private static final int CURRENCY = 3;
    private static final int NULLABLE = 4;
    private static final int SIGNED = 5;
    private static final int DISPLAY_SIZE = 6;
    private static final int LABEL = 7;
    private static final int NAME = 8;
    private static final int SCHEMA = 9;
    private static final int PRECISION = 10;
    private static final int SCALE = 11;
    private static final int TABLE = 12;
    private static final int CATALOG = 13;
    private static final int TYPE = 14;
    private static final int TYPE_NAME = 15;
    private static final int READ_ONLY = 16;
    private static final int WRITABLE = 17;
    private static final int DEFINITELY_WRITABLE = 18;
    private static final int CLASS_NAME = 19;
    private static final int QUESTIONS = 20;
    /** pgjdbc answers these from the result's fields and its type tables in memory (no catalog or pg_type query). */
    private static final long PG_FIELDS = 1L << CASE_SENSITIVE | 1L << SEARCHABLE | 1L << SIGNED | 1L << DISPLAY_SIZE
        | 1L << LABEL | 1L << NAME | 1L << SCHEMA | 1L << PRECISION | 1L << SCALE | 1L << CATALOG | 1L << READ_ONLY
        | 1L << WRITABLE | 1L << DEFINITELY_WRITABLE;

    private Results(ResultSetMetaData md, Lease lease) throws SQLException {
      super(md, new Kept(lease, "result set's metadata", "column", md.getColumnCount(), QUESTIONS,
          PG.contains(md.getClass().getName()) ? PG_FIELDS : 0));
    }

    @Override public int getColumnCount() { return kept.count; }

    @Override public boolean isAutoIncrement(int c) throws SQLException {
      return kept.live(AUTO_INCREMENT) ? kept.keep(AUTO_INCREMENT, c, md.isAutoIncrement(c))
          : kept.bool(AUTO_INCREMENT, c, "isAutoIncrement");
    }
    @Override public boolean isCaseSensitive(int c) throws SQLException {
      return kept.live(CASE_SENSITIVE) ? kept.keep(CASE_SENSITIVE, c, md.isCaseSensitive(c))
          : kept.bool(CASE_SENSITIVE, c, "isCaseSensitive");
    }
    @Override public boolean isSearchable(int c) throws SQLException {
      return kept.live(SEARCHABLE) ? kept.keep(SEARCHABLE, c, md.isSearchable(c)) : kept.bool(SEARCHABLE, c, "isSearchable");
    }
    @Override public boolean isCurrency(int c) throws SQLException {
      return kept.live(CURRENCY) ? kept.keep(CURRENCY, c, md.isCurrency(c)) : kept.bool(CURRENCY, c, "isCurrency");
    }
    @Override public int isNullable(int c) throws SQLException {
      return kept.live(NULLABLE) ? kept.keep(NULLABLE, c, md.isNullable(c)) : kept.integer(NULLABLE, c, "isNullable");
    }
    @Override public boolean isSigned(int c) throws SQLException {
      return kept.live(SIGNED) ? kept.keep(SIGNED, c, md.isSigned(c)) : kept.bool(SIGNED, c, "isSigned");
    }
    @Override public int getColumnDisplaySize(int c) throws SQLException {
      return kept.live(DISPLAY_SIZE) ? kept.keep(DISPLAY_SIZE, c, md.getColumnDisplaySize(c))
          : kept.integer(DISPLAY_SIZE, c, "getColumnDisplaySize");
    }
    @Override public String getColumnLabel(int c) throws SQLException {
      return kept.live(LABEL) ? kept.keepText(LABEL, c, md.getColumnLabel(c)) : kept.text(LABEL, c, "getColumnLabel");
    }
    @Override public String getColumnName(int c) throws SQLException {
      return kept.live(NAME) ? kept.keepText(NAME, c, md.getColumnName(c)) : kept.text(NAME, c, "getColumnName");
    }
    @Override public String getSchemaName(int c) throws SQLException {
      return kept.live(SCHEMA) ? kept.keepText(SCHEMA, c, md.getSchemaName(c)) : kept.text(SCHEMA, c, "getSchemaName");
    }
    @Override public int getPrecision(int c) throws SQLException {
      return kept.live(PRECISION) ? kept.keep(PRECISION, c, md.getPrecision(c)) : kept.integer(PRECISION, c, "getPrecision");
    }
    @Override public int getScale(int c) throws SQLException {
      return kept.live(SCALE) ? kept.keep(SCALE, c, md.getScale(c)) : kept.integer(SCALE, c, "getScale");
    }
    @Override public String getTableName(int c) throws SQLException {
      return kept.live(TABLE) ? kept.keepText(TABLE, c, md.getTableName(c)) : kept.text(TABLE, c, "getTableName");
    }
    @Override public String getCatalogName(int c) throws SQLException {
      return kept.live(CATALOG) ? kept.keepText(CATALOG, c, md.getCatalogName(c)) : kept.text(CATALOG, c, "getCatalogName");
    }
    @Override public int getColumnType(int c) throws SQLException {
      return kept.live(TYPE) ? kept.keep(TYPE, c, md.getColumnType(c)) : kept.integer(TYPE, c, "getColumnType");
    }
    @Override public String getColumnTypeName(int c) throws SQLException {
      return kept.live(TYPE_NAME) ? kept.keepText(TYPE_NAME, c, md.getColumnTypeName(c))
          : kept.text(TYPE_NAME, c, "getColumnTypeName");
    }
    @Override public boolean isReadOnly(int c) throws SQLException {
      return kept.live(READ_ONLY) ? kept.keep(READ_ONLY, c, md.isReadOnly(c)) : kept.bool(READ_ONLY, c, "isReadOnly");
    }
    @Override public boolean isWritable(int c) throws SQLException {
      return kept.live(WRITABLE) ? kept.keep(WRITABLE, c, md.isWritable(c)) : kept.bool(WRITABLE, c, "isWritable");
    }
    @Override public boolean isDefinitelyWritable(int c) throws SQLException {
      return kept.live(DEFINITELY_WRITABLE) ? kept.keep(DEFINITELY_WRITABLE, c, md.isDefinitelyWritable(c))
          : kept.bool(DEFINITELY_WRITABLE, c, "isDefinitelyWritable");
    }
    @Override public String getColumnClassName(int c) throws SQLException {
      return kept.live(CLASS_NAME) ? kept.keepText(CLASS_NAME, c, md.getColumnClassName(c))
          : kept.text(CLASS_NAME, c, "getColumnClassName");
    }
  }

  /** {@link ParameterMetaData}: questions numbered for {@link Kept}. */
  static final class Parameters extends Leased<ParameterMetaData> implements ParameterMetaData {
    private static final int NULLABLE = 0;
    private static final int SIGNED = 1;
    private static final int PRECISION = 2;
    private static final int SCALE = 3;
    private static final int TYPE = 4;
    private static final int TYPE_NAME = 5;
    private static final int CLASS_NAME = 6;
    private static final int MODE = 7;
    private static final int QUESTIONS = 8;
    /** pgjdbc answers these from constants and its type tables in memory; the type getters may query pg_type. */
    private static final long PG_FIELDS = 1L << NULLABLE | 1L << SIGNED | 1L << PRECISION | 1L << SCALE | 1L << MODE;

    private Parameters(ParameterMetaData md, Lease lease) throws SQLException {
      super(md, new Kept(lease, "statement's parameter metadata", "parameter", md.getParameterCount(), QUESTIONS,
          PG.contains(md.getClass().getName()) ? PG_FIELDS : 0));
    }

    @Override public int getParameterCount() { return kept.count; }

    @Override public int isNullable(int p) throws SQLException {
      return kept.live(NULLABLE) ? kept.keep(NULLABLE, p, md.isNullable(p)) : kept.integer(NULLABLE, p, "isNullable");
    }
    @Override public boolean isSigned(int p) throws SQLException {
      return kept.live(SIGNED) ? kept.keep(SIGNED, p, md.isSigned(p)) : kept.bool(SIGNED, p, "isSigned");
    }
    @Override public int getPrecision(int p) throws SQLException {
      return kept.live(PRECISION) ? kept.keep(PRECISION, p, md.getPrecision(p)) : kept.integer(PRECISION, p, "getPrecision");
    }
    @Override public int getScale(int p) throws SQLException {
      return kept.live(SCALE) ? kept.keep(SCALE, p, md.getScale(p)) : kept.integer(SCALE, p, "getScale");
    }
    @Override public int getParameterType(int p) throws SQLException {
      return kept.live(TYPE) ? kept.keep(TYPE, p, md.getParameterType(p)) : kept.integer(TYPE, p, "getParameterType");
    }
    @Override public String getParameterTypeName(int p) throws SQLException {
      return kept.live(TYPE_NAME) ? kept.keepText(TYPE_NAME, p, md.getParameterTypeName(p))
          : kept.text(TYPE_NAME, p, "getParameterTypeName");
    }
    @Override public String getParameterClassName(int p) throws SQLException {
      return kept.live(CLASS_NAME) ? kept.keepText(CLASS_NAME, p, md.getParameterClassName(p))
          : kept.text(CLASS_NAME, p, "getParameterClassName");
    }
    @Override public int getParameterMode(int p) throws SQLException {
      return kept.live(MODE) ? kept.keep(MODE, p, md.getParameterMode(p)) : kept.integer(MODE, p, "getParameterMode");
    }
  }
}
