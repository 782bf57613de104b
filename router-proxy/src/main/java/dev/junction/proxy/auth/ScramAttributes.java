package dev.junction.proxy.auth;

/** A cursor over the comma-separated {@code x=value} attributes of a SCRAM message. */
final class ScramAttributes {
  private final String message;
  private int position;

  ScramAttributes(String message) {
    this.message = message;
  }

  boolean atEnd() {
    return position >= message.length();
  }

  int position() {
    return position;
  }

  char peek() {
    return atEnd() ? '\0' : message.charAt(position);
  }

  /** Reads {@code name=value} up to the next comma (or the end) and returns the value. */
  String read(char name) {
    if (atEnd() || message.charAt(position) != name || position + 1 >= message.length()
        || message.charAt(position + 1) != '=') {
      throw ScramMessageException.malformed("expected attribute '" + name + "' at position " + position);
    }
    int start = position + 2;
    int end = message.indexOf(',', start);
    if (end < 0) {
      end = message.length();
    }
    position = end;
    return message.substring(start, end);
  }

  /** Reads any {@code x=value} attribute (an extension) and returns its name. */
  char readAny() {
    char name = peek();
    if (!(name >= 'a' && name <= 'z' || name >= 'A' && name <= 'Z')) {
      throw ScramMessageException.malformed("invalid attribute name at position " + position);
    }
    read(name);
    return name;
  }

  /** Consumes a one-character gs2 channel-binding flag ('n' or 'y'). */
  void readAnyFlag() {
    if (atEnd()) {
      throw ScramMessageException.malformed("message is empty");
    }
    position++;
  }

  /** Consumes the comma that separates attributes. */
  void comma() {
    if (atEnd() || message.charAt(position) != ',') {
      throw ScramMessageException.malformed("expected ',' at position " + position);
    }
    position++;
  }
}
