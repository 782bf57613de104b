package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link UnknownFunctions#PRIMARY}: a call of any function not known to be read-only sends the statement to
 * the primary, on the parser path and on the token path ({@link TokenReadProof}) alike.
 */
class UnknownFunctionsTest {
    private static final ClassifierSettings PRIMARY = ClassifierSettings.defaults()
            .withUnknownFunctions(UnknownFunctions.PRIMARY)
            .withAdditionalReadOnlyFunctions(List.of("app.price_of"));
    private final StatementClassifier strict = new StatementClassifier(Dialect.POSTGRESQL, PRIMARY);
    private final StatementClassifier lenient = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults());

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT my_audit_fn(id) FROM orders",
            "SELECT * FROM orders WHERE id = app.bump_counter('x')",
            "SELECT id FROM orders ORDER BY touch(id)",
            "SELECT * FROM app.log_reads(5)",
            "SELECT \"MyFn\"(1)",
            "SELECT app.lower(name) FROM orders", // a schema can hold a function of any name
            "SELECT price_of(1)"                  // only the qualified app.price_of is declared read-only
    })
    void unknownFunctionsGoToThePrimary(String sql) {
        assertThat(strict.classify(sql).primaryReason()).as(sql).isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
        assertThat(lenient.classify(sql).replicaEligible()).as("old behaviour: " + sql).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT count(*), max(total), coalesce(sum(total), 0) FROM orders WHERE lower(name) = 'a'",
            "SELECT id, row_number() OVER (PARTITION BY customer ORDER BY id) FROM orders",
            "SELECT * FROM generate_series(1, 10)",
            "SELECT pg_catalog.upper(name) FROM orders",
            "SELECT app.price_of(id) FROM orders",
            "SELECT * FROM orders WHERE id IN (SELECT order_id FROM lines) AND EXISTS (SELECT 1 FROM t)",
            "SELECT CAST(total AS text), total::int FROM orders"
    })
    void knownReadOnlyFunctionsStayOnReplicas(String sql) {
        assertThat(strict.classify(sql).replicaEligible()).as(sql).isTrue();
    }

    @Test
    void sideEffectFunctionsStayPrimaryEvenIfListedReadOnly() {
        StatementClassifier c = new StatementClassifier(Dialect.POSTGRESQL,
                PRIMARY.withAdditionalReadOnlyFunctions(List.of("nextval")));
        assertThat(c.classify("SELECT nextval('s')").primaryRequired()).isTrue();
    }

    /** The token proof (used when the parser fails) follows the same policy. */
    @Test
    void theTokenProofUsesTheSameSettings() {
        TokenReadProof strictProof = new TokenReadProof(new SqlLexer(Dialect.POSTGRESQL), new FunctionPolicy(PRIMARY));
        TokenReadProof lenientProof = new TokenReadProof(new SqlLexer(Dialect.POSTGRESQL),
                new FunctionPolicy(ClassifierSettings.defaults()));
        String unknown = "SELECT my_audit_fn(id) FROM orders WHERE id IN (1, 2)";
        String known = "SELECT count(*), lower(name) FROM orders WHERE id IN (1, 2) AND EXISTS (SELECT 1)";
        assertThat(lenientProof.isPlainRead(unknown, 0, unknown.length())).isTrue();
        assertThat(strictProof.isPlainRead(unknown, 0, unknown.length())).isFalse();
        assertThat(strictProof.isPlainRead(known, 0, known.length())).isTrue();
        String quoted = "SELECT \"my_audit_fn\"(id) FROM orders";
        assertThat(strictProof.isPlainRead(quoted, 0, quoted.length())).isFalse();
        String qualified = "SELECT app.price_of(id), app.other(id) FROM orders";
        assertThat(strictProof.isPlainRead(qualified, 0, qualified.length())).isFalse();
    }
}
