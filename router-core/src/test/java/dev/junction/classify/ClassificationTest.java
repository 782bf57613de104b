package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationTest {

    @Test
    void onlyAnUnconstrainedReadIsReplicaEligible() {
        assertThat(new Classification(StatementKind.READ, PrimaryReason.NONE, List.of("t"), false).replicaEligible()).isTrue();
        assertThat(new Classification(StatementKind.READ, PrimaryReason.LOCKING_READ, List.of(), false).replicaEligible()).isFalse();
        assertThat(new Classification(StatementKind.UTILITY, PrimaryReason.NONE, List.of(), false).replicaEligible()).isFalse();
        assertThat(new Classification(StatementKind.UTILITY, PrimaryReason.NONE, List.of(), false).primaryRequired()).isFalse();
    }

    @Test
    void tablesAreCopiedDefensively() {
        List<String> tables = new ArrayList<>(List.of("t"));
        Classification classification = new Classification(StatementKind.READ, PrimaryReason.NONE, tables, false);
        tables.add("u");

        assertThat(classification.tables()).containsExactly("t");
        assertThatThrownBy(() -> classification.tables().add("v")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void partsRequireAMultiStatementClassification() {
        Classification part = new Classification(StatementKind.READ, PrimaryReason.NONE, List.of(), false);

        assertThatThrownBy(() -> new Classification(StatementKind.READ, PrimaryReason.NONE, List.of(), false,
                TransactionAccess.UNSPECIFIED, List.of(part, part)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiStatement=true");
    }

    @Test
    void hintOnlyReplacesAnAbsentReason() {
        Classification read = Classification.of(StatementKind.READ, PrimaryReason.NONE);
        Classification write = Classification.of(StatementKind.WRITE, PrimaryReason.WRITE);

        assertThat(read.withHint().primaryReason()).isEqualTo(PrimaryReason.HINT);
        assertThat(write.withHint()).isSameAs(write);
    }
}
