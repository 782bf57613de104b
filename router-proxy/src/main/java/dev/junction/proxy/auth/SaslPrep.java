package dev.junction.proxy.auth;

import java.text.Normalizer;

/**
 * SASLprep (RFC 4013) for SCRAM passwords, with PostgreSQL's fallback: a password that SASLprep
 * rejects is used as-is. PostgreSQL does this when it stores a verifier and libpq and pgjdbc do the
 * same when they log in, so a plain-text credential must go through the same steps to give the same
 * keys.
 *
 * <p>Mapping, NFKC normalisation, prohibited output and the bidi rule follow RFC 3454's tables.
 * Unassigned code points are judged with the JVM's Unicode version rather than Unicode 3.2, so a
 * password with characters added after 3.2 and also containing characters that mapping changes can
 * derive differently; configure such users with a PostgreSQL verifier instead (exact by
 * construction).
 */
final class SaslPrep {
  private SaslPrep() {
  }

  /** The prepared password, or the input unchanged when SASLprep does not accept it. */
  static String prepareOrRaw(String password) {
    String prepared = prepare(password);
    return prepared == null ? password : prepared;
  }

  /** The prepared string, or {@code null} if RFC 4013 prohibits it. */
  static String prepare(String input) {
    if (isPrintableAscii(input)) {
      return input; // the common case: SASLprep is the identity on printable ASCII
    }
    StringBuilder mapped = new StringBuilder(input.length());
    for (int i = 0; i < input.length(); ) {
      int cp = input.codePointAt(i);
      i += Character.charCount(cp);
      if (isNonAsciiSpace(cp)) {
        mapped.append(' ');
      } else if (!isMappedToNothing(cp)) {
        mapped.appendCodePoint(cp);
      }
    }
    String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
    boolean hasRandAL = false;
    boolean hasL = false;
    for (int i = 0; i < normalized.length(); ) {
      int cp = normalized.codePointAt(i);
      i += Character.charCount(cp);
      if (isProhibited(cp) || !Character.isDefined(cp)) {
        return null;
      }
      byte direction = Character.getDirectionality(cp);
      hasRandAL |= isRandAL(direction);
      hasL |= direction == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
    }
    if (hasRandAL) {
      if (hasL) {
        return null;
      }
      int first = normalized.codePointAt(0);
      int last = normalized.codePointBefore(normalized.length());
      if (!isRandAL(Character.getDirectionality(first)) || !isRandAL(Character.getDirectionality(last))) {
        return null;
      }
    }
    return normalized;
  }

  private static boolean isPrintableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  private static boolean isRandAL(byte direction) {
    return direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT
        || direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
  }

  /** RFC 3454 C.1.2. */
  private static boolean isNonAsciiSpace(int cp) {
    return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F
        || cp == 0x3000;
  }

  /** RFC 3454 B.1. */
  private static boolean isMappedToNothing(int cp) {
    return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D)
        || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
  }

  /** RFC 3454 C.1.2 and C.2.1 through C.9, as RFC 4013 section 2.3 lists them. */
  private static boolean isProhibited(int cp) {
    return isNonAsciiSpace(cp)
        || cp <= 0x1F || cp == 0x7F // C.2.1
        || (cp >= 0x80 && cp <= 0x9F) || cp == 0x06DD || cp == 0x070F || cp == 0x180E || cp == 0x200C
        || cp == 0x200D || cp == 0x2028 || cp == 0x2029 || (cp >= 0x2060 && cp <= 0x2063)
        || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC)
        || (cp >= 0x1D173 && cp <= 0x1D17A) // C.2.2
        || (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xF0000 && cp <= 0xFFFFD)
        || (cp >= 0x100000 && cp <= 0x10FFFD) // C.3
        || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE // C.4
        || (cp >= 0xD800 && cp <= 0xDFFF) // C.5
        || (cp >= 0xFFF9 && cp <= 0xFFFD) // C.6
        || (cp >= 0x2FF0 && cp <= 0x2FFB) // C.7
        || cp == 0x0340 || cp == 0x0341 || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) // C.8
        || cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F); // C.9
  }
}
