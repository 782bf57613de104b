package dev.junction.classify;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Folds the parts of {@code "stmt; stmt; ..."} into one classification.
 *
 * <p>The result takes the kind, reason and transaction access of the most primary-bound part:
 * a part that needs the primary beats one that does not, then kinds rank
 * UNKNOWN > DDL > WRITE > TX_BEGIN > TX_COMMIT > TX_ROLLBACK > TX_SAVEPOINT > SESSION > UTILITY > READ,
 * and the first part wins a tie. So the string goes to a replica only if every part could. One
 * kind cannot say "BEGIN; UPDATE" opens a transaction, so the parts are kept for the router.
 */
final class MultiStatementMerger {

    private MultiStatementMerger() {
    }

    static Classification merge(List<Classification> parts) {
        Classification dominant = parts.get(0);
        Set<String> tables = new LinkedHashSet<>();
        for (Classification part : parts) {
            if (outranks(part, dominant)) {
                dominant = part;
            }
            tables.addAll(part.tables());
        }
        return new Classification(dominant.kind(), dominant.primaryReason(), List.copyOf(tables), true,
                dominant.transactionAccess(), parts);
    }

    private static boolean outranks(Classification candidate, Classification current) {
        if (candidate.primaryRequired() != current.primaryRequired()) {
            return candidate.primaryRequired();
        }
        return rank(candidate.kind()) > rank(current.kind());
    }

    private static int rank(StatementKind kind) {
        switch (kind) {
            case UNKNOWN: return 9;
            case DDL: return 8;
            case WRITE: return 7;
            case TX_BEGIN: return 6;
            case TX_COMMIT: return 5;
            case TX_ROLLBACK: return 4;
            case TX_SAVEPOINT: return 3;
            case SESSION: return 2;
            case UTILITY: return 1;
            default: return 0;
        }
    }
}
