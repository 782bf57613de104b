package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The CommandComplete tags, read from the statement's first words through router-core's lexer. */
class CommandTagsTest {

  @Test
  void tagsFromTheFirstWord() {
    assertThat(CommandTags.forRows("select 1", 3)).isEqualTo("SELECT 3");
    assertThat(CommandTags.forRows("  (select 1)", 1)).isEqualTo("SELECT 1");
    assertThat(CommandTags.forRows("insert into t values (1) returning id", 2)).isEqualTo("INSERT 0 2");
    assertThat(CommandTags.forUpdate("update t set a = 1", 4)).isEqualTo("UPDATE 4");
    assertThat(CommandTags.forUpdate("delete from t", -1)).isEqualTo("DELETE 0");
    assertThat(CommandTags.forUpdate("begin", 0)).isEqualTo("BEGIN");
    assertThat(CommandTags.forUpdate("start transaction", 0)).isEqualTo("BEGIN");
    assertThat(CommandTags.forUpdate("end", 0)).isEqualTo("COMMIT");
    assertThat(CommandTags.forUpdate("rollback to savepoint s", 0)).isEqualTo("ROLLBACK");
    assertThat(CommandTags.forUpdate("set search_path = x", 0)).isEqualTo("SET");
    assertThat(CommandTags.forUpdate("", 0)).isEqualTo("");
  }

  @Test
  void ddlTags() {
    assertThat(CommandTags.forUpdate("create unique index concurrently if not exists i on t (a)", 0)).isEqualTo("CREATE INDEX");
    assertThat(CommandTags.forUpdate("CREATE OR REPLACE FUNCTION f() ...", 0)).isEqualTo("CREATE FUNCTION");
    assertThat(CommandTags.forUpdate("create materialized view v as select 1", 0)).isEqualTo("CREATE MATERIALIZED VIEW");
    assertThat(CommandTags.forUpdate("drop table t", 0)).isEqualTo("DROP TABLE");
  }

  @Test
  void skipsLeadingCommentsByPostgresRules() {
    assertThat(CommandTags.forUpdate("-- note\n/* c */ insert into t values (1)", 1)).isEqualTo("INSERT 0 1");
    assertThat(CommandTags.forUpdate("--\rdelete from t", 2)).isEqualTo("DELETE 2");
    // PostgreSQL nests block comments: the old scan stopped at the first */ and answered "C".
    assertThat(CommandTags.forUpdate("/* a /* b */ c */ insert into t values (1)", 1)).isEqualTo("INSERT 0 1");
    assertThat(CommandTags.forUpdate("/* a /* b */ c */ create table t (a int)", 0)).isEqualTo("CREATE TABLE");
  }

  @Test
  void stopsAtALiteral() {
    assertThat(CommandTags.forUpdate("E'x'", 0)).isEqualTo("");
    assertThat(CommandTags.forUpdate("$$x$$", 0)).isEqualTo("");
  }
}
