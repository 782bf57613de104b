package dev.junction.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.spring.SpringBootLine.UnsupportedSpringBootException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;

class SpringBootLineTest {

  @Test
  void theSupportedLinesPassAndOthersFailNamingThem() {
    SpringBootLine.check("3.5.7");
    SpringBootLine.check("4.0.7");
    SpringBootLine.check("4.1.2");     // same major: a warning only
    SpringBootLine.check(null);        // unknown: no opinion
    assertThatThrownBy(() -> SpringBootLine.check("3.4.4")).isInstanceOf(UnsupportedSpringBootException.class)
        .hasMessageContaining("3.5.x and 4.0.x").hasMessageContaining("3.4.4");
    assertThatThrownBy(() -> SpringBootLine.check("5.0.0")).isInstanceOf(UnsupportedSpringBootException.class);
  }

  @Test
  void theFailureAnalyzerNamesTheSupportedLinesAndTheWayOut() {
    UnsupportedSpringBootException e = new UnsupportedSpringBootException("3.4.4");
    FailureAnalysis analysis = new UnsupportedSpringBootFailureAnalyzer().analyze(new RuntimeException(e));
    assertThat(analysis.getDescription()).contains("3.4.4");
    assertThat(analysis.getAction()).contains("3.5.x and 4.0.x").contains("junction.enabled=false");
  }
}
