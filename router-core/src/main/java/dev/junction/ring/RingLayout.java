package dev.junction.ring;

import dev.junction.shard.KeyHash;
import dev.junction.shard.ShardRing;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Where keys live, as one line of text that can be stored beside the data and compared: the shard
 * ids and weights, virtual nodes per weight and pinned keys of a {@link ShardRing}, without its
 * version number.
 *
 * <p>WHY text: every shard records the layout it belongs to (table {@code junction_ring}), and a
 * router, the resharding tool and an operator reading the table with psql must all agree on it.
 * WHY canonical: shards are listed sorted by id and pins sorted by their encoding, because a
 * key's shard does not depend on declaration order; reordering the configuration is not a change.
 *
 * <pre>
 * junction-ring/1 vnodes=1024 shards=s0:1,s1:1,s2:2 pins=long:42>s1,string:616263>s0
 * </pre>
 *
 * Ids are percent-encoded (UTF-8), so any id survives; pins carry the key's canonical type and
 * value (a string key as the hex of its UTF-8 bytes).
 */
public record RingLayout(String text) {

  private static final String MAGIC = "junction-ring/1";

  public RingLayout {
    if (text == null || !text.startsWith(MAGIC + " ")) {
      throw new IllegalArgumentException("not a Junction ring layout (expected text starting with '" + MAGIC
          + " '): " + abbreviate(text));
    }
  }

  /** The layout of {@code ring} (its version is not part of it). */
  public static RingLayout of(ShardRing ring) {
    TreeMap<String, Integer> shards = new TreeMap<>();
    for (String id : ring.shardIds()) {
      shards.put(id, ring.weight(id));
    }
    List<String> pins = new ArrayList<>();
    for (Map.Entry<Object, String> pin : ring.overrides().entrySet()) {
      pins.add(encodeKey(pin.getKey()) + ">" + encodeId(pin.getValue()));
    }
    pins.sort(null);
    StringBuilder out = new StringBuilder(MAGIC).append(" vnodes=").append(ring.virtualNodesPerWeight()).append(" shards=");
    boolean first = true;
    for (Map.Entry<String, Integer> s : shards.entrySet()) {
      out.append(first ? "" : ",").append(encodeId(s.getKey())).append(':').append(s.getValue());
      first = false;
    }
    out.append(" pins=").append(String.join(",", pins));
    return new RingLayout(out.toString());
  }

  /**
   * The ring this layout describes, with the given version.
   *
   * @throws IllegalArgumentException if the text is damaged (names what is wrong)
   */
  public ShardRing toRing(long version) {
    ShardRing.Builder builder = ShardRing.builder().version(version);
    String vnodes = field("vnodes");
    try {
      builder.virtualNodesPerWeight(Integer.parseInt(vnodes));
    } catch (NumberFormatException e) {
      throw damaged("vnodes=" + vnodes + " is not a number");
    }
    for (String shard : split(field("shards"))) {
      int colon = shard.lastIndexOf(':');
      if (colon <= 0) {
        throw damaged("shard entry '" + shard + "' is not id:weight");
      }
      try {
        builder.shard(decodeId(shard.substring(0, colon)), Integer.parseInt(shard.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw damaged("shard entry '" + shard + "' has no numeric weight");
      }
    }
    for (String pin : split(field("pins"))) {
      int arrow = pin.lastIndexOf('>');
      if (arrow <= 0) {
        throw damaged("pin '" + pin + "' is not type:key>shard");
      }
      builder.override(decodeKey(pin.substring(0, arrow)), decodeId(pin.substring(arrow + 1)));
    }
    return builder.build();
  }

  /** The shard ids of this layout, sorted. */
  public List<String> shardIds() {
    List<String> ids = new ArrayList<>();
    for (String shard : split(field("shards"))) {
      ids.add(decodeId(shard.substring(0, Math.max(0, shard.lastIndexOf(':')))));
    }
    return ids;
  }

  /** A short, stable fingerprint of the layout (16 hex digits of XXH64 of the text), for messages. */
  public String fingerprint() {
    return String.format(Locale.ROOT, "%016x", KeyHash.ofString(text));
  }

  @Override
  public String toString() {
    return text;
  }

  private String field(String name) {
    String prefix = " " + name + "=";
    int start = text.indexOf(prefix);
    if (start < 0) {
      throw damaged("no '" + name + "=' field");
    }
    start += prefix.length();
    int end = text.indexOf(' ', start);
    return end < 0 ? text.substring(start) : text.substring(start, end);
  }

  private static List<String> split(String list) {
    return list.isEmpty() ? List.of() : List.of(list.split(","));
  }

  private IllegalArgumentException damaged(String what) {
    return new IllegalArgumentException("damaged ring layout (" + what + "): " + abbreviate(text));
  }

  static String encodeId(String id) {
    // URLEncoder leaves [A-Za-z0-9.*_-] alone and encodes ',', ':', '>', '=', ' ' and '%'.
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  static String decodeId(String encoded) {
    return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
  }

  static String encodeKey(Object key) {
    HexFormat hex = HexFormat.of();
    if (key instanceof String s) {
      return "string:" + hex.formatHex(s.getBytes(StandardCharsets.UTF_8));
    }
    if (key instanceof UUID u) {
      return "uuid:" + u;
    }
    if (key instanceof byte[] b) {
      return "bytes:" + hex.formatHex(b);
    }
    if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte
        || key instanceof BigInteger || key instanceof BigDecimal) {
      return "long:" + java.nio.ByteBuffer.wrap(KeyHash.canonicalBytes(key)).getLong();
    }
    throw new IllegalArgumentException("cannot record a pinned key of type " + key.getClass().getName());
  }

  static Object decodeKey(String encoded) {
    int colon = encoded.indexOf(':');
    String type = colon < 0 ? "" : encoded.substring(0, colon);
    String value = encoded.substring(colon + 1);
    try {
      return switch (type) {
        case "long" -> Long.parseLong(value);
        case "string" -> new String(HexFormat.of().parseHex(value), StandardCharsets.UTF_8);
        case "uuid" -> UUID.fromString(value);
        case "bytes" -> HexFormat.of().parseHex(value);
        default -> throw new IllegalArgumentException("unknown key type '" + type + "' in pin '" + encoded + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("damaged pinned key '" + encoded + "': " + e.getMessage(), e);
    }
  }

  private static String abbreviate(String text) {
    return text == null ? "null" : text.length() <= 200 ? text : text.substring(0, 197) + "...";
  }
}
