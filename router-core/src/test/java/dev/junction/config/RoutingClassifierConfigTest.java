package dev.junction.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementClassifier;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code junction.routing.side-effect-functions} and {@code parse-budget} from YAML to the classifier. */
class RoutingClassifierConfigTest {
  private static String yaml(String routing) {
    return """
        junction:
          dialect: postgresql
          shards:
            - primary: { url: "jdbc:postgresql://db1:5432/app" }
              replicas: [ { url: "jdbc:postgresql://db2:5432/app" } ]
          routing:
        """ + routing.indent(4);
  }

  @Test
  void applicationFunctionsAreAddedToTheBuiltInList() {
    JunctionConfig c = YamlConfigLoader.parse(yaml("""
        side-effect-functions: [my_audit_fn, App.Bump_Counter]
        parse-budget: 80ms
        """));
    assertThat(c.routing().sideEffectFunctions()).containsExactly("my_audit_fn", "App.Bump_Counter");
    assertThat(c.routing().parseBudget()).isEqualTo(Duration.ofMillis(80));
    var settings = c.routing().classifierSettings();
    assertThat(settings.parseBudget()).isEqualTo(Duration.ofMillis(80));
    assertThat(settings.sideEffectFunctions()).contains("my_audit_fn", "app.bump_counter", "nextval", "get_lock");

    StatementClassifier classifier = new StatementClassifier(c.dialect(), settings);
    assertThat(classifier.classify("SELECT my_audit_fn(id) FROM orders").primaryReason())
        .isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
    assertThat(classifier.classify("SELECT * FROM orders WHERE n = app.bump_counter('x')").primaryReason())
        .isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
    assertThat(classifier.classify("SELECT nextval('s')").primaryReason()).isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
    // a qualified entry matches only that schema
    assertThat(classifier.classify("SELECT other.bump_counter('x') FROM orders").replicaEligible()).isTrue();

    StatementClassifier old = new StatementClassifier(c.dialect(), JunctionConfig.Routing.defaults().classifierSettings());
    assertThat(old.classify("SELECT my_audit_fn(id) FROM orders").replicaEligible()).isTrue();
  }

  @Test
  void unknownFunctionsPrimaryWithApplicationReadOnlyFunctions() {
    JunctionConfig c = YamlConfigLoader.parse(yaml("""
        unknown-functions: primary
        read-only-functions: [app.price_of]
        """));
    assertThat(c.routing().unknownFunctions()).isEqualTo(dev.junction.classify.UnknownFunctions.PRIMARY);
    StatementClassifier classifier = new StatementClassifier(c.dialect(), c.routing().classifierSettings());
    assertThat(classifier.classify("SELECT my_audit_fn(id) FROM orders").primaryReason())
        .isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
    assertThat(classifier.classify("SELECT app.price_of(id), count(*) FROM orders GROUP BY 1").replicaEligible()).isTrue();
    assertThat(YamlConfigLoader.parse(yaml("max-lag: 5s\n")).routing().unknownFunctions())
        .isEqualTo(dev.junction.classify.UnknownFunctions.REPLICA);
  }

  @Test
  void aCommaSeparatedStringIsAcceptedForEnvironmentVariables() {
    JunctionConfig c = YamlConfigLoader.parse(yaml("side-effect-functions: \"my_audit_fn, app.touch\"\n"));
    assertThat(c.routing().sideEffectFunctions()).containsExactly("my_audit_fn", "app.touch");
  }

  @Test
  void defaultsKeepTheBuiltInListAndBudget() {
    JunctionConfig c = YamlConfigLoader.parse(yaml("max-lag: 5s\n"));
    assertThat(c.routing().sideEffectFunctions()).isEmpty();
    assertThat(c.routing().parseBudget()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.routing().classifierSettings().sideEffectFunctions())
        .isEqualTo(dev.junction.classify.ClassifierSettings.DEFAULT_SIDE_EFFECT_FUNCTIONS);
  }

  @Test
  void invalidValuesFailNamingTheKey() {
    assertInvalid("side-effect-functions: [\"my fn\"]\n", "junction.routing.side-effect-functions", "not a function name");
    assertInvalid("side-effect-functions: [\"audit()\"]\n", "junction.routing.side-effect-functions", "not a function name");
    assertInvalid("side-effect-functions: { a: b }\n", "junction.routing.side-effect-functions", "expected a list of function names");
    assertInvalid("unknown-functions: write\n", "junction.routing.unknown-functions", "accepted values: replica, primary");
    assertInvalid("read-only-functions: [\"a b\"]\n", "junction.routing.read-only-functions", "not a function name");
    assertInvalid("parse-budget: 0ms\n", "junction.routing.parse-budget", "positive duration");
    assertInvalid("parse-budget: soon\n", "junction.routing.parse-budget", "not a duration");
  }

  private static void assertInvalid(String routing, String key, String hint) {
    assertThatThrownBy(() -> YamlConfigLoader.parse(yaml(routing)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(hint)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
  }
}
