package dev.junction.route;

import dev.junction.classify.Classification;

/**
 * How a statement changes the transaction state, read from its kind or, for a multi-statement
 * string, from its parts in order: {@code INSERT ...; BEGIN} leaves a transaction open although its
 * dominant kind is WRITE, and {@code BEGIN; ...; COMMIT} leaves none although its kind may be
 * TX_BEGIN.
 */
enum TransactionEffect {
  NONE,
  /** A transaction is open after the statement. */
  BEGINS,
  /** The transaction ended, and something may have been committed. */
  COMMITS,
  /** The transaction ended with a rollback, and nothing was committed. */
  ROLLS_BACK;

  boolean ends() {
    return this == COMMITS || this == ROLLS_BACK;
  }

  static TransactionEffect of(Classification c) {
    if (!c.multiStatement()) {
      return switch (c.kind()) {
        case TX_BEGIN -> BEGINS;
        case TX_COMMIT -> COMMITS;
        case TX_ROLLBACK -> ROLLS_BACK;
        default -> NONE;
      };
    }
    TransactionEffect effect = NONE;
    boolean committed = false;
    for (Classification part : c.parts()) {
      switch (part.kind()) {
        case TX_BEGIN -> effect = BEGINS;
        case TX_COMMIT -> {
          effect = COMMITS;
          committed = true;
        }
        case TX_ROLLBACK -> effect = committed ? COMMITS : ROLLS_BACK;
        default -> { }
      }
    }
    return effect;
  }
}
