package dev.junction.reshard;

/** Small helpers shared by the resharding steps. */
final class Reshard {
  private Reshard() {}

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReshardException("interrupted");
    }
  }
}
