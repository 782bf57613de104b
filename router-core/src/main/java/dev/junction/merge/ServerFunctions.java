package dev.junction.merge;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the shards' catalog says about function names, read once when the data source starts. The
 * SQL text cannot tell a user-defined (or extension, or newer built-in) aggregate from a scalar
 * function, and a scatter merge that takes an aggregate for a scalar returns one shard's partial.
 *
 * @param aggregates names of aggregate functions in the catalog (lower case)
 * @param functions every function name in the catalog (lower case); null when the catalog does not
 *     list the built-ins (MySQL/MariaDB), so a name outside it proves nothing
 * @param problem why the catalog could not be read, or null; then nothing is proven
 */
public record ServerFunctions(Set<String> aggregates, Set<String> functions, String problem) {

  /** No catalog: the planner's own lists only (tests, tools that plan without a server). */
  public static final ServerFunctions UNCHECKED = new ServerFunctions(Set.of(), null, null);

  public ServerFunctions {
    aggregates = lower(aggregates);
    functions = functions == null ? null : lower(functions);
  }

  /** A catalog that could not be read: every function the planner does not know is refused. */
  public static ServerFunctions unreadable(String problem) {
    return new ServerFunctions(Set.of(), Set.of(), problem);
  }

  private static Set<String> lower(Set<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }
}
