package dev.junction.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds locally installed server binaries.
 *
 * <p>PostgreSQL: the newest {@code /usr/lib/postgresql/N/bin}, else {@code pg_ctl} on PATH, else
 * {@code JUNCTION_PG_BIN}. MariaDB: {@code mariadbd} (or {@code mysqld}) in /usr/sbin or PATH. Redis:
 * {@code redis-server} on PATH. A missing binary is reported with the package that provides it.
 */
public final class Binaries {
  private Binaries() {}

  /** The directory holding initdb, pg_ctl, pg_basebackup and postgres. */
  public static Optional<Path> postgresBinDir() {
    String env = System.getenv("JUNCTION_PG_BIN");
    if (env != null && Files.isExecutable(Path.of(env, "pg_ctl"))) {
      return Optional.of(Path.of(env));
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Optional<Path> newest = versions
            .filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
            .max(Comparator.comparingInt(Binaries::majorVersion))
            .map(p -> p.resolve("bin"));
        if (newest.isPresent()) {
          return newest;
        }
      } catch (IOException ignored) {
        // fall through to PATH
      }
    }
    return onPath("initdb").map(Path::getParent);
  }

  public static Optional<Path> mariadbServer() {
    for (String name : List.of("mariadbd", "mysqld")) {
      Path sbin = Path.of("/usr/sbin", name);
      if (Files.isExecutable(sbin)) {
        return Optional.of(sbin);
      }
      Optional<Path> found = onPath(name);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  public static Optional<Path> mariadbInstallDb() {
    return onPath("mariadb-install-db").or(() -> onPath("mysql_install_db"));
  }

  public static Optional<Path> mariadbClient() {
    return onPath("mariadb").or(() -> onPath("mysql"));
  }

  public static Optional<Path> redisServer() {
    return onPath("redis-server");
  }

  static Path require(Optional<Path> binary, String what, String debianPackage) {
    return binary.orElseThrow(() -> new IllegalStateException(what + " not found: install it (Debian: apt-get install -y "
        + debianPackage + ") or run ./junction.sh test, which installs what is missing"));
  }

  /** True when {@code name} is an executable on PATH (tests use it to skip what the machine cannot do). */
  public static boolean onPathForTests(String name) {
    return onPath(name).isPresent();
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static int majorVersion(Path versionDir) {
    try {
      return Integer.parseInt(versionDir.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
