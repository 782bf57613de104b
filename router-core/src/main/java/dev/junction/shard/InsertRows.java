package dev.junction.shard;

import java.util.ArrayList;
import java.util.List;

/**
 * The text of a multi-row {@code INSERT ... VALUES} cut into the part before the rows, each row,
 * and the part after (ON CONFLICT, ON DUPLICATE KEY UPDATE, RETURNING), with the {@code ?}
 * parameters each part holds. A shard's statement is then its rows spliced between the same head
 * and tail, taken from the original text so nothing is re-rendered.
 */
final class InsertRows {

  /** A text range and the application parameters (0-based, in text order) inside it. */
  record Piece(String text, int firstParameter, int parameterCount) {}

  final Piece head;
  final List<Piece> rows;
  final Piece tail;

  private InsertRows(Piece head, List<Piece> rows, Piece tail) {
    this.head = head;
    this.rows = rows;
    this.tail = tail;
  }

  /** Cuts the statement; null if the VALUES rows cannot be found at the top level. */
  static InsertRows cut(String sql, SqlTokens lexed) {
    List<SqlTokens.Token> tokens = lexed.tokens();
    int depth = 0;
    int values = -1;
    for (int i = 0; i < tokens.size(); i++) {
      SqlTokens.Token t = tokens.get(i);
      if (lexed.isSymbol(t, '(')) {
        depth++;
      } else if (lexed.isSymbol(t, ')')) {
        depth--;
      } else if (depth == 0 && (lexed.isWord(t, "VALUES") || lexed.isWord(t, "VALUE"))) {
        values = i;
        break;
      }
    }
    if (values < 0) {
      return null;
    }
    int params = 0;
    for (int i = 0; i <= values; i++) {
      params += tokens.get(i).kind() == SqlTokens.Kind.PARAM ? 1 : 0;
    }
    List<Piece> rows = new ArrayList<>();
    int i = values + 1;
    int headEnd = -1;
    int lastEnd = -1;
    while (i < tokens.size() && lexed.isSymbol(tokens.get(i), '(')) {
      int start = tokens.get(i).start();
      int rowParams = 0;
      int d = 0;
      int j = i;
      for (; j < tokens.size(); j++) {
        SqlTokens.Token t = tokens.get(j);
        if (lexed.isSymbol(t, '(')) {
          d++;
        } else if (lexed.isSymbol(t, ')') && --d == 0) {
          break;
        } else if (t.kind() == SqlTokens.Kind.PARAM) {
          rowParams++;
        }
      }
      if (j >= tokens.size()) {
        return null;
      }
      if (headEnd < 0) {
        headEnd = start;
      }
      lastEnd = tokens.get(j).end();
      rows.add(new Piece(sql.substring(start, lastEnd), params, rowParams));
      params += rowParams;
      i = j + 1;
      if (i < tokens.size() && lexed.isSymbol(tokens.get(i), ',')) {
        i++;
      } else {
        break;
      }
    }
    if (rows.isEmpty()) {
      return null;
    }
    int tailParams = lexed.parameterCount() - params;
    Piece head = new Piece(sql.substring(0, headEnd), 0, rows.get(0).firstParameter());
    Piece tail = new Piece(sql.substring(lastEnd), params, tailParams);
    return new InsertRows(head, rows, tail);
  }

  /** The statement with only the given rows (ascending indexes), and its parameters. */
  String sql(int[] rowIndexes) {
    StringBuilder sb = new StringBuilder(head.text());
    for (int k = 0; k < rowIndexes.length; k++) {
      sb.append(k == 0 ? "" : ", ").append(rows.get(rowIndexes[k]).text());
    }
    return sb.append(tail.text()).toString();
  }

  List<Object> parameters(int[] rowIndexes, List<Object> values) {
    List<Object> out = new ArrayList<>();
    add(head, values, out);
    for (int r : rowIndexes) {
      add(rows.get(r), values, out);
    }
    add(tail, values, out);
    return out;
  }

  private static void add(Piece piece, List<Object> values, List<Object> out) {
    for (int p = 0; p < piece.parameterCount(); p++) {
      out.add(values.get(piece.firstParameter() + p));
    }
  }
}
