#!/usr/bin/env python3
"""Builds the classification corpus in router-core/src/test/resources/classify/corpus/.

Usage: build_corpus.py LIBPG_QUERY_DIR PINGCAP_PARSER_DIR SQLGLOT_DIR OUT_DIR

Each argument is a checkout (or `git worktree`) of the named public repository; the commits used
are recorded in OUT_DIR/README.md by hand. Output: one file per dialect, one statement per line,
`label<TAB>sql` with \\n, \\t and \\\\ escaped. Labels come from the independent rules in
label() below, not from Junction's classifier, so the test measures the classifier against them:

  read      a plain query (SELECT/WITH/VALUES/TABLE/parenthesised, SHOW, EXPLAIN without ANALYZE)
            with no locking clause, INTO, DML keyword, session-variable use or side-effect function
  write     INSERT/UPDATE/DELETE/MERGE/REPLACE/UPSERT/CALL/DO/LOAD/COPY
  locking   a query with FOR UPDATE/SHARE or LOCK IN SHARE MODE
  unsafe    a query with INTO, a DML keyword (data-modifying CTE), a side-effect function, NEXT VALUE FOR,
            := (assignment), or SQL_CALC_FOUND_ROWS. Reading a user variable (@x) is a read.
  other     anything else (DDL, SET, transaction control, utility, MySQL EXPLAIN FOR CONNECTION, any
            MySQL statement with an executable comment /*! */): expected on the primary
"""
import ast
import os
import re
import sys

SIDE_EFFECT = {
    "nextval", "setval", "currval", "lastval", "txid_current", "txid_current_if_assigned",
    "pg_current_xact_id", "pg_current_xact_id_if_assigned", "pg_advisory_lock", "pg_advisory_lock_shared",
    "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
    "pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all", "pg_notify", "set_config",
    "pg_terminate_backend", "pg_cancel_backend", "pg_current_wal_lsn", "pg_current_wal_insert_lsn",
    "pg_current_wal_flush_lsn", "pg_switch_wal", "pg_create_restore_point", "pg_reload_conf",
    "pg_logical_emit_message", "dblink", "dblink_exec", "dblink_send_query", "lo_create", "lo_creat",
    "lo_import", "lo_unlink", "lo_put", "lo_from_bytea", "lowrite", "lo_truncate", "lo_truncate64",
    "get_lock", "release_lock", "release_all_locks", "is_used_lock", "is_free_lock", "last_insert_id",
    "row_count", "found_rows"}
DML_PG = {"INSERT", "UPDATE", "DELETE", "MERGE"}
DML_MY = {"INSERT", "UPDATE", "DELETE", "REPLACE"}
WRITE_START = {"INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CALL", "DO", "LOAD", "COPY"}
READ_START = {"SELECT", "WITH", "VALUES", "TABLE"}


def tokens(sql, mysql):
    """(kind, text) tokens outside comments; kind is w(ord), s(tring), q(uoted id), p(unct), n(umber)."""
    i, n, out = 0, len(sql), []
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
        elif sql.startswith("--", i) or (mysql and c == "#"):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif sql.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if sql.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                elif not mysql and sql.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                else:
                    i += 1
        elif c in "'\"`" or (not mysql and c in "eE" and sql.startswith("'", i + 1)):
            esc = mysql or c in "eE"
            if c in "eE":
                i += 1
                c = "'"
            j = i + 1
            while j < n:
                if esc and sql[j] == "\\":
                    j += 2
                elif sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                    else:
                        break
                else:
                    j += 1
            out.append(("s" if c == "'" or (mysql and c == '"') else "q", sql[i:j + 1]))
            i = j + 1
        elif c == "$" and not mysql and re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:]):
            tag = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:]).group(0)
            j = sql.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            out.append(("s", sql[i:j]))
            i = j
        elif c.isalpha() or c == "_" or ord(c) > 127:
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] in "_$" or ord(sql[j]) > 127):
                j += 1
            out.append(("w", sql[i:j]))
            i = j
        elif c.isdigit():
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] in "._"):
                j += 1
            out.append(("n", sql[i:j]))
            i = j
        else:
            out.append(("p", c))
            i += 1
    return out


def label(sql, mysql):
    if mysql and re.search(r"/\*M?!", sql):
        return "other"  # MySQL executes /*! ... */ content: code the classifier does not see
    toks = tokens(sql, mysql)
    words = [t[1].upper() if t[0] == "w" else t[1] for t in toks]
    if not toks:
        return None
    k = 0
    while k < len(toks) and toks[k] == ("p", "("):
        k += 1
    first = words[k] if k < len(words) else ""
    if first in ("EXPLAIN", "DESCRIBE", "DESC"):
        rest = words[1:12]
        if "ANALYZE" in rest or "ANALYSE" in rest:
            # it runs the statement: label it as the statement (after the option list)
            j = 1
            while j < len(toks) and (toks[j][0] == "w" and words[j] in ("ANALYZE", "ANALYSE", "VERBOSE") or toks[j] == ("p", "(")):
                if toks[j] == ("p", "("):
                    while j < len(toks) and toks[j] != ("p", ")"):
                        j += 1
                j += 1
            inner = label_tokens(toks[j:], words[j:], mysql)
            return "read" if inner == "read" else "other"
        if "FOR" in rest and "CONNECTION" in words[1:14]:
            return "other"  # MySQL EXPLAIN FOR CONNECTION n: about one server's session
        # EXPLAIN of anything: nothing runs (the explained statement's safety does not matter)
        return "read"
    if first == "SHOW":
        return "read" if show_is_read(words[1:], mysql) else "other"
    return label_tokens(toks, words, mysql)


def label_tokens(toks, words, mysql):
    k = 0
    while k < len(toks) and toks[k] == ("p", "("):
        k += 1
    first = words[k] if k < len(words) else ""
    if first in WRITE_START:
        return "write"
    if first not in READ_START and not (k > 0 and first in READ_START):
        return "other"
    for i, (kind, text) in enumerate(toks):
        up = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if kind == "w":
            if up == "FOR" and nxt in ("UPDATE", "SHARE", "NO", "KEY"):
                return "locking"
            if up == "LOCK" and nxt == "IN":
                return "locking"
            if up == "INTO":
                return "unsafe"
            if up in (DML_MY if mysql else DML_PG) and nxt != "(":
                return "unsafe"
            if up in ("NEXT", "PREVIOUS") and nxt == "VALUE":
                return "unsafe"
            if up == "SQL_CALC_FOUND_ROWS":
                return "unsafe"
            if text.lower() in SIDE_EFFECT and nxt == "(":
                return "unsafe"
            if (mysql and text.lower() in ("nextval", "lastval", "setval")):
                return "unsafe"
        if kind == "p" and text == ":" and nxt == "=":
            return "unsafe"
    return "read"


PG_SHOW_PRIMARY = {"TRANSACTION_READ_ONLY", "IN_HOT_STANDBY", "ALL", "TRANSACTION_ISOLATION"}
MY_SHOW_READ = {"TABLES", "FULL", "COLUMNS", "FIELDS", "INDEX", "INDEXES", "KEYS", "CREATE", "DATABASES",
                "SCHEMAS", "TABLE", "TRIGGERS", "CHARACTER", "CHARSET", "COLLATION", "ENGINES", "PLUGINS",
                "PRIVILEGES", "PROCEDURE", "FUNCTION", "EVENTS", "EXTENDED"}


def show_is_read(rest, mysql):
    if not rest:
        return False
    if mysql:
        if rest[0] in ("FULL", "EXTENDED"):
            nxt = [w for w in rest[1:3] if w != "FULL"]
            return bool(nxt) and nxt[0] in ("TABLES", "COLUMNS", "FIELDS", "INDEX", "INDEXES", "KEYS")
        return rest[0] in MY_SHOW_READ
    return rest[0] not in PG_SHOW_PRIMARY


# ------------------------------------------------------------------ PostgreSQL regression scripts

def split_psql(text):
    """Statements of a psql script: meta-commands dropped, COPY ... FROM stdin data skipped."""
    stmts, buf, i, n, depth = [], [], 0, len(text), 0
    in_copy_data = False
    while i < n:
        if in_copy_data:
            j = text.find("\n\\.", i - 1)
            i = n if j < 0 else text.find("\n", j + 3) + 1 or n
            in_copy_data = False
            continue
        c = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            d, j = 1, i + 2
            while j < n and d:
                if text.startswith("*/", j):
                    d, j = d - 1, j + 2
                elif text.startswith("/*", j):
                    d, j = d + 1, j + 2
                else:
                    j += 1
            buf.append(text[i:j])
            i = j
            continue
        if c in "'\"" or (c in "eE" and text.startswith("'", i + 1) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            esc = c in "eE"
            q = "'" if esc else c
            j = i + (2 if esc else 1)
            while j < n:
                if esc and text[j] == "\\":
                    j += 2
                elif text[j] == q:
                    if j + 1 < n and text[j + 1] == q:
                        j += 2
                    else:
                        break
                else:
                    j += 1
            buf.append(text[i:j + 1])
            i = j + 1
            continue
        m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", text[i:]) if c == "$" else None
        if m:
            tag = m.group(0)
            j = text.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            buf.append(text[i:j])
            i = j
            continue
        if c == "\\":
            j = text.find("\n", i)
            j = n if j < 0 else j
            cmd = text[i:j]
            if re.match(r"\\(g|gx|gset|gexec|gdesc|crosstabview|watch)\b", cmd):
                stmts.append("".join(buf))
                buf = []
            i = j
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        if c == ";" and depth == 0:
            stmt = "".join(buf)
            stmts.append(stmt)
            buf = []
            if re.search(r"(?is)^\s*copy\b.*\bfrom\s+stdin\b", stmt):
                in_copy_data = True
                j = text.find("\n", i)
                i = n if j < 0 else j + 1
                continue
            i += 1
            continue
        buf.append(c)
        i += 1
    stmts.append("".join(buf))
    return stmts


PSQL_VAR = re.compile(r"(?<![:\w]):['\"]?[A-Za-z_]")


def has_psql_variable(sql):
    for kind, text in tokens(sql, False):
        pass
    # strip literals and comments, then look for :var / :'var' / :"var"
    stripped = []
    for kind, text in tokens(sql, False):
        stripped.append("''" if kind == "s" else text)
    return bool(PSQL_VAR.search(" ".join(stripped).replace(": :", "::")))


# ------------------------------------------------------------------ pingcap/parser (MySQL grammar tests)

GO_CASE = re.compile(r'\{\s*("(?:[^"\\\n]|\\.)*"|`[^`]*`)\s*,\s*true\b')


def go_unquote(lit):
    if lit.startswith("`"):
        return lit[1:-1]
    body = lit[1:-1]
    return re.sub(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)', lambda m: {
        "n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}.get(
        m.group(1), chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "xu" else "\\" + m.group(1)), body)


# ------------------------------------------------------------------ sqlglot dialect tests

def sqlglot_statements(path, dialect):
    tree = ast.parse(open(path, encoding="utf-8").read())
    own = os.path.basename(path) == f"test_{dialect}.py"
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if own and name in ("validate_identity", "validate_all", "parse_one") and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            out.append(node.args[0].value)
        for kw in node.keywords:
            if kw.arg in ("read", "write") and isinstance(kw.value, ast.Dict):
                for k, v in zip(kw.value.keys, kw.value.values):
                    if isinstance(k, ast.Constant) and k.value == dialect and isinstance(v, ast.Constant) \
                            and isinstance(v.value, str):
                        out.append(v.value)
    return out


def escape(sql):
    return sql.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def clean(sql):
    sql = sql.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def write(path, statements, mysql):
    seen, rows = set(), []
    for s in statements:
        s = clean(s)
        if not s or s in seen or "\0" in s:
            continue
        seen.add(s)
        lab = label(s, mysql)
        if lab is None:
            continue
        rows.append(f"{lab}\t{escape(s)}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    counts = {}
    for r in rows:
        counts[r.split("\t")[0]] = counts.get(r.split("\t")[0], 0) + 1
    print(path, len(rows), counts)


def main():
    libpg, pingcap, sqlglot, out = sys.argv[1:5]
    pg = []
    regress = os.path.join(libpg, "test/sql/postgres_regress")
    for name in sorted(os.listdir(regress)):
        if name.endswith(".sql"):
            text = open(os.path.join(regress, name), encoding="utf-8", errors="replace").read()
            pg.extend(s for s in split_psql(text) if not has_psql_variable(s))
    glot = os.path.join(sqlglot, "tests/dialects")
    for name in sorted(os.listdir(glot)):
        if name.endswith(".py"):
            pg.extend(sqlglot_statements(os.path.join(glot, name), "postgres"))
    write(os.path.join(out, "postgresql.tsv"), pg, False)

    my = []
    text = open(os.path.join(pingcap, "parser_test.go"), encoding="utf-8").read()
    my.extend(go_unquote(m.group(1)) for m in GO_CASE.finditer(text))
    for name in sorted(os.listdir(glot)):
        if name.endswith(".py"):
            my.extend(sqlglot_statements(os.path.join(glot, name), "mysql"))
    write(os.path.join(out, "mysql.tsv"), my, True)


if __name__ == "__main__":
    main()
