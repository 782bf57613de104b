package dev.junction.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.config.ConfigException;
import dev.junction.config.YamlConfigLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * router-jdbc alone (this module's test classpath is a superset of what a library user gets) carries
 * no Redis client: Lettuce and what it drags in live in the optional module router-fence-redis.
 */
class OptionalRedisTest {

  @ParameterizedTest
  @ValueSource(strings = {"io.lettuce.core.RedisClient", "reactor.core.publisher.Flux", "io.netty.channel.Channel",
      "dev.junction.fence.redis.RedisFenceStore"})
  void aLibraryUserWithTheLocalStoreGetsNoRedisClientReactorOrNetty(String className) {
    assertThatThrownBy(() -> Class.forName(className)).isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void storeRedisWithoutTheModuleFailsAtStartupNamingTheKeyAndTheDependency() {
    var config = YamlConfigLoader.parse("""
        junction:
          dialect: postgresql
          shards:
            - name: main
              primary: { url: "jdbc:postgresql://127.0.0.1:1/app", username: app, password: s3cret-pw }
          fencing:
            store: redis
            redis-uri: redis://:s3cret-pw@127.0.0.1:1
        """);
    assertThatThrownBy(() -> RoutingDataSource.create(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("junction.fencing.store: redis needs the module dev.junction:router-fence-redis")
        .hasMessageNotContaining("s3cret-pw")
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("junction.fencing.store"));
  }
}
