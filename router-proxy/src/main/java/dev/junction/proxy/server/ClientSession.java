package dev.junction.proxy.server;

import dev.junction.classify.StatementKind;
import dev.junction.classify.StatementSplitter;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.proxy.auth.AuthStep;
import dev.junction.proxy.auth.Authenticator;
import dev.junction.proxy.auth.Authenticators;
import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.Format;
import dev.junction.proxy.protocol.FrontendDecoder;
import dev.junction.proxy.protocol.FrontendMessage;
import dev.junction.proxy.protocol.PgError;
import dev.junction.proxy.protocol.PgType;
import dev.junction.proxy.protocol.PgValueCodec;
import dev.junction.proxy.relay.Placeholders;
import dev.junction.proxy.protocol.SqlStates;
import dev.junction.proxy.protocol.ValueFormatException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: startup and authentication, then simple and extended queries executed
 * through a routed Junction connection. The session is the client's consistency scope: its writes
 * fence its later reads, as on any Junction connection.
 *
 * <p>Design notes:
 * <ul>
 *   <li>Runs on its channel's event loop. JDBC blocks, so the proxy runs many loops
 *       ({@code worker-threads}); a session's reads and writes then need no thread handoff, which
 *       measured about 1.8x the select-only throughput of a separate worker executor.</li>
 *   <li>Responses are encoded straight into one outbound buffer and flushed at ReadyForQuery, at
 *       Flush, or every 64 KiB while rows stream (waiting while the channel is not writable, so a slow
 *       client cannot make the proxy buffer a whole result).</li>
 *   <li>A simple query with several statements runs them one by one through the router, inside an
 *       implicit transaction unless it contains transaction control, as PostgreSQL does.</li>
 *   <li>After an error in the extended protocol, messages are skipped until Sync, as PostgreSQL does.</li>
 * </ul>
 */
final class ClientSession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
  private static final int FLUSH_BYTES = 64 * 1024;

  private final ProxyServer server;
  private final FrontendDecoder decoder;
  private final StatementSplitter splitter;
  private final int processId;
  private final int secretKey;

  private ChannelHandlerContext ctx;
  private ByteBuf out;
  private Authenticator authenticator;
  private String user;
  private Map<String, String> startupParameters = Map.of();
  private boolean ready;

  private JunctionConnection conn;
  private Statement simple;
  private volatile Statement running;
  private PgValueCodec codec = new PgValueCodec(ZoneId.of("UTC"));
  private ResultWriter results = new ResultWriter(codec);
  private final Map<String, Prepared> prepared = new HashMap<>();
  private final Map<String, Portal> portals = new HashMap<>();
  private boolean skipUntilSync;
  private boolean transactionFailed;

  ClientSession(ProxyServer server, FrontendDecoder decoder, int processId, int secretKey) {
    this.server = server;
    this.decoder = decoder;
    this.splitter = new StatementSplitter(server.dataSource().dialect());
    this.processId = processId;
    this.secretKey = secretKey;
  }

  int processId() {
    return processId;
  }

  /** A CancelRequest for this session: cancels the running statement when the key matches. */
  void cancel(int key) {
    Statement statement = running;
    if (key == secretKey && statement != null) {
      try {
        statement.cancel();
      } catch (SQLException e) {
        log.debug("cancel of session {} failed: {}", processId, e.getMessage());
      }
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.fireChannelActive();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    server.unregister(this);
    closeBackend();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.fireExceptionCaught(cause); // protocol violations: ErrorResponse + close (ProtocolErrorHandler)
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      handle((FrontendMessage) msg);
    } catch (RuntimeException e) {
      log.warn("session {}: unexpected failure, closing: {}", processId, e.toString(), e);
      fatal(PgError.fatal("XX000", "internal proxy error: " + e.getMessage()));
    }
  }

  private void handle(FrontendMessage message) {
    if (message instanceof FrontendMessage.Terminate) {
      flush();
      ctx.close();
      return;
    }
    if (!ready) {
      handleStartup(message);
      return;
    }
    if (skipUntilSync && !(message instanceof FrontendMessage.Sync)) {
      return;
    }
    if (message instanceof FrontendMessage.Query q) {
      simpleQuery(q.sql());
    } else if (message instanceof FrontendMessage.Parse p) {
      guarded(() -> parse(p));
    } else if (message instanceof FrontendMessage.Bind b) {
      guarded(() -> bind(b));
    } else if (message instanceof FrontendMessage.Describe d) {
      guarded(() -> describe(d));
    } else if (message instanceof FrontendMessage.Execute e) {
      guarded(() -> execute(e));
    } else if (message instanceof FrontendMessage.Close c) {
      guarded(() -> close(c));
    } else if (message instanceof FrontendMessage.Sync) {
      sync();
    } else if (message instanceof FrontendMessage.Flush) {
      flush();
    } else if (message instanceof FrontendMessage.FunctionCall) {
      send(new BackendMessage.ErrorResponse(PgError.error(SqlStates.FEATURE_NOT_SUPPORTED,
          "the fastpath function call protocol is not supported by the Junction proxy")));
      ready();
    } else if (message instanceof FrontendMessage.CopyData || message instanceof FrontendMessage.CopyDone
        || message instanceof FrontendMessage.CopyFail) {
      // after a refused COPY the client may still send its data: ignore it
    } else {
      fatal(PgError.fatal(SqlStates.PROTOCOL_VIOLATION, "unexpected message " + message.getClass().getSimpleName()));
    }
  }

  // ---------------------------------------------------------------- startup and authentication

  private void handleStartup(FrontendMessage message) {
    if (message instanceof FrontendMessage.SslRequest) {
      if (server.sslContext() != null) {
        SslHandler ssl = server.sslContext().newHandler(ctx.alloc());
        ctx.pipeline().addFirst("tls", new SslHandler(ssl.engine(), true)); // the 'S' itself goes out in clear
        ctx.writeAndFlush(BackendMessage.EncryptionResponse.SSL_ACCEPTED);
      } else {
        ctx.writeAndFlush(BackendMessage.EncryptionResponse.DECLINED);
      }
    } else if (message instanceof FrontendMessage.GssEncRequest) {
      ctx.writeAndFlush(BackendMessage.EncryptionResponse.DECLINED);
    } else if (message instanceof FrontendMessage.CancelRequest c) {
      server.cancel(c.processId(), c.secretKey());
      ctx.close();
    } else if (message instanceof FrontendMessage.StartupMessage startup) {
      startup(startup);
    } else if (message instanceof FrontendMessage.PasswordMessage p) {
      if (authenticator == null) {
        fatal(PgError.fatal(SqlStates.PROTOCOL_VIOLATION, "password message before startup"));
        return;
      }
      authStep(authenticator.onPasswordMessage(p.payload()));
    } else {
      fatal(PgError.fatal(SqlStates.PROTOCOL_VIOLATION, "expected a startup message"));
    }
  }

  private void startup(FrontendMessage.StartupMessage s) {
    user = s.user();
    startupParameters = s.parameters();
    String encoding = startupParameters.getOrDefault("client_encoding", "UTF8").toUpperCase(Locale.ROOT).replace("-", "");
    if (!List.of("UTF8", "UNICODE", "SQL_ASCII", "AUTO").contains(encoding)) {
      fatal(PgError.fatal("22023", "client_encoding " + startupParameters.get("client_encoding")
          + " is not supported by the Junction proxy; use UTF8"));
      return;
    }
    if (!server.admit(this)) {
      fatal(PgError.fatal("53300", "sorry, too many clients already (junction.proxy.max-connections = "
          + server.config().maxConnections() + ")"));
      return;
    }
    s.negotiation().ifPresent(this::send);
    authenticator = Authenticators.create(server.config().auth(), user, server.config().users().get(user));
    authStep(authenticator.start());
  }

  private void authStep(AuthStep step) {
    if (step instanceof AuthStep.Challenge c) {
      send(c.message());
      flush();
    } else if (step instanceof AuthStep.Success success) {
      success.messages().forEach(this::send);
      decoder.authenticationSucceeded();
      completeStartup();
    } else if (step instanceof AuthStep.Failure f) {
      log.info("session {}: authentication failed for user {}: {}", processId, user, f.logDetail());
      fatal(f.error());
    }
  }

  private void completeStartup() {
    String timeZone = startupParameters.getOrDefault("TimeZone", server.serverTimeZone());
    try {
      codec = new PgValueCodec(ZoneId.of(timeZone));
    } catch (RuntimeException e) {
      codec = new PgValueCodec(ZoneId.of("UTC"));
      timeZone = "UTC";
    }
    results = new ResultWriter(codec);
    send(new BackendMessage.ParameterStatus("server_version", server.serverVersion()));
    send(new BackendMessage.ParameterStatus("server_encoding", "UTF8"));
    send(new BackendMessage.ParameterStatus("client_encoding", "UTF8"));
    send(new BackendMessage.ParameterStatus("DateStyle", "ISO, MDY"));
    send(new BackendMessage.ParameterStatus("IntervalStyle", "postgres"));
    send(new BackendMessage.ParameterStatus("TimeZone", timeZone));
    send(new BackendMessage.ParameterStatus("integer_datetimes", "on"));
    send(new BackendMessage.ParameterStatus("standard_conforming_strings", "on"));
    send(new BackendMessage.ParameterStatus("is_superuser", "off"));
    send(new BackendMessage.ParameterStatus("session_authorization", user));
    send(new BackendMessage.ParameterStatus("application_name", startupParameters.getOrDefault("application_name", "")));
    send(new BackendMessage.BackendKeyData(processId, secretKey));
    ready = true;
    ready();
  }

  // ---------------------------------------------------------------- simple query

  private void simpleQuery(String sql) {
    List<String> statements = splitter.split(sql);
    if (statements.isEmpty()) {
      send(BackendMessage.Empty.EMPTY_QUERY_RESPONSE);
      ready();
      return;
    }
    boolean implicitTransaction = false;
    try {
      JunctionConnection c = connection();
      implicitTransaction = statements.size() > 1 && !c.inTransaction() && statements.stream().noneMatch(this::isTransactionControl);
      if (implicitTransaction) {
        c.setAutoCommit(false);
      }
      for (String statement : statements) {
        runSimple(statement);
      }
      if (implicitTransaction) {
        c.commit();
      }
      transactionFailed = false;
    } catch (SQLException e) {
      if (implicitTransaction) {
        rollbackQuietly();
      }
      error(e);
    } finally {
      if (implicitTransaction) {
        try {
          conn.setAutoCommit(true);
        } catch (SQLException e) {
          log.debug("session {}: restoring auto-commit failed: {}", processId, e.getMessage());
        }
      }
    }
    ready();
  }

  private boolean isTransactionControl(String statement) {
    StatementKind kind = server.dataSource().classify(statement).kind();
    return kind == StatementKind.TX_BEGIN || kind == StatementKind.TX_COMMIT || kind == StatementKind.TX_ROLLBACK
        || kind == StatementKind.TX_SAVEPOINT;
  }

  private void runSimple(String sql) throws SQLException {
    Statement statement = simpleStatement();
    running = statement;
    boolean isResultSet;
    try {
      isResultSet = statement.execute(sql);
    } finally {
      running = null;
    }
    while (true) {
      if (isResultSet) {
        try (ResultSet rs = statement.getResultSet()) {
          ResultSetMetaData md = rs.getMetaData();
          PgType[] types = ResultWriter.types(md);
          send(ResultWriter.describe(md, types, List.of()));
          long rows = 0;
          while (rs.next()) {
            results.writeRow(out(), rs, types, List.of());
            rows++;
            maybeFlush();
          }
          send(new BackendMessage.CommandComplete(CommandTags.forRows(sql, rows)));
        }
      } else {
        int count = statement.getUpdateCount();
        if (count == -1) {
          break;
        }
        send(new BackendMessage.CommandComplete(CommandTags.forUpdate(sql, count)));
      }
      isResultSet = statement.getMoreResults();
      if (!isResultSet && statement.getUpdateCount() == -1) {
        break;
      }
    }
  }

  // ---------------------------------------------------------------- extended query

  private record Prepared(String sql, Placeholders placeholders, int[] parameterOids, PreparedStatement[] jdbc) {
    PreparedStatement statement(JunctionConnection c) throws SQLException {
      if (jdbc[0] == null) {
        jdbc[0] = c.prepareStatement(placeholders.jdbcSql());
      }
      return jdbc[0];
    }

    int oid(int wireIndex) {
      return wireIndex < parameterOids.length ? parameterOids[wireIndex] : PgType.UNSPECIFIED_OID;
    }
  }

  private static final class Portal {
    final Prepared statement;
    final Object[] values;
    final List<Format> resultFormats;
    boolean executed;
    ResultSet rows;
    PgType[] types;
    long sent;
    long updateCount;
    boolean done;

    Portal(Prepared statement, Object[] values, List<Format> resultFormats) {
      this.statement = statement;
      this.values = values;
      this.resultFormats = resultFormats;
    }

    void close() {
      if (rows != null) {
        try {
          rows.close();
        } catch (SQLException ignored) {
          // the statement may be gone already
        }
        rows = null;
      }
    }
  }

  private interface Step {
    void run() throws SQLException;
  }

  private void guarded(Step step) {
    try {
      step.run();
    } catch (SQLException e) {
      error(e);
      skipUntilSync = true;
    } catch (ValueFormatException e) {
      send(new BackendMessage.ErrorResponse(e.toError()));
      skipUntilSync = true;
    }
  }

  private void parse(FrontendMessage.Parse p) throws SQLException {
    if (!p.statement().isEmpty() && prepared.containsKey(p.statement())) {
      throw new SQLException("prepared statement \"" + p.statement() + "\" already exists", "42P05");
    }
    Prepared old = prepared.remove(p.statement());
    if (old != null && old.jdbc()[0] != null) {
      old.jdbc()[0].close();
    }
    int[] oids = p.parameterTypes().stream().mapToInt(Integer::intValue).toArray();
    prepared.put(p.statement(), new Prepared(p.query(), Placeholders.rewrite(p.query()), oids, new PreparedStatement[1]));
    send(BackendMessage.Empty.PARSE_COMPLETE);
  }

  private void bind(FrontendMessage.Bind b) throws SQLException {
    Prepared statement = prepared.get(b.statement());
    if (statement == null) {
      throw new SQLException("prepared statement \"" + b.statement() + "\" does not exist", "26000");
    }
    if (!b.portal().isEmpty() && portals.containsKey(b.portal())) {
      throw new SQLException("portal \"" + b.portal() + "\" already exists", "42P03");
    }
    List<byte[]> raw = b.parameterValues();
    Object[] values = new Object[raw.size()];
    for (int i = 0; i < raw.size(); i++) {
      byte[] bytes = raw.get(i);
      if (bytes == null) {
        continue;
      }
      int oid = statement.oid(i);
      Format format = b.parameterFormat(i);
      if (oid == PgType.UNSPECIFIED_OID || PgType.ofOid(oid) == null) {
        if (format == Format.BINARY) {
          throw new SQLException("binary parameter $" + (i + 1) + " has no type the proxy can decode (oid " + oid
              + "); send it in text format or declare its type in Parse", "0A000");
        }
        values[i] = new UntypedText(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
      } else {
        values[i] = codec.decode(bytes, oid, format);
      }
    }
    Portal old = portals.put(b.portal(), new Portal(statement, values, b.resultFormats()));
    if (old != null) {
      old.close();
    }
    send(BackendMessage.Empty.BIND_COMPLETE);
  }

  /** A text parameter whose type the server infers, as PostgreSQL does for unspecified parameters. */
  private record UntypedText(String text) {}

  private void describe(FrontendMessage.Describe d) throws SQLException {
    if (d.target() == FrontendMessage.Target.STATEMENT) {
      Prepared statement = prepared.get(d.name());
      if (statement == null) {
        throw new SQLException("prepared statement \"" + d.name() + "\" does not exist", "26000");
      }
      describeStatement(statement);
      return;
    }
    Portal portal = portals.get(d.name());
    if (portal == null) {
      throw new SQLException("portal \"" + d.name() + "\" does not exist", "34000");
    }
    ensureExecuted(portal);
    if (portal.rows != null) {
      send(ResultWriter.describe(portal.rows.getMetaData(), portal.types, portal.resultFormats));
    } else {
      send(BackendMessage.Empty.NO_DATA);
    }
  }

  private void describeStatement(Prepared statement) throws SQLException {
    int count = statement.placeholders().wireParameterCount();
    PreparedStatement ps = statement.statement(connection());
    List<Integer> oids = new ArrayList<>(count);
    ParameterMetaData pmd = count == 0 ? null : ps.getParameterMetaData();
    int[] order = statement.placeholders().order();
    for (int wire = 0; wire < count; wire++) {
      int oid = statement.oid(wire);
      if (oid == PgType.UNSPECIFIED_OID && pmd != null) {
        for (int j = 0; j < order.length; j++) {
          if (order[j] == wire + 1) {
            PgType t = PgType.forColumn(pmd.getParameterType(j + 1), pmd.getParameterTypeName(j + 1));
            oid = t.oid();
            break;
          }
        }
      }
      oids.add(oid == PgType.UNSPECIFIED_OID ? PgType.TEXT.oid() : oid);
    }
    send(new BackendMessage.ParameterDescription(oids));
    ResultSetMetaData md = ps.getMetaData();
    if (md == null || md.getColumnCount() == 0) {
      send(BackendMessage.Empty.NO_DATA);
    } else {
      send(ResultWriter.describe(md, ResultWriter.types(md), List.of()));
    }
  }

  private void ensureExecuted(Portal portal) throws SQLException {
    if (portal.executed) {
      return;
    }
    if (portal.statement.sql().isBlank()) {
      portal.executed = true;
      return;
    }
    PreparedStatement ps = portal.statement.statement(connection());
    int[] order = portal.statement.placeholders().order();
    for (int j = 0; j < order.length; j++) {
      int wire = order[j] - 1;
      if (wire >= portal.values.length) {
        throw new SQLException("bind message supplies " + portal.values.length + " parameters, but the statement uses $"
            + order[j], "08P01");
      }
      Object value = portal.values[wire];
      if (value == null) {
        ps.setNull(j + 1, Types.NULL);
      } else if (value instanceof UntypedText t) {
        ps.setObject(j + 1, t.text(), Types.OTHER);
      } else {
        ps.setObject(j + 1, value);
      }
    }
    running = ps;
    boolean isResultSet;
    try {
      isResultSet = ps.execute();
    } finally {
      running = null;
    }
    portal.executed = true;
    if (isResultSet) {
      portal.rows = ps.getResultSet();
      portal.types = ResultWriter.types(portal.rows.getMetaData());
    } else {
      portal.updateCount = ps.getUpdateCount();
    }
    transactionFailed = false;
  }

  private void execute(FrontendMessage.Execute e) throws SQLException {
    Portal portal = portals.get(e.portal());
    if (portal == null) {
      throw new SQLException("portal \"" + e.portal() + "\" does not exist", "34000");
    }
    ensureExecuted(portal);
    String sql = portal.statement.sql();
    if (sql.isBlank()) {
      send(BackendMessage.Empty.EMPTY_QUERY_RESPONSE);
      return;
    }
    if (portal.rows == null) {
      send(new BackendMessage.CommandComplete(portal.done ? CommandTags.forUpdate(sql, 0) : CommandTags.forUpdate(sql, portal.updateCount)));
      portal.done = true;
      return;
    }
    long limit = e.maxRows() <= 0 ? Long.MAX_VALUE : e.maxRows();
    long sentNow = 0;
    while (sentNow < limit) {
      if (!portal.rows.next()) {
        send(new BackendMessage.CommandComplete(CommandTags.forRows(sql, portal.sent)));
        portal.close();
        return;
      }
      results.writeRow(out(), portal.rows, portal.types, portal.resultFormats);
      portal.sent++;
      sentNow++;
      maybeFlush();
    }
    send(BackendMessage.Empty.PORTAL_SUSPENDED);
  }

  private void close(FrontendMessage.Close c) throws SQLException {
    if (c.target() == FrontendMessage.Target.STATEMENT) {
      Prepared statement = prepared.remove(c.name());
      if (statement != null && statement.jdbc()[0] != null) {
        statement.jdbc()[0].close();
      }
    } else {
      Portal portal = portals.remove(c.name());
      if (portal != null) {
        portal.close();
      }
    }
    send(BackendMessage.Empty.CLOSE_COMPLETE);
  }

  private void sync() {
    skipUntilSync = false;
    if (conn == null || !conn.inTransaction()) {
      portals.values().forEach(Portal::close);
      portals.clear();
    }
    ready();
  }

  // ---------------------------------------------------------------- plumbing

  private JunctionConnection connection() throws SQLException {
    if (conn == null) {
      conn = server.dataSource().getConnection().unwrap(JunctionConnection.class);
      String timeZone = startupParameters.get("TimeZone");
      if (timeZone != null && !timeZone.equalsIgnoreCase(server.serverTimeZone())) {
        try (Statement s = conn.createStatement()) {
          s.execute("SET TimeZone TO '" + timeZone.replace("'", "''") + "'");
        }
      }
    }
    return conn;
  }

  private Statement simpleStatement() throws SQLException {
    if (simple == null) {
      simple = connection().createStatement();
    }
    return simple;
  }

  private void rollbackQuietly() {
    try {
      conn.rollback();
    } catch (SQLException e) {
      log.debug("session {}: rollback failed: {}", processId, e.getMessage());
    }
  }

  private void error(SQLException e) {
    send(new BackendMessage.ErrorResponse(Errors.of(e)));
    if (conn != null && conn.inTransaction()) {
      transactionFailed = true;
    }
    if (conn != null && isConnectionLevel(e)) {
      log.info("session {}: backend connection failed ({}), the next statement reconnects", processId, e.getMessage());
    }
  }

  private static boolean isConnectionLevel(SQLException e) {
    return e.getSQLState() != null && e.getSQLState().startsWith("08");
  }

  private void ready() {
    BackendMessage.ReadyForQuery status;
    if (conn == null || !conn.inTransaction()) {
      transactionFailed = false;
      status = BackendMessage.ReadyForQuery.IDLE;
    } else {
      status = transactionFailed ? BackendMessage.ReadyForQuery.FAILED : BackendMessage.ReadyForQuery.IN_TRANSACTION;
    }
    send(status);
    flush();
  }

  private ByteBuf out() {
    if (out == null) {
      out = ctx.alloc().buffer(1024);
    }
    return out;
  }

  private void send(BackendMessage message) {
    message.writeTo(out());
  }

  private void maybeFlush() {
    if (out != null && out.readableBytes() >= FLUSH_BYTES) {
      flush();
      // Backpressure: never let a slow client make us buffer a whole result.
      while (ctx.channel().isActive() && !ctx.channel().isWritable()) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void flush() {
    ByteBuf buf = out;
    out = null;
    if (buf == null) {
      ctx.flush();
      return;
    }
    if (buf.isReadable()) {
      ctx.writeAndFlush(buf);
    } else {
      buf.release();
    }
  }

  private void fatal(PgError error) {
    send(new BackendMessage.ErrorResponse(error));
    ByteBuf buf = out;
    out = null;
    ctx.writeAndFlush(buf).addListener(ChannelFutureListener.CLOSE);
  }

  private void closeBackend() {
    portals.values().forEach(Portal::close);
    portals.clear();
    if (out != null) {
      out.release();
      out = null;
    }
    if (conn != null) {
      try {
        conn.close();
      } catch (SQLException e) {
        log.debug("session {}: closing the backend connection failed: {}", processId, e.getMessage());
      }
      conn = null;
    }
  }
}
