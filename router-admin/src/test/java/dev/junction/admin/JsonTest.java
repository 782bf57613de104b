package dev.junction.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  record Point(String name, long x, Double y, boolean on, List<long[]> series) {}

  @Test
  void writesRecordsMapsListsAndScalars() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p", new Point("a", 1, 2.5, true, List.of(new long[] {3, 4})));
    m.put("none", null);
    m.put("nan", Double.NaN);
    assertThat(Json.write(m)).isEqualTo("{\"p\":{\"name\":\"a\",\"x\":1,\"y\":2.5,\"on\":true,\"series\":[[3,4]]},\"none\":null,\"nan\":null}");
  }

  @Test
  void escapesEverythingAStringCanCarry() {
    // What an endpoint's last error could contain: quotes, backslashes, newlines, control characters, markup.
    String hostile = "x\"y\\z\n\r\t\u0001</script><img src=x onerror=alert(1)>\u2028";
    String json = Json.write(hostile);
    assertThat(json).isEqualTo("\"x\\\"y\\\\z\\n\\r\\t\\u0001\\u003c/script>\\u003cimg src=x onerror=alert(1)>\\u2028\"");
    assertThat(json).doesNotContain("<", "\n", "\u2028");
  }

  @Test
  void refusesWhatItCannotRepresent() {
    assertThatThrownBy(() -> Json.write(new Object())).hasMessageContaining("not serialisable");
  }
}
