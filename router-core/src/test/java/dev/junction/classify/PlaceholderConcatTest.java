package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code '%'||?||'%'}, as Hibernate renders {@code like concat('%', :x, '%')} on PostgreSQL, is read by the
 * parser (after {@link StatementParser#separatePlaceholderFromBars}), not left to JSqlParser's slow failing
 * path and the token proof: the tree walk sees its tables, and a write or locking read that contains it
 * gets its own reason. Before, every such text cost the complex-parsing retry and, on a loaded machine,
 * ran over the parse budget to the primary (found by the Hibernate corpus, hibernate-postgresql.tsv).
 */
class PlaceholderConcatTest {

    private static final ClassifierSettings GENEROUS = ClassifierSettings.defaults().withCacheMaximumSize(0)
            .withParseBudget(Duration.ofSeconds(30));

    private static Classification classify(Dialect dialect, String sql) {
        return new StatementClassifier(dialect, GENEROUS).classify(sql);
    }

    @Test
    void insertsASpaceAfterAPlaceholderFollowedByBarsOnly() {
        StatementParser parser = new StatementParser(new SqlLexer(Dialect.POSTGRESQL), Duration.ofSeconds(1).toNanos());

        assertThat(parser.separatePlaceholderFromBars("select 1 where a like ('%'||?||'%')"))
                .isEqualTo("select 1 where a like ('%'||? ||'%')");
        assertThat(parser.separatePlaceholderFromBars("select ?||?||'x'")).isEqualTo("select ? ||? ||'x'");
        // Literals and quoted identifiers are left alone, and so are JDBC's ?? escape and the ?| operator.
        assertThat(parser.separatePlaceholderFromBars("select '?||', \"a?||b\" from t")).isEqualTo("select '?||', \"a?||b\" from t");
        assertThat(parser.separatePlaceholderFromBars("select d ??|| x")).isEqualTo("select d ??|| x");
        assertThat(parser.separatePlaceholderFromBars("select d ?| array['a'] from t")).isEqualTo("select d ?| array['a'] from t");
        assertThat(parser.separatePlaceholderFromBars("select 1")).isEqualTo("select 1");
    }

    @Test
    void hibernateLikePatternsAreParsedReads() {
        String hibernate = "select c1_0.id,c1_0.name,(select count(*) from orders o where o.customer_id = c1_0.id) "
                + "from customers c1_0 where lower(c1_0.email) like ('%'||?||'%') escape '' order by c1_0.id "
                + "offset ? rows fetch first ? rows only";
        Classification c = classify(Dialect.POSTGRESQL, hibernate);

        assertThat(c.replicaEligible()).isTrue();
        assertThat(c.tables()).as("parsed, not proven from tokens").containsExactlyInAnyOrder("customers", "orders");
        assertThat(classify(Dialect.POSTGRESQL, "/* comment */ select p1_0.id from probes p1_0 where p1_0.name like ('%'||?||'%')")
                .tables()).containsExactly("probes");
        assertThat(classify(Dialect.MYSQL, "select id from t where a like ('%'||?||'%')").replicaEligible()).isTrue();
    }

    @Test
    void writesAndLockingReadsWithThePatternKeepTheirOwnReason() {
        assertThat(classify(Dialect.POSTGRESQL, "update t set note = note||'%'||?||'%' where id = ?").primaryReason())
                .isEqualTo(PrimaryReason.WRITE);
        assertThat(classify(Dialect.POSTGRESQL, "select * from users where name like '%'||?||'%' for update").primaryReason())
                .isEqualTo(PrimaryReason.LOCKING_READ);
        assertThat(classify(Dialect.POSTGRESQL, "select * from users where name like '%'||?||'%' for no key update skip locked")
                .primaryReason()).isEqualTo(PrimaryReason.LOCKING_READ);
        assertThat(classify(Dialect.POSTGRESQL, "with d as (delete from t returning *) select * from d where x like '%'||?||'%'")
                .primaryReason()).isEqualTo(PrimaryReason.DATA_MODIFYING_CTE);
        assertThat(classify(Dialect.POSTGRESQL, "select nextval('s'), a from t where b like '%'||?||'%'").primaryReason())
                .isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
        assertThat(classify(Dialect.POSTGRESQL, "select * from t where a like '%'||?||'%'; delete from t").replicaEligible())
                .isFalse();
        assertThat(classify(Dialect.POSTGRESQL, "select * from t where a like '%'||?||'%' /* junction:primary */").replicaEligible())
                .isFalse();
    }
}
