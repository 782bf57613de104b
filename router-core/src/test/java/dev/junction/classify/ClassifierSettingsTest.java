package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClassifierSettingsTest {

    @Test
    void defaultsMatchTheDocumentedValues() {
        ClassifierSettings settings = ClassifierSettings.defaults();

        assertThat(settings.cacheMaximumSize()).isEqualTo(10_000);
        assertThat(settings.maxNestingDepth()).isEqualTo(64);
        assertThat(settings.maxCachedSqlLength()).isEqualTo(16 * 1024);
        assertThat(settings.sideEffectFunctions()).contains("nextval", "pg_advisory_lock", "get_lock", "last_insert_id")
                .doesNotContain("sleep", "pg_sleep");
    }

    @Test
    void functionNamesAreLowerCasedAndImmutable() {
        ClassifierSettings settings = ClassifierSettings.defaults().withSideEffectFunctions(List.of("Audit.Touch"));

        assertThat(settings.sideEffectFunctions()).containsExactly("audit.touch");
        assertThatThrownBy(() -> settings.sideEffectFunctions().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void invalidValuesAreRejectedWithAFix() {
        assertThatThrownBy(() -> ClassifierSettings.defaults().withCacheMaximumSize(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use 0 to disable");
        assertThatThrownBy(() -> ClassifierSettings.defaults().withMaxNestingDepth(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose 1..256");
        assertThatThrownBy(() -> ClassifierSettings.defaults().withMaxNestingDepth(10_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose 1..256");
        assertThatThrownBy(() -> ClassifierSettings.defaults().withMaxCachedSqlLength(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxCachedSqlLength");
        assertThatThrownBy(() -> ClassifierSettings.defaults().withSideEffectFunctions(Set.of("two words")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bare name like nextval");
        assertThatThrownBy(() -> new ClassifierSettings(1, 1, 1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DEFAULT_SIDE_EFFECT_FUNCTIONS");
    }
}
