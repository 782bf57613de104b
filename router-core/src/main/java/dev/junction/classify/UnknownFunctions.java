package dev.junction.classify;

/**
 * Where a statement goes when it calls a function that is neither a configured side-effect function
 * nor known to be read-only ({@link FunctionPolicy}).
 *
 * <p>{@link #REPLICA} (the default) trusts that application functions called from a SELECT only read;
 * the ones that write must be listed as side-effect functions. {@link #PRIMARY} is for applications with
 * user-defined functions that write and no complete list of them: every call of a function not known to
 * be read-only sends the statement to the primary, at the cost of fewer reads on replicas.
 */
public enum UnknownFunctions {
    /** An unknown function is assumed to read: the statement may go to a replica. */
    REPLICA,
    /** An unknown function is assumed to write: the statement goes to the primary. */
    PRIMARY
}
