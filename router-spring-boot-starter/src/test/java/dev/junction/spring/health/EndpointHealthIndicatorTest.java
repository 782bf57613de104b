package dev.junction.spring.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.jdbc.EndpointHealth;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.actuate.health.HealthContributor;

/** Status and details of one endpoint, from the router's own view of it. */
class EndpointHealthIndicatorTest {
  private static EndpointHealth replica(boolean up, boolean inRotation, int failures, String error) {
    return new EndpointHealth("main", "replica2", "replica", up, inRotation, 12, 4096, "pg:0/3000060", failures, error, 1, 2);
  }

  private static EndpointHealth primary() {
    return new EndpointHealth("main", "primary", "primary", true, true, -1, -1, "pg:0/3000060", 0, null, 0, 1);
  }

  private final AtomicReference<List<EndpointHealth>> snapshot = new AtomicReference<>();
  private final HealthIndicator indicator = new EndpointHealthIndicator("main", "replica2", snapshot::get);

  @Test
  void aHealthyReplicaIsUpWithItsReplicationDetails() {
    snapshot.set(List.of(primary(), replica(true, true, 0, null)));
    Health h = indicator.health();
    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).containsEntry("role", "replica").containsEntry("up", true).containsEntry("inRotation", true)
        .containsEntry("lagMillis", 12L).containsEntry("lagBytes", 4096L).containsEntry("replayedPosition", "pg:0/3000060")
        .containsEntry("consecutiveFailures", 0).containsEntry("activeConnections", 1).containsEntry("idleConnections", 2)
        .doesNotContainKey("lastError");
  }

  @Test
  void anUnreachableReplicaIsDownWithItsLastError() {
    snapshot.set(List.of(primary(), replica(false, true, 3, "Connection refused")));
    Health h = indicator.health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails()).containsEntry("up", false).containsEntry("consecutiveFailures", 3)
        .containsEntry("lastError", "Connection refused");
  }

  @Test
  void aFailedLatestContactIsDownEvenWhenTheCircuitIsHalfOpen() {
    snapshot.set(List.of(replica(true, true, 2, "Connection refused")));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
  }

  @Test
  void aLaggingButReachableReplicaStaysUpOutOfRotation() {
    snapshot.set(List.of(replica(true, false, 0, null)));
    Health h = indicator.health();
    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).containsEntry("inRotation", false);
  }

  @Test
  void theTreeIsShardThenEndpoint() {
    List<EndpointHealth> layout = List.of(primary(), replica(true, true, 0, null),
        new EndpointHealth("eu", "primary", "primary", true, true, -1, -1, null, 0, null, 0, 0));
    CompositeHealthContributor tree = (CompositeHealthContributor) JunctionHealthContributors.ofSnapshot(layout, () -> layout);
    assertThat(tree).extracting(NamedContributor::getName).containsExactly("main", "eu");
    HealthContributor main = tree.getContributor("main");
    assertThat((CompositeHealthContributor) main).extracting(NamedContributor::getName).containsExactly("primary", "replica2");
  }
}
