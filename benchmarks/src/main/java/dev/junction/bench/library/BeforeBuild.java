package dev.junction.bench.library;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Another build of router-core and router-jdbc in its own class loader (its jars first, then this
 * benchmarks jar for everything else), so a harness runs "before" and "after" against the same
 * servers in the same rounds. The harness class named by the caller is loaded again from there.
 */
final class BeforeBuild {
  private BeforeBuild() {}

  /** {@code harness} as loaded with the router jars of {@code jars} (path-separated). */
  static Class<?> load(String jars, Class<?> harness) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String j : jars.split(File.pathSeparator)) {
      urls.add(Path.of(j).toUri().toURL());
    }
    urls.add(harness.getProtectionDomain().getCodeSource().getLocation());
    URLClassLoader loader = new URLClassLoader("junction-before", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    // its own copy of the PostgreSQL driver registers itself, so DriverManager lets its classes use it
    Class.forName("org.postgresql.Driver", true, loader);
    Class<?> jdbc = Class.forName("dev.junction.jdbc.RoutingDataSource", false, loader);
    System.out.println("junction-before: RoutingDataSource from " + jdbc.getProtectionDomain().getCodeSource().getLocation());
    return Class.forName(harness.getName(), true, loader);
  }
}
