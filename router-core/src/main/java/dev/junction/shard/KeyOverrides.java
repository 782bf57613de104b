package dev.junction.shard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The directory part of a {@link ShardRing}: keys pinned to a named shard regardless of where the
 * ring would put them (hot-key isolation, or keys migrated ahead of a rebalance).
 *
 * <p>WHY keyed by hash: the ring computes the key's hash anyway, so an override check is one
 * binary search over a sorted {@code long[]} of pinned hashes and allocates nothing. Only on a
 * hash match (a pinned key, or a 2<sup>-64</sup> accident) are canonical bytes compared. Keys are
 * identified by their canonical bytes, so {@code int 42} and {@code long 42} are the same pin.
 */
final class KeyOverrides {

  static final KeyOverrides NONE = new KeyOverrides(new Pin[0], new String[0]);

  /** One pinned key. {@code key} is kept as given, for display only. */
  private static final class Pin {
    final Object key;
    final byte[] canonical;
    final long hash;
    final String shardId;

    Pin(Object key, String shardId) {
      this.key = key instanceof byte[] ? ((byte[]) key).clone() : key;
      this.canonical = KeyHash.canonicalBytes(key);
      this.hash = KeyHash.hash(key);
      this.shardId = shardId;
    }

    boolean sameKey(Pin other) {
      return hash == other.hash && Arrays.equals(canonical, other.canonical);
    }
  }

  private static final Comparator<Pin> ORDER = Comparator.<Pin>comparingLong(p -> p.hash)
      .thenComparing((a, b) -> Arrays.compare(a.canonical, b.canonical));

  private final Pin[] pins;      // sorted by hash, then canonical bytes
  private final long[] hashes;   // pins[i].hash, for the binary search
  private final int[] targets;   // index of pins[i].shardId in the ring's shard array

  private KeyOverrides(Pin[] sortedPins, String[] shardIds) {
    this.pins = sortedPins;
    this.hashes = new long[sortedPins.length];
    this.targets = new int[sortedPins.length];
    List<String> ids = Arrays.asList(shardIds);
    for (int i = 0; i < sortedPins.length; i++) {
      Pin pin = sortedPins[i];
      int target = ids.indexOf(pin.shardId);
      if (target < 0) {
        throw new IllegalArgumentException("Key override " + describeKey(pin.key) + " -> \""
            + pin.shardId + "\" names an unknown shard; shards in this ring: " + ids
            + ". Pin the key to one of them, or add the shard first.");
      }
      hashes[i] = pin.hash;
      targets[i] = target;
    }
  }

  /** Overrides from (key, shard id) pairs, later pairs replacing earlier ones for the same key. */
  static KeyOverrides of(List<Map.Entry<Object, String>> pairs, String[] shardIds) {
    List<Pin> list = new ArrayList<>();
    for (Map.Entry<Object, String> pair : pairs) {
      Pin pin = new Pin(pair.getKey(), pair.getValue());
      list.removeIf(pin::sameKey);
      list.add(pin);
    }
    return list.isEmpty() ? NONE : new KeyOverrides(sorted(list), shardIds);
  }

  /** Same pins, shard indexes recomputed for a new shard array. */
  KeyOverrides rebind(String[] shardIds) {
    return pins.length == 0 ? NONE : new KeyOverrides(pins, shardIds);
  }

  /** A copy with {@code key} pinned to {@code shardId} (replacing any pin it had). */
  KeyOverrides with(Object key, String shardId, String[] shardIds) {
    Pin pin = new Pin(key, shardId);
    List<Pin> list = new ArrayList<>(Arrays.asList(pins));
    list.removeIf(pin::sameKey);
    list.add(pin);
    return new KeyOverrides(sorted(list), shardIds);
  }

  /** A copy without {@code key}'s pin; the caller has checked that there is one. */
  KeyOverrides without(Object key, String[] shardIds) {
    Pin probe = new Pin(key, null);
    List<Pin> list = new ArrayList<>(Arrays.asList(pins));
    list.removeIf(probe::sameKey);
    return list.isEmpty() ? NONE : new KeyOverrides(list.toArray(new Pin[0]), shardIds);
  }

  int size() {
    return pins.length;
  }

  /** Shard index {@code key} is pinned to, or -1. {@code hash} must be {@code KeyHash.hash(key)}. */
  int find(long hash, Object key) {
    int i = Arrays.binarySearch(hashes, hash);
    return i < 0 ? -1 : targetAt(pinIndex(i, hash, KeyHash.canonicalBytes(key)));
  }

  /** As {@link #find(long, Object)} for an integral key. */
  int find(long hash, long key) {
    int i = Arrays.binarySearch(hashes, hash);
    return i < 0 ? -1 : targetAt(pinIndex(i, hash, KeyHash.canonicalBytes(key)));
  }

  /** Shard id {@code key} is pinned to, or null. */
  String targetOf(Object key) {
    long hash = KeyHash.hash(key);
    int i = Arrays.binarySearch(hashes, hash);
    int pin = i < 0 ? -1 : pinIndex(i, hash, KeyHash.canonicalBytes(key));
    return pin < 0 ? null : pins[pin].shardId;
  }

  /** Number of keys pinned to shard {@code shardIndex}. */
  int countPinnedTo(int shardIndex) {
    int count = 0;
    for (int target : targets) {
      if (target == shardIndex) {
        count++;
      }
    }
    return count;
  }

  /** Up to {@code limit} keys pinned to shard {@code shardIndex}, for error messages. */
  List<String> sampleKeysPinnedTo(int shardIndex, int limit) {
    List<String> sample = new ArrayList<>();
    for (int i = 0; i < pins.length && sample.size() < limit; i++) {
      if (targets[i] == shardIndex) {
        sample.add(describeKey(pins[i].key));
      }
    }
    return sample;
  }

  /** Pinned keys (as given) to shard ids, in hash order. */
  Map<Object, String> asMap() {
    Map<Object, String> map = new LinkedHashMap<>();
    for (Pin pin : pins) {
      map.put(pin.key instanceof byte[] ? ((byte[]) pin.key).clone() : pin.key, pin.shardId);
    }
    return Collections.unmodifiableMap(map);
  }

  static String describeKey(Object key) {
    if (key instanceof byte[]) {
      return "bytes " + HexFormat.of().formatHex((byte[]) key);
    }
    if (key instanceof String) {
      return "'" + key + "'";
    }
    return String.valueOf(key);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof KeyOverrides)) {
      return false;
    }
    Pin[] other = ((KeyOverrides) o).pins;
    if (other.length != pins.length) {
      return false;
    }
    for (int i = 0; i < pins.length; i++) {
      if (!pins[i].sameKey(other[i]) || !pins[i].shardId.equals(other[i].shardId)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (Pin pin : pins) {
      h = 31 * h + Long.hashCode(pin.hash);
      h = 31 * h + pin.shardId.hashCode();
    }
    return h;
  }

  /** Index of the pin with exactly these canonical bytes, searching around a hash match. */
  private int pinIndex(int found, long hash, byte[] canonical) {
    int i = found;
    while (i > 0 && hashes[i - 1] == hash) {
      i--;
    }
    for (; i < hashes.length && hashes[i] == hash; i++) {
      if (Arrays.equals(pins[i].canonical, canonical)) {
        return i;
      }
    }
    return -1;
  }

  private int targetAt(int pinIndex) {
    return pinIndex < 0 ? -1 : targets[pinIndex];
  }

  private static Pin[] sorted(List<Pin> list) {
    Pin[] array = list.toArray(new Pin[0]);
    Arrays.sort(array, ORDER);
    return array;
  }
}
