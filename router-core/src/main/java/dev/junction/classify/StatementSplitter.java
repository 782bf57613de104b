package dev.junction.classify;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a multi-statement string into its statements exactly as the classifier sees them:
 * at {@code ;} outside literals, comments and parentheses, keeping routine bodies whole.
 * The proxy uses it to route each statement of a simple-protocol query on its own.
 */
public final class StatementSplitter {
    private final SqlScanner scanner;

    public StatementSplitter(Dialect dialect) {
        this.scanner = new SqlScanner(new SqlLexer(dialect));
    }

    /** The non-empty statements of {@code sql}, without their terminating semicolons. */
    public List<String> split(String sql) {
        List<SqlScanner.Segment> segments = scanner.scan(sql).segments();
        List<String> statements = new ArrayList<>(segments.size());
        for (SqlScanner.Segment s : segments) {
            statements.add(sql.substring(s.start(), s.end()));
        }
        return statements;
    }
}
