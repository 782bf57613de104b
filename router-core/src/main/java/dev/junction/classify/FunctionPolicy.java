package dev.junction.classify;

import java.util.Locale;
import java.util.Set;

/**
 * Decides whether a function call forces a statement to the primary. The parser path
 * ({@link ReadSafetyVisitor}) and the token path ({@link TokenReadProof}) both ask this one object, so
 * the two cannot disagree about a function.
 *
 * <p>A call goes to the primary when its last name part or its qualified name is a side-effect
 * function; with {@link UnknownFunctions#PRIMARY}, also when it is not known to be read-only. "Known
 * to be read-only" is deliberately narrow: the call's qualified name (lower-cased, exactly as written)
 * is in the read-only list, or it is {@code pg_catalog.}<i>name</i> with <i>name</i> in the list. A
 * bare read-only entry does not cover {@code app.lower(...)}: a schema can hold a function of any name.
 */
final class FunctionPolicy {
    private final Set<String> sideEffectFunctions;
    private final UnknownFunctions unknownFunctions;
    private final Set<String> readOnlyFunctions;

    FunctionPolicy(ClassifierSettings settings) {
        this.sideEffectFunctions = settings.sideEffectFunctions();
        this.unknownFunctions = settings.unknownFunctions();
        this.readOnlyFunctions = settings.readOnlyFunctions();
    }

    /**
     * @param last      the function's last name part, lower-cased
     * @param qualified all name parts joined by '.', lower-cased (equal to {@code last} when unqualified)
     */
    boolean forcesPrimary(String last, String qualified) {
        if (sideEffectFunctions.contains(last) || sideEffectFunctions.contains(qualified)) {
            return true;
        }
        return unknownFunctions == UnknownFunctions.PRIMARY && !knownReadOnly(last, qualified);
    }

    /** Whether {@code name} (lower-cased) is a configured side-effect function. */
    boolean listedSideEffect(String name) {
        return sideEffectFunctions.contains(name);
    }

    /** Whether unknown functions go to the primary (the token proof then fails on any unknown call). */
    boolean unknownIsPrimary() {
        return unknownFunctions == UnknownFunctions.PRIMARY;
    }

    private boolean knownReadOnly(String last, String qualified) {
        if (readOnlyFunctions.contains(qualified)) {
            return true;
        }
        return qualified.equals("pg_catalog." + last) && readOnlyFunctions.contains(last);
    }

    static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
