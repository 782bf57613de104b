package dev.junction.position;

import java.util.Arrays;

/**
 * A MariaDB GTID position: per replication domain, the highest sequence number applied, as in
 * {@code @@gtid_slave_pos} / {@code @@gtid_binlog_pos} ({@code domain-server-seq[,...]}).
 *
 * <p>A replica covers a fence when, for every domain in the fence, the replica's sequence number in
 * that domain is at least the fence's. The server id is informational (sequence numbers are
 * monotonic per domain in strict mode), so it is kept but not compared.
 */
public final class MariaDbGtidPosition implements ReplicationPosition {
  // Parallel arrays sorted by domain: a handful of domains at most, so arrays beat maps.
  private final long[] domains;
  private final long[] servers;
  private final long[] sequences;

  private MariaDbGtidPosition(long[] domains, long[] servers, long[] sequences) {
    this.domains = domains;
    this.servers = servers;
    this.sequences = sequences;
  }

  /** Parses {@code 0-1-42,1-2-7}; an empty string is the empty position (nothing applied). */
  public static MariaDbGtidPosition parse(String text) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.isEmpty()) {
      return new MariaDbGtidPosition(new long[0], new long[0], new long[0]);
    }
    String[] parts = trimmed.split(",");
    long[][] triples = new long[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      String[] fields = parts[i].trim().split("-");
      if (fields.length != 3) {
        throw new IllegalArgumentException("not a MariaDB GTID: '" + parts[i] + "' in '" + text
            + "' (expected domain-server-sequence, e.g. 0-1-42)");
      }
      try {
        triples[i] = new long[] {Long.parseUnsignedLong(fields[0]), Long.parseUnsignedLong(fields[1]), Long.parseUnsignedLong(fields[2])};
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a MariaDB GTID: '" + parts[i] + "' in '" + text
            + "' (expected unsigned numbers domain-server-sequence)", e);
      }
    }
    Arrays.sort(triples, (a, b) -> Long.compareUnsigned(a[0], b[0]));
    long[] d = new long[triples.length];
    long[] s = new long[triples.length];
    long[] q = new long[triples.length];
    int n = 0;
    for (long[] t : triples) {
      if (n > 0 && d[n - 1] == t[0]) {
        if (Long.compareUnsigned(t[2], q[n - 1]) > 0) {
          s[n - 1] = t[1];
          q[n - 1] = t[2];
        }
        continue;
      }
      d[n] = t[0];
      s[n] = t[1];
      q[n] = t[2];
      n++;
    }
    return new MariaDbGtidPosition(Arrays.copyOf(d, n), Arrays.copyOf(s, n), Arrays.copyOf(q, n));
  }

  public boolean isEmpty() {
    return domains.length == 0;
  }

  /** Sequence applied in {@code domain}, or -1 when this position has nothing from it. */
  public long sequence(long domain) {
    int i = Arrays.binarySearch(domains, domain);
    return i >= 0 ? sequences[i] : -1;
  }

  @Override
  public boolean covers(ReplicationPosition fence) {
    MariaDbGtidPosition f = (MariaDbGtidPosition) fence;
    for (int i = 0; i < f.domains.length; i++) {
      long mine = sequence(f.domains[i]);
      if (mine < 0 || Long.compareUnsigned(mine, f.sequences[i]) < 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public ReplicationPosition max(ReplicationPosition other) {
    MariaDbGtidPosition o = (MariaDbGtidPosition) other;
    if (covers(o)) {
      return this;
    }
    if (o.covers(this)) {
      return o;
    }
    StringBuilder merged = new StringBuilder();
    for (int i = 0; i < domains.length; i++) {
      long theirs = o.sequence(domains[i]);
      boolean mineWins = theirs < 0 || Long.compareUnsigned(sequences[i], theirs) >= 0;
      append(merged, domains[i], mineWins ? servers[i] : o.servers[Arrays.binarySearch(o.domains, domains[i])],
          mineWins ? sequences[i] : theirs);
    }
    for (int i = 0; i < o.domains.length; i++) {
      if (sequence(o.domains[i]) < 0) {
        append(merged, o.domains[i], o.servers[i], o.sequences[i]);
      }
    }
    return parse(merged.toString());
  }

  /** Per domain the lower sequence; a domain {@code head} has never written is dropped. */
  @Override
  public ReplicationPosition clampTo(ReplicationPosition head) {
    MariaDbGtidPosition h = (MariaDbGtidPosition) head;
    if (h.covers(this)) {
      return this;
    }
    StringBuilder clamped = new StringBuilder();
    for (int i = 0; i < domains.length; i++) {
      long theirs = h.sequence(domains[i]);
      if (theirs < 0) {
        continue;
      }
      boolean mine = Long.compareUnsigned(sequences[i], theirs) <= 0;
      append(clamped, domains[i], mine ? servers[i] : h.servers[Arrays.binarySearch(h.domains, domains[i])],
          mine ? sequences[i] : theirs);
    }
    return parse(clamped.toString());
  }

  private static void append(StringBuilder sb, long domain, long server, long seq) {
    if (sb.length() > 0) {
      sb.append(',');
    }
    sb.append(Long.toUnsignedString(domain)).append('-').append(Long.toUnsignedString(server)).append('-')
        .append(Long.toUnsignedString(seq));
  }

  @Override
  public String encode() {
    return "maria:" + this;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < domains.length; i++) {
      append(sb, domains[i], servers[i], sequences[i]);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MariaDbGtidPosition other && Arrays.equals(domains, other.domains)
        && Arrays.equals(sequences, other.sequences) && Arrays.equals(servers, other.servers);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(domains) * 31 + Arrays.hashCode(sequences);
  }
}
