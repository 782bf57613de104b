package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementSplitterTest {
    @Test
    void splitsOnlyOutsideLiteralsCommentsAndParentheses() {
        StatementSplitter pg = new StatementSplitter(Dialect.POSTGRESQL);
        assertThat(pg.split("BEGIN; UPDATE t SET v = 'a;b' WHERE id = 1; -- c;\nCOMMIT;"))
            .extracting(String::strip)
            .containsExactly("BEGIN", "UPDATE t SET v = 'a;b' WHERE id = 1", "-- c;\nCOMMIT");
        assertThat(pg.split("select 1")).containsExactly("select 1");
        assertThat(pg.split(" ; ;")).isEmpty();
        assertThat(pg.split("select $$a;b$$; select 2")).hasSize(2);
    }
}
