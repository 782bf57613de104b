package dev.junction.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Authenticators;
import dev.junction.proxy.auth.MiniPgServer;
import dev.junction.proxy.auth.MiniPgServer.Column;
import dev.junction.proxy.auth.MiniPgServer.Result;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real pgjdbc driver reads rows that {@link PgValueCodec} encoded (text and binary result
 * formats) and sends Bind parameters that the codec decodes; values must survive both directions.
 */
class PgJdbcValueInteropTest {
  private static final UUID ID = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  private static final List<Column> FIXTURE_COLUMNS = List.of(
      new Column("b", PgType.BOOL), new Column("i2", PgType.INT2), new Column("i4", PgType.INT4),
      new Column("i8", PgType.INT8), new Column("f4", PgType.FLOAT4), new Column("f8", PgType.FLOAT8),
      new Column("n", PgType.NUMERIC), new Column("t", PgType.TEXT), new Column("vc", PgType.VARCHAR),
      new Column("bp", PgType.BPCHAR), new Column("by", PgType.BYTEA), new Column("d", PgType.DATE),
      new Column("tm", PgType.TIME), new Column("ts", PgType.TIMESTAMP), new Column("tz", PgType.TIMESTAMPTZ),
      new Column("u", PgType.UUID), new Column("j", PgType.JSON), new Column("jb", PgType.JSONB),
      new Column("o", PgType.OID));
  private static final List<Object> FIXTURE_ROW = Arrays.asList(
      true, 7, 42, 9_000_000_000L, 1.5f, 0.1, new BigDecimal("-12345.678"), "text ü 🐢", "varchar", "bp  ",
      new byte[] {0, 1, (byte) 0xFF}, LocalDate.of(2024, 2, 29), LocalTime.of(13, 45, 30, 123_456_000),
      LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000), OffsetDateTime.parse("2024-01-02T03:04:05.123456Z"), ID,
      "{\"a\": 1}", "{\"b\": [1, 2]}", 4_000_000_000L);

  private static MiniPgServer server;

  @BeforeAll
  static void start() {
    server = new MiniPgServer(s -> Authenticators.create(AuthMethod.TRUST, s.user(), null),
        (sql, types, params) -> {
          if (sql.contains("fixture")) {
            List<Object> nulls = new ArrayList<>();
            FIXTURE_COLUMNS.forEach(c -> nulls.add(null));
            return new Result(FIXTURE_COLUMNS, List.of(FIXTURE_ROW, nulls), null);
          }
          if (sql.contains("echo")) {
            List<Column> columns = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
              PgType type = i < types.size() ? PgType.ofOid(types.get(i)) : null;
              columns.add(new Column("p" + (i + 1), type == null ? PgType.TEXT : type));
            }
            return new Result(columns, List.of(params), null);
          }
          return MiniPgServer.COMMANDS_ONLY.execute(sql, types, params);
        });
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Connection connect(boolean binary) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "tester");
    props.setProperty("socketTimeout", "10");
    if (binary) {
      props.setProperty("binaryTransfer", "true");
      props.setProperty("prepareThreshold", "-1"); // server-prepare and use binary from the first execution
    }
    return DriverManager.getConnection(server.url("db"), props);
  }

  @ParameterizedTest(name = "binary={0}")
  @ValueSource(booleans = {false, true})
  void pgjdbcReadsEncodedRows(boolean binary) throws Exception {
    int receivedBefore = server.received.size();
    try (Connection c = connect(binary); PreparedStatement ps = c.prepareStatement("SELECT fixture");
        ResultSet rs = ps.executeQuery()) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getObject("b")).isEqualTo(true);
      assertThat(rs.getObject("i2")).isEqualTo(7);
      assertThat(rs.getObject("i4")).isEqualTo(42);
      assertThat(rs.getObject("i8")).isEqualTo(9_000_000_000L);
      assertThat(rs.getObject("f4")).isEqualTo(1.5f);
      assertThat(rs.getObject("f8")).isEqualTo(0.1);
      assertThat(rs.getObject("n")).isEqualTo(new BigDecimal("-12345.678"));
      assertThat(rs.getObject("t")).isEqualTo("text ü 🐢");
      assertThat(rs.getObject("vc")).isEqualTo("varchar");
      assertThat(rs.getObject("bp")).isEqualTo("bp  ");
      assertThat(rs.getBytes("by")).containsExactly(0, 1, 0xFF);
      assertThat(rs.getObject("d", LocalDate.class)).isEqualTo(LocalDate.of(2024, 2, 29));
      assertThat(rs.getObject("tm", LocalTime.class)).isEqualTo(LocalTime.of(13, 45, 30, 123_456_000));
      assertThat(rs.getObject("ts", LocalDateTime.class)).isEqualTo(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000));
      assertThat(rs.getObject("tz", OffsetDateTime.class)).isEqualTo(OffsetDateTime.parse("2024-01-02T03:04:05.123456Z"));
      assertThat(rs.getObject("u")).isEqualTo(ID);
      assertThat(rs.getString("j")).isEqualTo("{\"a\": 1}");
      assertThat(rs.getString("jb")).isEqualTo("{\"b\": [1, 2]}");
      assertThat(rs.getObject("o")).isEqualTo(4_000_000_000L);
      assertThat(rs.next()).isTrue();
      for (int i = 1; i <= FIXTURE_COLUMNS.size(); i++) {
        assertThat(rs.getObject(i)).as("column %d of the NULL row", i).isNull();
      }
      assertThat(rs.next()).isFalse();
    }
    boolean requestedBinary = received(receivedBefore).stream()
        .anyMatch(m -> m instanceof FrontendMessage.Bind b && b.resultFormats().contains(Format.BINARY));
    assertThat(requestedBinary).as("pgjdbc asked for binary results").isEqualTo(binary);
  }

  @ParameterizedTest(name = "binary={0}")
  @ValueSource(booleans = {false, true})
  void pgjdbcParametersAreDecodedAndEchoed(boolean binary) throws Exception {
    LocalDateTime local = LocalDateTime.of(2023, 12, 31, 23, 59, 58, 999_999_000);
    OffsetDateTime instant = OffsetDateTime.parse("2023-06-01T12:00:00.5+02:00");
    String sql = "SELECT echo " + "?, ".repeat(16) + "?";
    int receivedBefore = server.received.size();
    try (Connection c = connect(binary); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setBoolean(1, true);
      ps.setShort(2, (short) -3);
      ps.setInt(3, Integer.MIN_VALUE);
      ps.setLong(4, Long.MAX_VALUE);
      ps.setFloat(5, 2.25f);
      ps.setDouble(6, -1e-300);
      ps.setBigDecimal(7, new BigDecimal("0.000100"));
      ps.setString(8, "héllo");
      ps.setBytes(9, new byte[] {(byte) 0xDE, (byte) 0xAD});
      ps.setObject(10, ID);
      ps.setObject(11, LocalDate.of(1999, 12, 31));
      ps.setObject(12, LocalTime.of(0, 0, 1, 500_000_000));
      ps.setObject(13, local);
      ps.setObject(14, instant);
      ps.setNull(15, Types.INTEGER);
      ps.setObject(16, LocalDate.of(-43, 3, 15));
      ps.setObject(17, LocalDateTime.MAX);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).isTrue();
        assertThat(rs.getShort(2)).isEqualTo((short) -3);
        assertThat(rs.getInt(3)).isEqualTo(Integer.MIN_VALUE);
        assertThat(rs.getLong(4)).isEqualTo(Long.MAX_VALUE);
        assertThat(rs.getFloat(5)).isEqualTo(2.25f);
        assertThat(rs.getDouble(6)).isEqualTo(-1e-300);
        assertThat(rs.getBigDecimal(7)).isEqualTo(new BigDecimal("0.000100"));
        assertThat(rs.getString(8)).isEqualTo("héllo");
        assertThat(rs.getBytes(9)).containsExactly(0xDE, 0xAD);
        assertThat(rs.getObject(10, UUID.class)).isEqualTo(ID);
        assertThat(rs.getObject(11, LocalDate.class)).isEqualTo(LocalDate.of(1999, 12, 31));
        assertThat(rs.getObject(12, LocalTime.class)).isEqualTo(LocalTime.of(0, 0, 1, 500_000_000));
        assertThat(rs.getObject(13, LocalDateTime.class)).isEqualTo(local);
        assertThat(rs.getObject(14, OffsetDateTime.class)).isEqualTo(instant.withOffsetSameInstant(java.time.ZoneOffset.UTC));
        assertThat(rs.getObject(15)).isNull();
        assertThat(rs.getObject(16, LocalDate.class)).isEqualTo(LocalDate.of(-43, 3, 15));
        assertThat(rs.getObject(17, LocalDateTime.class)).isEqualTo(LocalDateTime.MAX);
      }
    }
    List<Format> sentFormats = received(receivedBefore).stream()
        .filter(m -> m instanceof FrontendMessage.Bind b && b.parameterValues().size() == 17)
        .flatMap(m -> ((FrontendMessage.Bind) m).parameterFormats().stream()).toList();
    // pgjdbc sends numbers, numeric, bytea and uuid in binary and dates/times/strings as text even
    // without binaryTransfer, so both decoding paths ran.
    assertThat(sentFormats).contains(Format.BINARY, Format.TEXT);
  }

  @ParameterizedTest(name = "binary={0}")
  @ValueSource(booleans = {false, true})
  void invalidParameterTextFailsTheStatementWithPostgresSqlState(boolean binary) throws Exception {
    try (Connection c = connect(binary)) {
      org.postgresql.util.PGobject notAnInt = new org.postgresql.util.PGobject();
      notAnInt.setType("int4"); // pgjdbc binds it as an int4-typed text parameter
      notAnInt.setValue("12abc");
      try (PreparedStatement ps = c.prepareStatement("SELECT echo ?")) {
        ps.setObject(1, notAnInt);
        assertThatThrownBy(ps::executeQuery).isInstanceOfSatisfying(SQLException.class, e -> {
          assertThat(e.getSQLState()).isEqualTo("22P02");
          assertThat(e.getMessage()).contains("invalid input syntax for type integer: \"12abc\"");
        });
      }
      try (Statement s = c.createStatement()) {
        s.execute("SET x = 1"); // the session is still usable
      }
    }
  }

  /** What the server received since {@code from}, as a snapshot: its reader thread keeps appending (e.g. Terminate). */
  private static List<FrontendMessage> received(int from) {
    List<FrontendMessage> snapshot = List.copyOf(server.received);
    return snapshot.subList(from, snapshot.size());
  }
}
