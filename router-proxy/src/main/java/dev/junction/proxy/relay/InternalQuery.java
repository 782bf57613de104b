package dev.junction.proxy.relay;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A simple query the proxy runs on a backend for itself (session settings, the primary's WAL
 * position, a replica's replayed position, ROLLBACK of an abandoned transaction). Its responses
 * never reach a client: the first column of the first row is kept as text, an error is kept as its
 * message, and {@link #done} runs on the connection's event loop once ReadyForQuery arrives.
 */
abstract class InternalQuery {
  final String sql;
  String firstValue;
  String error;
  String errorSqlState;
  ByteBuf errorMessage;

  /** The client is told the settings this query changes (ParameterStatus): it restores the client's own. */
  final boolean relaysParameterStatus;

  InternalQuery(String sql) {
    this(sql, false);
  }

  InternalQuery(String sql, boolean relaysParameterStatus) {
    this.sql = sql;
    this.relaysParameterStatus = relaysParameterStatus;
  }

  void onDataRow(ByteBuf msg) {
    if (firstValue != null) {
      return;
    }
    // 'D' int32 len, int16 columns, int32 length, bytes
    int columns = msg.getUnsignedShort(5);
    if (columns == 0) {
      return;
    }
    int length = msg.getInt(7);
    if (length >= 0) {
      firstValue = msg.toString(11, length, StandardCharsets.UTF_8);
    }
  }

  /** RowDescription of an extended internal statement (see {@link BackendConnection#internalExtended}). */
  void onRowDescription(ByteBuf msg) {
  }

  void onCommandComplete(ByteBuf msg) {
  }

  void onError(ByteBuf msg) {
    if (error == null) {
      error = BackendMessages.errorField(msg, 'M');
      errorSqlState = BackendMessages.errorField(msg, 'C');
      errorMessage = msg.retainedDuplicate();
    }
  }

  boolean failed() {
    return error != null;
  }

  /** Runs once the backend is ready again; {@code status} is its ReadyForQuery status. */
  abstract void done(BackendConnection backend, char status);

  void release() {
    if (errorMessage != null) {
      errorMessage.release();
      errorMessage = null;
    }
  }
}
