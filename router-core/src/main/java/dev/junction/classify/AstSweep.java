package dev.junction.classify;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Hands every node of a parsed statement to a callback, reached through the nodes' public getters.
 *
 * <p>WHY: {@link net.sf.jsqlparser.util.TablesNamesFinder} walks the clauses it knows, and skips others
 * (aggregate {@code FILTER}, window {@code OVER} and {@code WINDOW}, {@code LIMIT}/{@code OFFSET}/{@code
 * FETCH} expressions, {@code DISTINCT ON}, array subscripts, {@code GROUPING SETS}, JSON constructors,
 * {@code GROUP_CONCAT ... ORDER BY}, ...): a side-effect function or a {@code FOR UPDATE} subquery there was
 * read as a plain read. A walk by enumerated clauses fails open on the next clause JSqlParser adds; this
 * one reaches whatever the tree holds. A getter that fails makes the tree unwalkable (the caller routes
 * the statement as unproven).
 */
final class AstSweep {
    /** Getters of one node class that may lead to other nodes (public, no parameters, an object result). */
    private static final ClassValue<Method[]> GETTERS = new ClassValue<>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
            List<Method> getters = new ArrayList<>();
            for (Method m : type.getMethods()) {
                String name = m.getName();
                Class<?> result = m.getReturnType();
                if (m.getParameterCount() == 0 && !Modifier.isStatic(m.getModifiers()) && name.startsWith("get")
                        && mayHoldNodes(result) && !name.equals("getASTNode")
                        && m.getDeclaringClass().getName().startsWith("net.sf.jsqlparser.")) {
                    getters.add(m);
                }
            }
            return getters.toArray(new Method[0]);
        }
    };

    /** A parser node type, a collection or array of them, or an erased type variable (Object). */
    private static boolean mayHoldNodes(Class<?> type) {
        return type == Object.class || Iterable.class.isAssignableFrom(type) || type.isArray() && !type.getComponentType().isPrimitive()
                || !type.isEnum() && type.getName().startsWith("net.sf.jsqlparser.") && !type.getName().startsWith("net.sf.jsqlparser.parser.");
    }

    /** Deeper than any tree the parser accepts (see {@link ClassifierSettings#MAX_ALLOWED_NESTING_DEPTH}). */
    private static final int MAX_DEPTH = 2_000;

    private final Map<Object, Boolean> seen = new IdentityHashMap<>();
    private final Consumer<Object> node;

    private AstSweep(Consumer<Object> node) {
        this.node = node;
    }

    /** Calls {@code node} once per node reachable from {@code root}; false if the tree could not be walked. */
    static boolean sweep(Object root, Consumer<Object> node) {
        try {
            new AstSweep(node).walk(root, 0);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | StackOverflowError e) {
            return false;
        }
    }

    private void walk(Object o, int depth) throws ReflectiveOperationException {
        if (o == null) {
            return;
        }
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("tree too deep to sweep");
        }
        if (o instanceof Iterable<?> items) {
            for (Object item : items) {
                walk(item, depth + 1);
            }
            return;
        }
        if (o instanceof Object[] items) {
            for (Object item : items) {
                walk(item, depth + 1);
            }
            return;
        }
        Class<?> type = o.getClass();
        if (!type.getName().startsWith("net.sf.jsqlparser.") || type.getName().startsWith("net.sf.jsqlparser.parser.")
                || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        node.accept(o);
        for (Method getter : GETTERS.get(type)) {
            Object child;
            try {
                child = getter.invoke(o);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException) {
                    // A view, not a child: the node as a subtype it is not (Select.getSetOperationList), or a value
                    // derived from children reached through their own getters. Rethrown only for errors.
                    continue;
                }
                throw e;
            }
            walk(child, depth + 1);
        }
    }
}
