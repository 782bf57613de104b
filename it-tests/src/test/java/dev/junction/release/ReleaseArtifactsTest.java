package dev.junction.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The release plumbing stays consistent as modules come and go: the consumer BOM lists exactly the
 * published modules, at the project's version, and every published module has the licence and SCM
 * metadata a repository requires (inherited from the parent).
 */
class ReleaseArtifactsTest {
  static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").normalize();

  @Test
  void theBomListsExactlyThePublishedModulesAtTheProjectVersion() throws Exception {
    Document parent = read(ROOT.resolve("pom.xml"));
    String version = text(parent.getDocumentElement(), "version");
    Map<String, String> published = new TreeMap<>();
    for (String module : texts(child(parent.getDocumentElement(), "modules"), "module")) {
      Document pom = read(ROOT.resolve(module).resolve("pom.xml"));
      Element project = pom.getDocumentElement();
      Element parentRef = child(project, "parent");
      String ownVersion = parentRef != null ? text(parentRef, "version") : text(project, "version");
      assertThat(ownVersion).as("version of module %s", module).isEqualTo(version);
      if (module.equals("junction-bom")) {
        assertThat(text(project, "version")).isEqualTo(version);
        continue;
      }
      Element props = child(project, "properties");
      boolean unpublished = props != null && "true".equals(text(props, "junction.unpublished"));
      String packaging = text(project, "packaging");
      if (!unpublished && (packaging == null || packaging.equals("jar"))) {
        published.put(text(project, "artifactId"), module);
      }
    }
    Element bom = read(ROOT.resolve("junction-bom/pom.xml")).getDocumentElement();
    List<String> listed = new ArrayList<>();
    for (Element dep : elements(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
      assertThat(text(dep, "groupId")).isEqualTo("dev.junction");
      assertThat(text(dep, "version")).isEqualTo("${project.version}");
      listed.add(text(dep, "artifactId"));
    }
    assertThat(listed).as("junction-bom entries").containsExactlyInAnyOrderElementsOf(published.keySet());
    assertThat(published).containsKeys("router-core", "router-jdbc", "router-fence-redis");
  }

  @Test
  void publishedPomsCarryLicenceScmAndDevelopers() throws Exception {
    for (Path pom : List.of(ROOT.resolve("pom.xml"), ROOT.resolve("junction-bom/pom.xml"))) {
      Element project = read(pom).getDocumentElement();
      assertThat(text(child(child(project, "licenses"), "license"), "name")).as(pom.toString()).isEqualTo("Apache-2.0");
      assertThat(text(child(project, "scm"), "connection")).as(pom.toString()).startsWith("scm:git:");
      assertThat(child(child(project, "developers"), "developer")).as(pom.toString()).isNotNull();
    }
    assertThat(Files.readString(ROOT.resolve("LICENSE"))).contains("Apache License", "Version 2.0, January 2004");
    assertThat(ROOT.resolve("NOTICE")).exists();
  }

  static Document read(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(pom.toFile());
  }

  static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  static List<Element> elements(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  static List<String> texts(Element parent, String name) {
    return elements(parent, name).stream().map(e -> e.getTextContent().trim()).toList();
  }

  static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }
}
