package dev.junction.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue #12: the built module descriptor of router-jdbc exports exactly the API package, provides the
 * JDBC driver service, and the API's public signatures name only types a module-path user can reach
 * (an internal type in a public signature would compile here and fail for every module user).
 *
 * <p>Reads the compiled {@code module-info.class} (the tests run on the class path, where it is
 * otherwise ignored); the module-path behaviour itself is exercised by {@code ModulePathIT}.
 */
class ModuleDescriptorTest {
  static final String API = "dev.junction.jdbc";

  @Test
  void exportsOnlyTheApiPackage() {
    ModuleDescriptor d = descriptorOf(RoutingDataSource.class).orElseThrow();
    assertThat(d.name()).isEqualTo("dev.junction.jdbc");
    assertThat(d.isAutomatic()).isFalse();
    assertThat(d.exports()).as("exports").hasSize(1);
    ModuleDescriptor.Exports only = d.exports().iterator().next();
    assertThat(only.source()).isEqualTo(API);
    assertThat(only.isQualified()).as("an unqualified export").isFalse();
    assertThat(d.opens()).as("nothing is opened to reflection").isEmpty();
    assertThat(d.packages()).as("the implementation is there, unexported").contains(API + ".internal");
  }

  @Test
  void providesTheDriverAndRequiresWhatItsApiNames() {
    ModuleDescriptor d = descriptorOf(RoutingDataSource.class).orElseThrow();
    assertThat(d.provides()).singleElement().satisfies(p -> {
      assertThat(p.service()).isEqualTo("java.sql.Driver");
      assertThat(p.providers()).containsExactly(JunctionDriver.class.getName());
    });
    Map<String, Set<ModuleDescriptor.Requires.Modifier>> requires = d.requires().stream()
        .collect(Collectors.toMap(ModuleDescriptor.Requires::name, ModuleDescriptor.Requires::modifiers));
    // RoutingDataSource's signatures name java.sql/javax.sql, router-core's and Micrometer's types
    for (String transitive : List.of("java.sql", "dev.junction.core", "micrometer.core")) {
      assertThat(requires.get(transitive)).as(transitive).contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE);
    }
    // the drivers are the application's choice: needed to compile, optional at run time
    for (String driver : List.of("org.postgresql.jdbc", "mysql.connector.j")) {
      assertThat(requires.get(driver)).as(driver).containsExactly(ModuleDescriptor.Requires.Modifier.STATIC);
    }
  }

  @Test
  void theApiNamesOnlyExportedTypes() throws Exception {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : apiClasses()) {
      if (!Modifier.isPublic(c.getModifiers())) {
        continue;
      }
      List<Type> named = new ArrayList<>();
      if (c.getGenericSuperclass() != null) {
        named.add(c.getGenericSuperclass());
      }
      named.addAll(List.of(c.getGenericInterfaces()));
      for (Field f : c.getDeclaredFields()) {
        if (visible(f.getModifiers())) {
          named.add(f.getGenericType());
        }
      }
      List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
      members.addAll(List.of(c.getDeclaredConstructors()));
      for (Executable m : members) {
        if (!visible(m.getModifiers()) || m.isSynthetic()) {
          continue;
        }
        if (m instanceof Method method) {
          named.add(method.getGenericReturnType());
        }
        named.addAll(List.of(m.getGenericParameterTypes()));
        named.addAll(List.of(m.getGenericExceptionTypes()));
      }
      for (Type t : named) {
        for (Class<?> used : classesIn(t)) {
          if (!reachable(used)) {
            leaks.add(c.getSimpleName() + " names " + used.getName());
          }
        }
      }
    }
    assertThat(leaks).as("types in the API's signatures that a module-path user cannot reach").isEmpty();
  }

  /** Public and protected members are the API (RoutingDataSource and the driver are final; records' too). */
  static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  /** Exported unqualified by its module (named modules), or in an automatic module (exports all). */
  static boolean reachable(Class<?> type) {
    Class<?> used = type;
    while (used.isArray()) {
      used = used.getComponentType();
    }
    String pkg = used.getPackageName();
    if (used.isPrimitive() || pkg.equals(API)) {
      return true;
    }
    Module m = used.getModule();
    if (m.isNamed()) { // the JDK's modules, even on the class path
      return m.getDescriptor().exports().stream().anyMatch(e -> !e.isQualified() && e.source().equals(pkg));
    }
    Optional<ModuleDescriptor> d = descriptorOf(used);
    assertThat(d).as("the module of " + used.getName()).isPresent();
    return d.get().isAutomatic() || d.get().exports().stream().anyMatch(e -> !e.isQualified() && e.source().equals(pkg));
  }

  static Set<Class<?>> classesIn(Type t) {
    Set<Class<?>> out = new java.util.LinkedHashSet<>();
    if (t instanceof Class<?> c) {
      out.add(c);
    } else if (t instanceof ParameterizedType p) {
      out.addAll(classesIn(p.getRawType()));
      for (Type a : p.getActualTypeArguments()) {
        out.addAll(classesIn(a));
      }
    } else if (t instanceof GenericArrayType g) {
      out.addAll(classesIn(g.getGenericComponentType()));
    } else if (t instanceof WildcardType w) {
      Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds())).forEach(b -> out.addAll(classesIn(b)));
    } else if (t instanceof TypeVariable<?> v) {
      for (Type b : v.getBounds()) {
        out.addAll(classesIn(b));
      }
    }
    return out;
  }

  /** Every class of the API package, nested ones included, from the compiled output. */
  static List<Class<?>> apiClasses() throws Exception {
    Path dir = location(RoutingDataSource.class).resolve(API.replace('.', '/'));
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
          .forEach(n -> names.add(API + "." + n.substring(0, n.length() - ".class".length())));
    }
    assertThat(names).contains(RoutingDataSource.class.getName(), JunctionDriver.class.getName());
    List<Class<?>> out = new ArrayList<>();
    for (String n : names) {
      out.add(Class.forName(n, false, ModuleDescriptorTest.class.getClassLoader()));
    }
    return out;
  }

  /** The descriptor of the module (module-info, or automatic) that {@code c} was loaded from. */
  static Optional<ModuleDescriptor> descriptorOf(Class<?> c) {
    Path where = location(c);
    return ModuleFinder.of(where).findAll().stream().map(ModuleReference::descriptor).findFirst();
  }

  static Path location(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
