package dev.junction.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AdminAssetsTest {

  @Test
  void servesThePageItsScriptAndStylesheetAndNothingElse() {
    String page = new String(AdminAssets.get("").body(), StandardCharsets.UTF_8);
    assertThat(AdminAssets.get("index.html").contentType()).startsWith("text/html");
    assertThat(page).contains("src=\"admin.js\"", "href=\"admin.css\"");
    assertThat(new String(AdminAssets.get("admin.js").body(), StandardCharsets.UTF_8)).contains("fetch(\"status.json\"");
    assertThat(AdminAssets.get("admin.css").contentType()).startsWith("text/css");
    assertThat(AdminAssets.get("../AdminAssets.class")).isNull();
    assertThat(AdminAssets.get("status.json")).isNull();
  }

  @Test
  void loadsNothingFromAnywhereElse() {
    // Dependency-light and usable offline: no CDN, no font service, no third-party script.
    for (String name : new String[] {"index.html", "admin.js", "admin.css"}) {
      String text = new String(AdminAssets.get(name).body(), StandardCharsets.UTF_8);
      assertThat(text.replace("http://www.w3.org/2000/svg", "")).as(name).doesNotContain("http://", "https://", "//cdn");
    }
  }
}
