package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12: an application on the module path can use Junction through its exported API, and only
 * through it. A tiny application module ({@code requires dev.junction.jdbc}) is compiled with
 * {@code javac --module-path} and run in a child {@code java --module-path ... -m} against a real
 * PostgreSQL primary and replica: it writes and reads its write back inside a read-your-writes scope,
 * through a {@link dev.junction.jdbc.RoutingDataSource} and through the {@code jdbc:junction:} driver
 * (the {@code provides java.sql.Driver} of the descriptor); the rows are compared with the primary's
 * own (the oracle). A class that imports {@code dev.junction.jdbc.internal} compiles on the class
 * path but not on the module path: the internals are not API.
 *
 * <p>The module path is router-jdbc, router-core and their runtime dependencies, taken from this
 * test's class path: the modules that {@code dev.junction.jdbc} requires, transitively, plus the
 * PostgreSQL driver and slf4j-simple.
 */
class ModulePathIT {
  /** Automatic modules declare no dependencies: micrometer-core's runtime ones (its POM's), by module name. */
  static final Map<String, List<String>> AUTOMATIC_MODULE_DEPENDENCIES =
      Map.of("micrometer.core", List.of("micrometer.commons", "micrometer.observation", "HdrHistogram"));

  static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(ModulePathIT.class);
    try (Connection c = cluster.postgres(0).primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void anApplicationModuleWritesAndReadsThroughTheApi(@TempDir Path dir) throws Exception {
    List<Path> modulePath = modulePath(List.of("dev.junction.jdbc", "org.postgresql.jdbc", "org.slf4j.simple"));
    Path config = dir.resolve("junction.yaml");
    Files.writeString(config, yaml(cluster.postgres(0).primary(), cluster.postgres(0).replica(0)));

    Path src = dir.resolve("src");
    write(src.resolve("module-info.java"), "module junction.demo { requires dev.junction.jdbc; }\n");
    write(src.resolve("demo/App.java"), APP);
    Path out = dir.resolve("out");
    Compilation compiled = javac("--module-path", join(modulePath), "-d", out.toString(),
        src.resolve("module-info.java").toString(), src.resolve("demo/App.java").toString());
    assertThat(compiled.ok()).as(compiled.output()).isTrue();

    List<String> run = List.of(javaCommand(), "-Xmx256m", "--module-path", join(modulePath) + File.pathSeparator + out,
        "-m", "junction.demo/demo.App", config.toString());
    Path log = dir.resolve("app.log");
    Process child = new ProcessBuilder(run).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ended;
    try {
      ended = child.waitFor(5, TimeUnit.MINUTES); // a bound, not a timing assertion: the application runs for seconds
    } finally {
      child.destroyForcibly();
    }
    String output = Files.readString(log);
    System.out.println("ModulePathIT: the application's output:\n" + output);
    assertThat(ended).as("the application ends: " + output).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    Map<String, String> lines = output.lines().filter(l -> l.startsWith("demo "))
        .collect(Collectors.toMap(l -> l.split(" ")[1], l -> l.substring(l.indexOf(' ', 5) + 1)));

    // the application ran in named modules: Junction's, and the driver's, which Junction reads (not a class-path fallback)
    assertThat(lines.get("module")).as(output).isEqualTo("junction.demo dev.junction.jdbc reads-driver=true");
    assertThat(lines.get("write")).as(output).isEqualTo("main/primary");
    assertThat(lines.get("read")).as(output).matches("first note @ main/(primary|replica1)");
    assertThat(lines.get("driver-read")).as(output).isEqualTo("second note");
    try (Connection c = cluster.postgres(0).primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, body FROM notes ORDER BY id")) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getInt(1) + "=" + rs.getString(2));
      }
      assertThat(rows).as("the primary holds both writes").containsExactly("1=first note", "2=second note");
    }
  }

  @Test
  void theInternalsDoNotCompileOnTheModulePath(@TempDir Path dir) throws Exception {
    List<Path> modulePath = modulePath(List.of("dev.junction.jdbc"));
    String source = """
        package sneaky;

        import dev.junction.jdbc.internal.ShardRouter;

        public class Sneaky {
          ShardRouter router;
        }
        """;
    Path src = dir.resolve("src");
    write(src.resolve("sneaky/Sneaky.java"), source);

    // control: the same class compiles against the same jars on the class path, where nothing is encapsulated
    Compilation classPath = javac("-classpath", join(modulePath), "-d", dir.resolve("cp").toString(),
        src.resolve("sneaky/Sneaky.java").toString());
    assertThat(classPath.ok()).as(classPath.output()).isTrue();

    write(src.resolve("module-info.java"), "module sneaky { requires dev.junction.jdbc; }\n");
    Compilation modular = javac("--module-path", join(modulePath), "-d", dir.resolve("mp").toString(),
        src.resolve("module-info.java").toString(), src.resolve("sneaky/Sneaky.java").toString());
    assertThat(modular.ok()).isFalse();
    assertThat(modular.output()).contains("package dev.junction.jdbc.internal is declared in module dev.junction.jdbc,"
        + " which does not export it");
  }

  static final String APP = """
      package demo;

      import dev.junction.Junction;
      import dev.junction.Scope;
      import dev.junction.jdbc.JunctionConnection;
      import dev.junction.jdbc.RoutingDataSource;
      import java.nio.file.Path;
      import java.sql.Connection;
      import java.sql.DriverManager;
      import java.sql.PreparedStatement;
      import java.sql.ResultSet;

      /** Writes a note and reads it back in a read-your-writes scope, then again through the driver URL. */
      public final class App {
        public static void main(String[] args) {
          try {
            run(args);
          } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
          }
          System.exit(0); // the jdbc:junction: driver keeps its data source (and its pools' threads) for the JVM's life
        }

        static void run(String[] args) throws Exception {
          Module junction = RoutingDataSource.class.getModule();
          boolean readsDriver = junction.getLayer().findModule("org.postgresql.jdbc").map(junction::canRead).orElse(false);
          System.out.println("demo module " + App.class.getModule().getName() + " " + junction.getName()
              + " reads-driver=" + readsDriver);
          try (RoutingDataSource ds = RoutingDataSource.fromYaml(Path.of(args[0]));
               Scope scope = Junction.scope("demo-user")) {
            try (Connection c = ds.getConnection()) {
              JunctionConnection routed = c.unwrap(JunctionConnection.class);
              try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes (id, body) VALUES (?, ?)")) {
                ps.setInt(1, 1);
                ps.setString(2, "first note");
                ps.executeUpdate();
              }
              System.out.println("demo write " + routed.lastRouteEndpoint());
              try (PreparedStatement ps = c.prepareStatement("SELECT body FROM notes WHERE id = ?")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                  System.out.println("demo read " + (rs.next() ? rs.getString(1) : "<no row>") + " @ " + routed.lastRouteEndpoint());
                }
              }
            }
          }
          try (Scope scope = Junction.scope("demo-driver");
               Connection c = DriverManager.getConnection("jdbc:junction:" + args[0])) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes (id, body) VALUES (2, 'second note')")) {
              ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT body FROM notes WHERE id = 2");
                 ResultSet rs = ps.executeQuery()) {
              System.out.println("demo driver-read " + (rs.next() ? rs.getString(1) : "<no row>"));
            }
          }
        }
      }
      """;

  static String yaml(JdbcServer primary, JdbcServer replica) {
    return """
        junction:
          dialect: postgresql
          shards:
            - name: main
              primary:
                url: "%s"
                username: "%s"
                password: "%s"
              replicas:
                - name: replica1
                  url: "%s"
                  username: "%s"
                  password: "%s"
          routing:
            max-fence-wait: 2s
        """.formatted(primary.jdbcUrl(), primary.user(), primary.password(), replica.jdbcUrl(), replica.user(),
        replica.password());
  }

  /**
   * The entries of this test's class path that hold {@code roots} and, transitively, the modules they
   * require at run time (not {@code requires static}); the JDK's own modules are not on it.
   */
  static List<Path> modulePath(List<String> roots) {
    Map<String, Path> byName = new LinkedHashMap<>();
    Map<String, ModuleDescriptor> descriptors = new LinkedHashMap<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (!entry.endsWith(".jar") && !Files.isRegularFile(p.resolve("module-info.class"))) {
        continue; // a plain classes directory is no module
      }
      try {
        for (ModuleReference r : ModuleFinder.of(p).findAll()) {
          if (byName.putIfAbsent(r.descriptor().name(), p) == null) {
            descriptors.put(r.descriptor().name(), r.descriptor());
          }
        }
      } catch (FindException | SecurityException e) {
        // not usable as a module (e.g. no valid automatic name): not one Junction needs
      }
    }
    List<Path> out = new ArrayList<>();
    Deque<String> todo = new ArrayDeque<>(roots);
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!seen.add(name) || ModuleLayer.boot().findModule(name).isPresent() || ModuleFinder.ofSystem().find(name).isPresent()) {
        continue;
      }
      assertThat(byName).as("a module Junction needs at run time, on the test class path").containsKey(name);
      out.add(byName.get(name));
      for (ModuleDescriptor.Requires r : descriptors.get(name).requires()) {
        if (!r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
          todo.add(r.name());
        }
      }
      todo.addAll(AUTOMATIC_MODULE_DEPENDENCIES.getOrDefault(name, List.of()));
    }
    return out;
  }

  record Compilation(boolean ok, String output) {}

  /**
   * Runs javac in this JVM. Without {@code -classpath}, javac's class path would be this test's (which
   * holds router-jdbc too, as an unnamed module): an empty directory is passed instead.
   */
  static Compilation javac(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    Path empty = Files.createTempDirectory("no-class-path");
    if (!all.contains("-classpath")) {
      all.addAll(0, List.of("-classpath", empty.toString()));
    }
    ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    try (PrintWriter w = new PrintWriter(text, true, StandardCharsets.UTF_8)) {
      int status = javac.run(w, w, all.toArray(String[]::new));
      w.flush();
      return new Compilation(status == 0, text.toString(StandardCharsets.UTF_8));
    } finally {
      Files.delete(empty);
    }
  }

  /** The java launcher of this JVM (so the child runs the same JDK). */
  static String javaCommand() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  static String join(List<Path> paths) {
    return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
  }

  static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
