package dev.junction.jdbc.internal;

import dev.junction.merge.OrderlessText;
import dev.junction.merge.RowCursor;
import dev.junction.merge.SqlTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One shard's result as the merger reads it: each row copied out with {@code getObject}, so the
 * merger can hold rows of several shards at once. A merged row outlives the moment its shard's
 * physical connection is this logical connection's (outside a transaction it goes back to the pool
 * once the statement is done), so a driver array is read into a {@link JunctionArray} snapshot and a
 * LOB that reads through its connection is leased ({@link JunctionLobs}), as on the one-shard path:
 * nothing in a merged row acts on a connection another borrower may hold. Closing it closes the shard's result and the
 * statement that produced it (when given), and counts the rows for {@link ShardMetrics}. A failure
 * while reading (a streamed result whose later rows fail on the server, a connection lost
 * mid-stream) names the shard, as a failure at execution does.
 */
final class ResultSetCursor implements RowCursor {
  private final ResultSet rs;
  private final Statement owner;
  private final java.sql.ResultSetMetaData metaData;
  private final int columns;
  private final int shard;
  private final String shardName;
  private final ShardMetrics metrics;
  private final DriverText texts;
  /** While the shard's physical connection is still this logical connection's; null: the values are Junction's already. */
  private final Lease lease;
  /** The Junction statement a refcursor value's result set answers {@code getStatement()} with. */
  private final Statement facade;
  private final int[] scales;
  private final String[] typeNames;
  /** Per column: the type name when a String from it must not be ordered by code point (a PostgreSQL enum), else null. */
  private final String[] orderless;
  /** Per column: {@link #TIME} or {@link #TIMETZ} (read as a {@link SqlTime}), else 0. */
  private final byte[] times;
  private static final byte TIME = 1;
  private static final byte TIMETZ = 2;
  private Object[] row;
  private long rows;
  private boolean closed;

  /**
   * @param shardName the shard named in a failure while reading; null: not named
   * @param texts where to record driver texts that Junction's formatting would not reproduce; null: none
   * @param lease while {@code rs}'s physical connection is this logical connection's (arrays and LOBs are
   *     wrapped against it); null: {@code rs} is a Junction result set, whose values are wrapped already
   * @param facade the Junction statement the application sees (refcursor values' {@code getStatement()}); only
   *     with a {@code lease}
   */
  ResultSetCursor(ResultSet rs, Statement owner, int shard, String shardName, ShardMetrics metrics, DriverText texts,
                  Lease lease, Statement facade) throws SQLException {
    this.rs = rs;
    this.owner = owner;
    this.metaData = rs.getMetaData();
    this.columns = metaData.getColumnCount();
    this.shard = shard;
    this.shardName = shardName;
    this.metrics = metrics;
    this.texts = texts;
    this.lease = lease;
    this.facade = facade;
    this.scales = new int[columns];
    this.typeNames = new String[columns];
    this.times = new byte[columns];
    this.orderless = new String[columns];
    boolean postgres = texts != null && texts.dialect() == dev.junction.merge.MergeDialect.POSTGRESQL;
    for (int i = 0; i < columns; i++) {
      String typeName = metaData.getColumnTypeName(i + 1);
      times[i] = timeKind(typeName);
      orderless[i] = postgres && !isPostgresText(typeName) ? typeName : null;
      if (texts != null) {
        scales[i] = metaData.getScale(i + 1);
        typeNames[i] = typeName;
      }
    }
  }

  /**
   * PostgreSQL types whose values pgjdbc hands out as a String that orders by code point as the
   * database does (under the code-point collations {@link TextCollation} requires). An enum arrives
   * as a String too, under its own type name, and orders by its declaration.
   */
  static boolean isPostgresText(String typeName) {
    return typeName != null && POSTGRES_TEXT.contains(typeName.toLowerCase(java.util.Locale.ROOT));
  }

  private static final java.util.Set<String> POSTGRES_TEXT = java.util.Set.of("text", "varchar", "bpchar", "name", "char",
      "character varying", "character", "unknown");

  /**
   * PostgreSQL {@code time}/{@code timetz} and MySQL/MariaDB {@code TIME}, which pgjdbc and Connector/J hand out as
   * {@code java.sql.Time}: milliseconds, no zone. The merge groups and orders them by their text instead.
   */
  static byte timeKind(String typeName) {
    if (typeName == null) {
      return 0;
    }
    return switch (typeName.toLowerCase(java.util.Locale.ROOT)) {
      case "time", "time without time zone" -> TIME;
      case "timetz", "time with time zone" -> TIMETZ;
      default -> 0;
    };
  }

  @Override
  public boolean next() throws SQLException {
    try {
      return read();
    } catch (SQLException e) {
      if (shardName == null) {
        throw e;
      }
      throw new SQLException("Junction: on shard " + shardName + ": " + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
    }
  }

  private boolean read() throws SQLException {
    if (closed || !rs.next()) {
      return false;
    }
    Object[] r = new Object[columns];
    for (int i = 0; i < columns; i++) {
      Object v = lease == null ? rs.getObject(i + 1) : JunctionLobs.object(rs.getObject(i + 1), lease, facade);
      if (times[i] != 0 && v != null) {
        String text = rs.getString(i + 1);
        if (texts != null) {
          texts.check(v, text, scales[i], typeNames[i]);
        }
        r[i] = times[i] == TIMETZ ? SqlTime.of(v, offsetTime(i + 1)) : SqlTime.of(v, text, false); // handed out as v
        continue;
      }
      if (orderless[i] != null && v instanceof String s) {
        r[i] = new OrderlessText(s, orderless[i]);
        continue;
      }
      r[i] = v;
      if (texts != null && DriverText.worthChecking(v)) {
        texts.check(v, rs.getString(i + 1), scales[i], typeNames[i]);
      }
    }
    row = r;
    rows++;
    return true;
  }

  /** A timetz with its own zone (pgjdbc), or null when the driver cannot give one: the merge then refuses it. */
  private java.time.OffsetTime offsetTime(int column) {
    try {
      return rs.getObject(column, java.time.OffsetTime.class);
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }

  java.sql.ResultSetMetaData metaData() {
    return metaData;
  }

  @Override
  public Object[] row() {
    return row;
  }

  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    metrics.rows(shard, rows);
    try {
      rs.close();
    } finally {
      if (owner != null) {
        owner.close();
      }
    }
  }
}
