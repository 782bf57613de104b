package dev.junction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class JunctionContextTest {
  @Test
  void aCapturedContextCarriesScopeAndPrimaryHintToAnotherThread() throws Exception {
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try (Scope scope = Junction.scope("user:1")) {
      Junction.Context context = Junction.primary(Junction::capture);
      assertThat(worker.submit(Junction::currentScope).get()).as("plain worker thread").isNull();
      assertThat(worker.submit(() -> context.call(Junction::currentScope)).get()).isSameAs(scope);
      assertThat(worker.submit(() -> context.call(Junction::primaryForced)).get()).isTrue();
      assertThat(worker.submit(Junction::primaryForced).get()).as("restored afterwards").isFalse();
      assertThat(worker.submit(Junction::currentScope).get()).as("restored afterwards").isNull();
    } finally {
      worker.shutdown();
    }
    assertThat(Junction.currentScope()).isNull();
  }

  @Test
  void scopesNestAndRestore() {
    try (Scope outer = Junction.scope("a")) {
      try (Scope inner = Junction.scope("b")) {
        assertThat(Junction.currentScope()).isSameAs(inner);
      }
      assertThat(Junction.currentScope()).isSameAs(outer);
    }
    assertThat(Junction.currentScope()).isNull();
  }
}
