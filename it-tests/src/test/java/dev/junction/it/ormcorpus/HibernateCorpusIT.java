package dev.junction.it.ormcorpus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.it.ormcorpus.OrmModel.Address;
import dev.junction.it.ormcorpus.OrmModel.BankPayment;
import dev.junction.it.ormcorpus.OrmModel.CardPayment;
import dev.junction.it.ormcorpus.OrmModel.Category;
import dev.junction.it.ormcorpus.OrmModel.Customer;
import dev.junction.it.ormcorpus.OrmModel.Document;
import dev.junction.it.ormcorpus.OrmModel.ExpressShipment;
import dev.junction.it.ormcorpus.OrmModel.Invoice;
import dev.junction.it.ormcorpus.OrmModel.OrderLine;
import dev.junction.it.ormcorpus.OrmModel.Payment;
import dev.junction.it.ormcorpus.OrmModel.Product;
import dev.junction.it.ormcorpus.OrmModel.PurchaseOrder;
import dev.junction.it.ormcorpus.OrmModel.Receipt;
import dev.junction.it.ormcorpus.OrmModel.Shipment;
import dev.junction.it.ormcorpus.OrmModel.StandardShipment;
import dev.junction.it.ormcorpus.OrmModel.Status;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Tuple;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaDelete;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.CriteriaUpdate;
import jakarta.persistence.criteria.Join;
import jakarta.persistence.criteria.JoinType;
import jakarta.persistence.criteria.Root;
import jakarta.persistence.criteria.Subquery;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.hibernate.Hibernate;
import org.hibernate.LockOptions;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.hibernate.cfg.Configuration;
import org.hibernate.resource.jdbc.spi.StatementInspector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Generates the Hibernate part of the classifier corpus ({@code hibernate-postgresql.tsv},
 * {@code hibernate-mariadb.tsv}): runs a script of JPA/Hibernate operations against a real PostgreSQL and a
 * real MariaDB primary, under several option sets that change the SQL text, and captures every statement
 * through a {@link StatementInspector}.
 *
 * <p><b>The label is the API call that produced the statement</b>, never Junction's classifier: each
 * operation runs inside a bracket labelled {@code read} (find, queries, criteria, count, exists,
 * pagination, fetch joins, lazy loads), {@code write} (persist, merge, remove, dirty flush, bulk
 * update/delete/insert, version increments, sequence fetches, upserts) or {@code locking}
 * (pessimistic lock modes, NOWAIT, SKIP LOCKED). Hibernate sometimes issues a statement of another
 * nature inside a bracket (a merge loads before it writes; follow-on locking selects first and locks
 * after); such statements are dropped, not relabelled, and counted: a {@code read} bracket keeps only
 * statements that start with {@code select}/{@code with}, a {@code write} bracket drops a plain
 * {@code select} unless it fetches one of the model's sequences, a {@code locking} bracket keeps only
 * statements with a lock clause.
 *
 * <p>Refresh the committed files (from the repository root):
 * <pre>
 * mvn -B -ntp -o -pl it-tests -am -Dit.test=HibernateCorpusIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dfailsafe.failIfNoSpecifiedTests=false -DfailIfNoTests=false \
 *     -Djunction.corpus.dir=$PWD/router-core/src/test/resources/classify/corpus verify
 * </pre>
 */
class HibernateCorpusIT {
  static LocalCluster cluster;
  static final Map<String, Integer> dropped = new LinkedHashMap<>();
  static final List<String> failures = new ArrayList<>();

  /** The bracket label for statements captured on this thread (null: not captured). */
  static volatile String label;
  static volatile CorpusFile target;
  /** Statements of the running operation: kept only if the operation succeeds (the server accepted them). */
  static final List<String[]> pending = java.util.Collections.synchronizedList(new ArrayList<>());

  private static final Pattern LOCK_CLAUSE = Pattern.compile(
      "\\b(for\\s+(no\\s+key\\s+)?update|for\\s+(key\\s+)?share|lock\\s+in\\s+share\\s+mode|nowait|skip\\s+locked)\\b",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern SEQUENCE_FETCH = Pattern.compile("\\b(customer|line|product|payment|shipment|document)_seq\\b",
      Pattern.CASE_INSENSITIVE);

  /** Receives every statement Hibernate prepares. */
  public static final class Capture implements StatementInspector {
    @Override
    public String inspect(String sql) {
      String l = label;
      CorpusFile file = target;
      if (l == null || file == null) {
        dropped.merge("outside a bracket", 1, Integer::sum);
        return sql;
      }
      String first = firstKeyword(sql);
      boolean keep = switch (l) {
        case "read" -> first.equals("select") || first.equals("with");
        case "write" -> !first.equals("select") || SEQUENCE_FETCH.matcher(sql).find();
        case "locking" -> LOCK_CLAUSE.matcher(sql).find();
        default -> true;
      };
      if (keep) {
        pending.add(new String[] {l, sql});
      } else {
        dropped.merge(l + " bracket, " + first, 1, Integer::sum);
        System.out.println("DROPPED [" + l + "] " + sql);
      }
      return sql;
    }
  }

  /** The first keyword after comments and opening parentheses, lower-cased. */
  static String firstKeyword(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (sql.startsWith("/*", i)) {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if (sql.startsWith("--", i)) {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else {
        break;
      }
    }
    int start = i;
    while (i < n && Character.isLetter(sql.charAt(i))) {
      i++;
    }
    return sql.substring(start, i).toLowerCase(Locale.ROOT);
  }

  @BeforeAll
  static void start() {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).mariadb(true).shared(HibernateCorpusIT.class);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Option sets that change the SQL text Hibernate generates. */
  static List<Map<String, String>> optionSets() {
    Map<String, String> plain = Map.of();
    Map<String, String> comments = Map.of("hibernate.use_sql_comments", "true");
    Map<String, String> batching = Map.of(
        "hibernate.jdbc.batch_size", "20",
        "hibernate.order_inserts", "true",
        "hibernate.order_updates", "true",
        "hibernate.default_batch_fetch_size", "8",
        "hibernate.query.in_clause_parameter_padding", "true");
    Map<String, String> inline = Map.of(
        "hibernate.criteria.value_handling_mode", "inline",
        "hibernate.use_sql_comments", "true",
        "hibernate.highlight_sql", "false");
    return List.of(plain, comments, batching, inline);
  }

  @Test
  void generatesPostgresCorpus() throws Exception {
    CorpusFile file = new CorpusFile("hibernate-postgresql.tsv");
    generate(cluster.postgres(0).primary(), "org.hibernate.dialect.PostgreSQLDialect", file);
    report(file);
  }

  @Test
  void generatesMariaDbCorpus() throws Exception {
    CorpusFile file = new CorpusFile("hibernate-mariadb.tsv");
    generate(cluster.mariadb().primary(), "org.hibernate.dialect.MariaDBDialect", file);
    report(file);
  }

  private static void report(CorpusFile file) throws Exception {
    System.out.println("dropped: " + dropped);
    System.out.println("failed operations: " + failures.size());
    failures.forEach(f -> System.out.println("  " + f));
    System.out.println("label conflicts: " + file.conflicts());
    file.write();
    assertThat(file.counts().getOrDefault("read", 0)).isGreaterThan(100);
    assertThat(file.conflicts()).isEmpty();
  }

  private static void generate(JdbcServer server, String dialect, CorpusFile file) {
    target = file;
    for (Map<String, String> options : optionSets()) {
      Configuration cfg = new Configuration();
      OrmModel.ENTITIES.forEach(cfg::addAnnotatedClass);
      cfg.setProperty("hibernate.connection.url", server.jdbcUrl());
      cfg.setProperty("hibernate.connection.username", server.user());
      cfg.setProperty("hibernate.connection.password", server.password());
      cfg.setProperty("hibernate.connection.pool_size", "2");
      cfg.setProperty("hibernate.dialect", dialect);
      cfg.setProperty("hibernate.hbm2ddl.auto", "create-drop");
      cfg.setProperty("hibernate.show_sql", "false");
      options.forEach(cfg::setProperty);
      cfg.setStatementInspector(new Capture());
      try (SessionFactory sf = cfg.buildSessionFactory()) {
        new Script(sf, dialect.contains("PostgreSQL")).run();
      }
    }
    target = null;
  }

  /** The operations; each runs in its own session and transaction, labelled by the API call. */
  static final class Script {
    final SessionFactory sf;
    final boolean postgres;
    final List<Long> customers = new ArrayList<>();
    final List<Long> products = new ArrayList<>();
    final List<Long> orders = new ArrayList<>();
    final List<Long> payments = new ArrayList<>();

    Script(SessionFactory sf, boolean postgres) {
      this.sf = sf;
      this.postgres = postgres;
    }

    void op(String name, Consumer<Session> body) {
      try (Session s = sf.openSession()) {
        s.getTransaction().begin();
        try {
          body.accept(s);
          s.getTransaction().commit();
          keepPending();
        } catch (RuntimeException e) {
          label = null;
          failed(name, e);
          if (s.getTransaction().isActive()) {
            s.getTransaction().rollback();
          }
        }
      } finally {
        label = null;
        pending.clear();
      }
    }

    static void keepPending() {
      synchronized (pending) {
        pending.forEach(r -> target.add(r[0], r[1]));
        pending.clear();
      }
    }

    static void failed(String name, RuntimeException e) {
      failures.add(name + ": " + e.toString().replace('\n', ' '));
      dropped.merge("failed operation", pending.size(), Integer::sum);
      pending.clear();
    }

    void read(String name, Consumer<Session> body) {
      op(name, s -> {
        label = "read";
        body.accept(s);
        label = null;
      });
    }

    void stateless(String name, Consumer<StatelessSession> body) {
      try (StatelessSession s = sf.openStatelessSession()) {
        s.getTransaction().begin();
        try {
          label = "write";
          body.accept(s);
          label = null;
          s.getTransaction().commit();
          keepPending();
        } catch (RuntimeException e) {
          label = null;
          failed(name, e);
          if (s.getTransaction().isActive()) {
            s.getTransaction().rollback();
          }
        }
      } finally {
        label = null;
        pending.clear();
      }
    }

    void run() {
      seed();
      finds();
      jpql();
      functions();
      criteria();
      collectionsAndInheritance();
      locking();
      writes();
    }

    void seed() {
      op("seed", s -> {
        label = "write";
        String[] cities = {"Lyon", "Oslo", "Porto", "Graz", "Turku"};
        List<Customer> cs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          Customer c = new Customer("customer " + i, "c" + i + "@example.org", Status.values()[i % 3],
              new Address(i + " Main St", cities[i], "0" + i + "100"), LocalDate.of(2020 + i, 1 + i, 10), i % 2 == 0);
          c.tags.add("t" + i);
          c.tags.add("common");
          s.persist(c);
          cs.add(c);
        }
        List<Product> ps = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          Product p = new Product("sku-" + i, "product " + i, BigDecimal.valueOf(10 + i * 5L), Category.values()[i % 3]);
          p.attributes.put("colour", i % 2 == 0 ? "red" : "blue");
          p.attributes.put("size", "s" + i);
          s.persist(p);
          ps.add(p);
        }
        List<PurchaseOrder> os = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          PurchaseOrder o = new PurchaseOrder(cs.get(i % 4), LocalDateTime.of(2024, 1 + i, 3, 12, 0),
              BigDecimal.valueOf(100 + i * 10L));
          o.products.add(ps.get(i % 6));
          o.products.add(ps.get((i + 1) % 6));
          o.lines.add(new OrderLine(o, ps.get(i % 6), 1 + i % 3, BigDecimal.TEN));
          o.lines.add(new OrderLine(o, ps.get((i + 2) % 6), 2, BigDecimal.ONE));
          s.persist(o);
          os.add(o);
          Payment pay = i % 2 == 0 ? new CardPayment() : new BankPayment();
          if (pay instanceof CardPayment card) {
            card.cardLast4 = "42" + i;
          } else {
            ((BankPayment) pay).iban = "DE00" + i;
          }
          pay.amount = o.total;
          pay.paidAt = Instant.parse("2024-02-01T10:00:00Z");
          pay.order = o;
          s.persist(pay);
          Shipment sh = i % 2 == 0 ? new StandardShipment() : new ExpressShipment();
          if (sh instanceof StandardShipment st) {
            st.days = 3 + i;
          } else {
            ((ExpressShipment) sh).surcharge = BigDecimal.valueOf(5);
          }
          sh.carrier = i % 3 == 0 ? "DHL" : "UPS";
          sh.order = o;
          s.persist(sh);
        }
        for (int i = 0; i < 4; i++) {
          Document d = i % 2 == 0 ? new Invoice() : new Receipt();
          d.title = "doc " + i;
          d.issued = LocalDate.of(2024, 3, 1 + i);
          if (d instanceof Invoice inv) {
            inv.amount = BigDecimal.valueOf(99);
          } else {
            ((Receipt) d).method = "cash";
          }
          s.persist(d);
        }
        s.flush();
        label = null;
        cs.forEach(c -> customers.add(c.id));
        ps.forEach(p -> products.add(p.id));
        os.forEach(o -> orders.add(o.id));
      });
      read("payment ids", s -> payments.addAll(s.createQuery("select p.id from Payment p order by p.id", Long.class).getResultList()));
    }

    void finds() {
      read("find customer", s -> s.find(Customer.class, customers.get(0)));
      read("find order and lazy loads", s -> {
        PurchaseOrder o = s.find(PurchaseOrder.class, orders.get(1));
        Hibernate.initialize(o.customer);
        o.lines.size();
        o.products.size();
        ((Product) Hibernate.unproxy(o.lines.get(0).product)).attributes.size();
      });
      read("customer collections", s -> {
        Customer c = s.find(Customer.class, customers.get(1));
        c.tags.size();
        c.orders.size();
      });
      read("getReference", s -> Hibernate.initialize(s.getReference(Customer.class, customers.get(2))));
      read("multiLoad", s -> s.byMultipleIds(Customer.class).multiLoad(customers.subList(0, 3)));
      read("multiLoad products", s -> s.byMultipleIds(Product.class).multiLoad(products));
      read("natural id", s -> s.bySimpleNaturalId(Product.class).load("sku-3"));
      read("find payment (joined)", s -> s.find(Payment.class, payments.get(0)));
      read("find card payment", s -> s.find(CardPayment.class, payments.get(0)));
      read("find document (union)", s -> s.find(Document.class, 1L));
      read("find invoice", s -> s.find(Invoice.class, 1L));
      read("find shipment", s -> s.find(Shipment.class, 1L));
      read("find express shipment", s -> s.find(ExpressShipment.class, 2L));
      read("optimistic find", s -> s.find(Customer.class, customers.get(3), LockModeType.OPTIMISTIC));
      read("batch lazy loads", s -> {
        List<PurchaseOrder> all = s.createQuery("from PurchaseOrder", PurchaseOrder.class).getResultList();
        for (PurchaseOrder o : all) {
          o.lines.size();
          Hibernate.initialize(o.customer);
        }
      });
      read("batch customers", s -> {
        for (Customer c : s.createQuery("from Customer", Customer.class).getResultList()) {
          c.tags.size();
          c.orders.size();
        }
      });
      read("refresh", s -> s.refresh(s.find(Product.class, products.get(0))));
    }

    void q(String hql, Consumer<org.hibernate.query.Query<?>> params) {
      read(hql, s -> {
        org.hibernate.query.Query<?> query = s.createQuery(hql);
        params.accept(query);
        query.getResultList();
      });
    }

    void q(String hql) {
      q(hql, x -> {});
    }

    void jpql() {
      q("from Customer c where c.name like :p", x -> x.setParameter("p", "%1%"));
      q("from Customer c where lower(c.email) like concat('%', :x, '%')", x -> x.setParameter("x", "example"));
      q("from Customer c where c.name like ('%' || :x || '%') escape '!'", x -> x.setParameter("x", "cust"));
      q("from Customer c where c.name not like :x", x -> x.setParameter("x", "c%"));
      q("from Customer c where c.name ilike :x", x -> x.setParameter("x", "C%"));
      q("from Customer c where c.status in :st", x -> x.setParameter("st", List.of(Status.ACTIVE, Status.CLOSED)));
      q("from Customer c where c.id in :ids", x -> x.setParameter("ids", customers.subList(0, 3)));
      q("from Customer c where c.id in :ids", x -> x.setParameter("ids", customers));
      q("from Customer c where c.id not in :ids", x -> x.setParameter("ids", customers.subList(0, 1)));
      q("select count(c) from Customer c where c.vip = true");
      q("select count(distinct o.customer) from PurchaseOrder o");
      q("select count(*) from PurchaseOrder o where o.total between :a and :b", x -> x.setParameter("a", BigDecimal.ONE)
          .setParameter("b", BigDecimal.valueOf(1000)));
      q("select c.name from Customer c where exists (select 1 from PurchaseOrder o where o.customer = c and o.total > :t)",
          x -> x.setParameter("t", BigDecimal.valueOf(120)));
      q("select c.name from Customer c where not exists (select o from PurchaseOrder o where o.customer = c)");
      q("select case when exists (select 1 from PurchaseOrder o where o.customer.id = :id) then true else false end from Customer c where c.id = :id",
          x -> x.setParameter("id", customers.get(0)));
      read("pagination", s -> s.createQuery("from Customer c order by c.name", Customer.class).setFirstResult(1).setMaxResults(2).getResultList());
      read("max results", s -> s.createQuery("from Customer c order by c.id desc", Customer.class).setMaxResults(3).getResultList());
      read("first result", s -> s.createQuery("from Customer c order by c.id", Customer.class).setFirstResult(2).getResultList());
      read("single result", s -> s.createQuery("from Product p where p.sku = :s", Product.class).setParameter("s", "sku-1").getSingleResultOrNull());
      read("stream", s -> s.createQuery("from Product p where p.active = true order by p.price", Product.class).getResultStream().count());
      read("scroll", s -> {
        try (var sr = s.createQuery("from Product p", Product.class).scroll()) {
          while (sr.next()) {
            sr.get();
          }
        }
      });
      q("from Customer c order by c.name limit 2 offset 1");
      q("from Customer c order by c.since fetch first 2 rows with ties");
      q("from Customer c order by c.since offset 1 rows fetch next 2 rows only");
      q("select distinct c from Customer c left join fetch c.orders o where c.vip = :v", x -> x.setParameter("v", true));
      q("select o from PurchaseOrder o join fetch o.customer join fetch o.lines l where o.total > :t", x -> x.setParameter("t", BigDecimal.TEN));
      q("select o from PurchaseOrder o left join fetch o.products where o.id = :id", x -> x.setParameter("id", orders.get(0)));
      q("select c from Customer c left join fetch c.tags where c.id = :id", x -> x.setParameter("id", customers.get(0)));
      read("fetch join paged", s -> s.createQuery("select c from Customer c join fetch c.orders order by c.id", Customer.class)
          .setMaxResults(2).getResultList());
      q("select o.customer.name, sum(o.total), count(o) from PurchaseOrder o group by o.customer.name having sum(o.total) > :m order by 2 desc",
          x -> x.setParameter("m", BigDecimal.valueOf(50)));
      q("select c.address.city, avg(o.total), min(o.total), max(o.placedAt) from PurchaseOrder o join o.customer c group by c.address.city");
      q("select c.name, (select max(o.total) from PurchaseOrder o where o.customer = c) from Customer c");
      q("select c from Customer c where c.id = (select max(c2.id) from Customer c2)");
      q("select c from Customer c where c.id in (select o.customer.id from PurchaseOrder o where o.total > all (select o2.total from PurchaseOrder o2 where o2.customer.id = 99))");
      q("select o from PurchaseOrder o where o.total > any (select l.price from OrderLine l)");
      q("select c from Customer c where (c.address.city, c.address.zip) = (:c, :z)", x -> x.setParameter("c", "Oslo").setParameter("z", "01100"));
      q("select c from Customer c where (c.name, c.status) in (('customer 1', :s), ('customer 2', :s))", x -> x.setParameter("s", Status.ACTIVE));
      q("select c.name, case c.status when :a then 'a' when :s then 's' else 'x' end from Customer c",
          x -> x.setParameter("a", Status.ACTIVE).setParameter("s", Status.SUSPENDED));
      q("select c.name, case when c.vip then 'gold' when c.since < :d then 'old' else 'std' end from Customer c", x -> x.setParameter("d", LocalDate.of(2022, 1, 1)));
      q("select new map(c.id as id, c.name as name) from Customer c");
      q("select new list(c.id, c.email) from Customer c where c.email is not null");
      q("select c.name from Customer c union select p.name from Product p");
      q("select c.name from Customer c union all select p.name from Product p order by 1 limit 5");
      q("select c.id from Customer c intersect select o.customer.id from PurchaseOrder o");
      q("select c.id from Customer c except select o.customer.id from PurchaseOrder o");
      q("with big as (select o.customer.id as cid, o.total as total from PurchaseOrder o where o.total > 120) select c.name, b.total from Customer c join big b on b.cid = c.id");
      q("select c.name, row_number() over (partition by c.status order by c.since) from Customer c");
      q("select o.id, sum(o.total) over (order by o.placedAt rows between unbounded preceding and current row) from PurchaseOrder o");
      q("select o.id, rank() over (partition by o.customer.id order by o.total desc), lag(o.total) over (order by o.id) from PurchaseOrder o");
      q("select c from Customer c where c.email is null or c.email = ''");
      q("select c from Customer c where c.since between :a and :b order by c.since nulls last",
          x -> x.setParameter("a", LocalDate.of(2019, 1, 1)).setParameter("b", LocalDate.of(2030, 1, 1)));
      q("select c from Customer c where c.status = dev.junction.it.ormcorpus.OrmModel.Status.ACTIVE");
      q("select c from Customer c where c.status <> :s", x -> x.setParameter("s", Status.CLOSED));
      q("select p from Product p where p.category = :c", x -> x.setParameter("c", Category.MUSIC));
      q("select p.category, count(p) from Product p group by p.category");
      q("select o from PurchaseOrder o where o.customer.address.city = :c", x -> x.setParameter("c", "Lyon"));
      q("select o from PurchaseOrder o where o.customer is null");
      q("select l from OrderLine l join l.order o join o.customer c where c.vip = true and l.quantity >= 2");
      q("select o from PurchaseOrder o left join o.lines l on l.quantity > 1 where l.id is null");
      q("select c, o from Customer c, PurchaseOrder o where o.customer = c and c.id = :id", x -> x.setParameter("id", customers.get(0)));
      q("select c from Customer c cross join Product p where p.price > c.orderCount");
      q("select c.orderCount from Customer c where c.orderCount > 1");
      q("select c from Customer c where c.version > 0");
      q("select c.id, c.version from Customer c");
      q("select distinct c.address.city from Customer c order by c.address.city desc");
      q("select o from PurchaseOrder o where o.placedAt > local datetime - 1000 day");
      q("select o from PurchaseOrder o where extract(year from o.placedAt) = 2024 and month(o.placedAt) < 6");
      q("select o.id from PurchaseOrder o where o.placedAt < current_timestamp and cast(o.placedAt as LocalDate) > :d",
          x -> x.setParameter("d", LocalDate.of(2020, 1, 1)));
      q("select c from Customer c where c.since > current_date - 3650 day");
      q("select o.id from PurchaseOrder o where o.total = :t", x -> x.setParameter("t", BigDecimal.valueOf(100)));
      q("select o.id from PurchaseOrder o where o.total is distinct from :t", x -> x.setParameter("t", BigDecimal.valueOf(100)));
    }

    void functions() {
      String[] exprs = {
          "upper(c.name)", "lower(c.email)", "length(c.name)", "locate('o', c.name)", "position('o' in c.name)",
          "substring(c.name, 2, 3)", "trim(c.name)", "trim(leading 'c' from c.name)", "concat(c.name, '-', c.email)",
          "c.name || '/' || c.email", "left(c.name, 3)", "right(c.name, 2)", "replace(c.name, ' ', '_')",
          "repeat('x', 3)", "pad(c.name with 12 leading '*')", "overlay(c.name placing 'X' from 2)",
          "abs(c.orderCount - 3)", "sign(c.orderCount)", "mod(c.orderCount, 2)", "sqrt(c.orderCount)",
          "exp(1.0)", "ln(2.0)", "power(c.orderCount, 2)", "round(c.orderCount / 3.0, 2)", "floor(1.5)",
          "ceiling(1.5)", "truncate(1.55, 1)", "log10(100.0)", "cast(c.orderCount as String)", "str(c.id)",
          "cast(c.id as Integer)", "cast(c.since as String)", "coalesce(c.email, c.name, '?')", "nullif(c.name, '')",
          "extract(month from c.since)", "year(c.since)", "day(c.since)", "current_date", "current_time",
          "current_timestamp", "local_date", "instant", "format(c.since as 'yyyy-MM-dd')",
          "c.since + 1 day", "c.since - 1 month", "size(c.tags)", "size(c.orders)",
          "greatest(c.orderCount, 1)", "least(c.orderCount, 1)", "c.id * 2 + 1", "-c.id", "collate(c.name as ucs_basic)",
          "max(c.id) over ()", "listagg(c.name, ',') within group (order by c.name) over ()", "count(*) over (partition by c.vip)",
          "sin(0.5)", "atan2(1.0, 2.0)", "degrees(1.0)", "cast(c.vip as Integer)", "c.vip and c.orderCount > 0",
          "c.address", "c.address.zip", "id(c)", "version(c)", "type(c)", "c.status",
      };
      for (String e : exprs) {
        q("select " + e + " from Customer c");
      }
      String[] aggs = {"count(distinct c.address.city)", "avg(c.orderCount)", "sum(c.orderCount)", "max(c.name)",
          "min(c.since)", "listagg(c.name, ', ') within group (order by c.name)", "every(c.vip)", "any(c.vip)",
          "count(c) filter (where c.vip)", "array_agg(c.name) within group (order by c.name)", "mode() within group (order by c.status)",
          "percentile_cont(0.5) within group (order by c.orderCount)", "stddev(c.orderCount)", "var_samp(c.orderCount)"};
      for (String e : aggs) {
        q("select " + e + " from Customer c");
      }
    }

    void criteria() {
      read("criteria basic", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Customer> q = cb.createQuery(Customer.class);
        Root<Customer> c = q.from(Customer.class);
        q.select(c).where(cb.and(cb.equal(c.get("status"), Status.ACTIVE), cb.like(c.get("name"), "cust%"),
            cb.isNotNull(c.get("email")), cb.greaterThan(c.get("since"), LocalDate.of(2019, 5, 5))))
            .orderBy(cb.asc(c.get("name")), cb.desc(c.get("id")));
        s.createQuery(q).getResultList();
      });
      read("criteria or/in/between", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Customer> q = cb.createQuery(Customer.class);
        Root<Customer> c = q.from(Customer.class);
        q.where(cb.or(c.get("id").in(customers.subList(0, 2)), cb.between(c.get("since"), LocalDate.of(2021, 1, 1),
            LocalDate.of(2023, 1, 1)), cb.isTrue(c.get("vip")), cb.like(cb.lower(c.get("email")), "%org", '!')));
        s.createQuery(q).setMaxResults(10).getResultList();
      });
      read("criteria tuple/group", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Tuple> q = cb.createTupleQuery();
        Root<PurchaseOrder> o = q.from(PurchaseOrder.class);
        Join<PurchaseOrder, Customer> c = o.join("customer");
        q.multiselect(c.get("name").alias("name"), cb.sum(o.get("total")).alias("total"), cb.count(o))
            .groupBy(c.get("name")).having(cb.gt(cb.count(o), 1)).orderBy(cb.desc(cb.sum(o.get("total"))));
        s.createQuery(q).getResultList();
      });
      read("criteria subquery", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Customer> q = cb.createQuery(Customer.class);
        Root<Customer> c = q.from(Customer.class);
        Subquery<Long> sub = q.subquery(Long.class);
        Root<PurchaseOrder> o = sub.from(PurchaseOrder.class);
        sub.select(o.get("customer").get("id")).where(cb.ge(o.get("total"), BigDecimal.valueOf(130)));
        q.where(cb.or(c.get("id").in(sub), cb.exists(sub)));
        s.createQuery(q).getResultList();
      });
      read("criteria count", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Long> q = cb.createQuery(Long.class);
        Root<Product> p = q.from(Product.class);
        q.select(cb.countDistinct(p)).where(cb.equal(p.get("category"), Category.BOOK), cb.lt(p.get("price"), 100));
        s.createQuery(q).getSingleResult();
      });
      read("criteria fetch", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<PurchaseOrder> q = cb.createQuery(PurchaseOrder.class);
        Root<PurchaseOrder> o = q.from(PurchaseOrder.class);
        o.fetch("customer", JoinType.LEFT);
        o.fetch("lines", JoinType.LEFT);
        q.select(o).distinct(true).where(cb.isNotEmpty(o.get("lines")));
        s.createQuery(q).getResultList();
      });
      read("criteria functions", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Object[]> q = cb.createQuery(Object[].class);
        Root<Customer> c = q.from(Customer.class);
        q.multiselect(cb.upper(c.get("name")), cb.concat(c.get("name"), cb.literal("!")), cb.length(c.get("email")),
            cb.substring(c.get("name"), 1, 4), cb.coalesce(c.get("email"), "none"), cb.abs(cb.diff(c.get("orderCount"), 5)),
            cb.selectCase().when(cb.isTrue(c.get("vip")), "vip").otherwise("std"), cb.function("upper", String.class, c.get("email")),
            cb.currentDate(), cb.size(c.get("tags")))
            .where(cb.isMember("common", c.get("tags")), cb.notLike(c.get("name"), "x%"));
        s.createQuery(q).getResultList();
      });
      read("criteria paged lock none", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Product> q = cb.createQuery(Product.class);
        Root<Product> p = q.from(Product.class);
        q.where(cb.equal(p.get("active"), true), cb.in(p.get("category")).value(Category.BOOK).value(Category.GAME));
        q.orderBy(cb.asc(p.get("price")));
        s.createQuery(q).setFirstResult(1).setMaxResults(3).getResultList();
      });
    }

    void collectionsAndInheritance() {
      q("select c from Customer c join c.tags t where t = :t", x -> x.setParameter("t", "common"));
      q("select c from Customer c where :t member of c.tags", x -> x.setParameter("t", "t1"));
      q("select c from Customer c where size(c.orders) > 1");
      q("select c from Customer c where c.orders is empty");
      q("select c from Customer c where c.tags is not empty");
      q("select key(a), value(a) from Product p join p.attributes a where key(a) = 'colour'");
      q("select p from Product p where p.attributes['colour'] = 'red'");
      q("select o from PurchaseOrder o join o.products p where p.category = :c", x -> x.setParameter("c", Category.GAME));
      read("member of entity", s -> s.createQuery("select o from PurchaseOrder o where :p member of o.products", PurchaseOrder.class)
          .setParameter("p", s.getReference(Product.class, products.get(0))).getResultList());
      q("select element(t) from Customer c join c.tags t");
      q("from Payment");
      q("from Payment p where type(p) = CardPayment");
      q("from Payment p where treat(p as CardPayment).cardLast4 like '42%'");
      q("select p.amount from Payment p where p.order.customer.vip = true");
      q("from CardPayment c where c.amount > 100");
      q("from BankPayment b order by b.iban");
      q("from Shipment");
      q("from Shipment s where type(s) in (ExpressShipment)");
      q("from ExpressShipment e where e.surcharge > 1");
      q("select s.carrier, count(s) from Shipment s group by s.carrier");
      q("from Document");
      q("from Document d where type(d) = Invoice");
      q("from Invoice i where i.amount > 10");
      q("from Receipt r where r.method = 'cash'");
      q("select d.title from Document d where d.issued > :d order by d.issued", x -> x.setParameter("d", LocalDate.of(2024, 1, 1)));
      read("polymorphic paged", s -> s.createQuery("from Document d order by d.id", Document.class).setMaxResults(2).getResultList());
      read("collection filter", s -> {
        Customer c = s.find(Customer.class, customers.get(0));
        s.createQuery("select o from PurchaseOrder o where o.customer = :c order by o.placedAt desc", PurchaseOrder.class)
            .setParameter("c", c).getResultList();
      });
    }

    void locking() {
      lock("find pessimistic write", s -> s.find(Customer.class, customers.get(0), LockModeType.PESSIMISTIC_WRITE));
      lock("find pessimistic read", s -> s.find(Customer.class, customers.get(1), LockModeType.PESSIMISTIC_READ));
      lock("find order pessimistic write", s -> s.find(PurchaseOrder.class, orders.get(0), LockModeType.PESSIMISTIC_WRITE));
      lock("find product pessimistic read", s -> s.find(Product.class, products.get(0), LockModeType.PESSIMISTIC_READ));
      lock("find joined pessimistic write", s -> s.find(Payment.class, payments.get(0), LockModeType.PESSIMISTIC_WRITE));
      lock("find card pessimistic write", s -> s.find(CardPayment.class, payments.get(0), LockModeType.PESSIMISTIC_WRITE));
      lock("find shipment pessimistic write", s -> s.find(Shipment.class, 1L, LockModeType.PESSIMISTIC_WRITE));
      lock("find invoice pessimistic write", s -> s.find(Invoice.class, 1L, LockModeType.PESSIMISTIC_WRITE));
      lock("find document pessimistic write", s -> s.find(Document.class, 1L, LockModeType.PESSIMISTIC_WRITE));
      lock("nowait", s -> s.find(Customer.class, customers.get(2), LockModeType.PESSIMISTIC_WRITE,
          Map.of("jakarta.persistence.lock.timeout", LockOptions.NO_WAIT)));
      lock("skip locked", s -> s.find(Customer.class, customers.get(2), LockModeType.PESSIMISTIC_WRITE,
          Map.of("jakarta.persistence.lock.timeout", LockOptions.SKIP_LOCKED)));
      lock("lock timeout", s -> s.find(Customer.class, customers.get(2), LockModeType.PESSIMISTIC_WRITE,
          Map.of("jakarta.persistence.lock.timeout", 3000)));
      lock("query pessimistic write", s -> s.createQuery("from Customer c where c.vip = :v order by c.id", Customer.class)
          .setParameter("v", true).setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList());
      lock("query pessimistic read paged", s -> s.createQuery("from Product p where p.price > :p order by p.id", Product.class)
          .setParameter("p", BigDecimal.ONE).setLockMode(LockModeType.PESSIMISTIC_READ).setMaxResults(2).getResultList());
      lock("query join lock", s -> s.createQuery("select o from PurchaseOrder o join o.customer c where c.vip = true", PurchaseOrder.class)
          .setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList());
      lock("query skip locked", s -> s.createQuery("from Customer c where c.status = :s", Customer.class)
          .setParameter("s", Status.ACTIVE).setLockMode(LockModeType.PESSIMISTIC_WRITE)
          .setHint("jakarta.persistence.lock.timeout", LockOptions.SKIP_LOCKED).setMaxResults(1).getResultList());
      lock("query nowait", s -> s.createQuery("from Product p where p.id in :ids", Product.class)
          .setParameter("ids", products.subList(0, 2)).setLockMode(LockModeType.PESSIMISTIC_WRITE)
          .setHint("jakarta.persistence.lock.timeout", LockOptions.NO_WAIT).getResultList());
      lock("criteria lock", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaQuery<Customer> q = cb.createQuery(Customer.class);
        Root<Customer> c = q.from(Customer.class);
        q.where(cb.equal(c.get("id"), customers.get(3)));
        s.createQuery(q).setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
      });
      lock("hql lock alias", s -> s.createQuery("from Customer c join fetch c.orders where c.id = :id", Customer.class)
          .setParameter("id", customers.get(0)).setLockMode(LockModeType.PESSIMISTIC_READ).getResultList());
      op("em.lock", s -> {
        label = "read";
        Customer c = s.find(Customer.class, customers.get(1));
        Product p = s.find(Product.class, products.get(1));
        label = "locking";
        s.lock(c, LockModeType.PESSIMISTIC_WRITE);
        s.lock(p, LockModeType.PESSIMISTIC_READ);
        label = null;
      });
      op("refresh locked", s -> {
        label = "read";
        Customer c = s.find(Customer.class, customers.get(4));
        label = "locking";
        s.refresh(c, LockModeType.PESSIMISTIC_WRITE);
        label = null;
      });
    }

    void lock(String name, Consumer<Session> body) {
      op(name, s -> {
        label = "locking";
        body.accept(s);
        label = null;
      });
    }

    /** Runs {@code prepare} labelled read, then {@code write} labelled write, flushing inside the bracket. */
    void write(String name, Consumer<Session> body) {
      op(name, s -> {
        label = "write";
        body.accept(s);
        s.flush();
        label = null;
      });
    }

    void write(String name, java.util.function.Function<Session, Object> prepare, java.util.function.BiConsumer<Session, Object> body) {
      op(name, s -> {
        label = "read";
        Object loaded = prepare.apply(s);
        label = "write";
        body.accept(s, loaded);
        s.flush();
        label = null;
      });
    }

    void bulk(String hql, Consumer<org.hibernate.query.MutationQuery> params) {
      write(hql, s -> {
        org.hibernate.query.MutationQuery query = s.createMutationQuery(hql);
        params.accept(query);
        query.executeUpdate();
      });
    }

    void bulk(String hql) {
      bulk(hql, x -> {});
    }

    @SuppressWarnings("unchecked")
    void writes() {
      write("persist customer", s -> {
        Customer c = new Customer("new", "new@example.org", Status.ACTIVE, new Address("1 Rue", "Nice", "06000"), LocalDate.now(), false);
        c.tags.add("fresh");
        s.persist(c);
      });
      write("persist order with lines", s -> {
        PurchaseOrder o = new PurchaseOrder(s.getReference(Customer.class, customers.get(0)), LocalDateTime.now(), BigDecimal.ONE);
        o.lines.add(new OrderLine(o, s.getReference(Product.class, products.get(0)), 3, BigDecimal.ONE));
        o.products.add(s.getReference(Product.class, products.get(1)));
        s.persist(o);
      });
      write("persist product", s -> {
        Product p = new Product("sku-new-" + System.nanoTime(), "new product", BigDecimal.TEN, Category.GAME);
        p.attributes.put("k", "v");
        s.persist(p);
      });
      write("persist joined", s -> {
        CardPayment c = new CardPayment();
        c.amount = BigDecimal.ONE;
        c.cardLast4 = "0000";
        s.persist(c);
        BankPayment b = new BankPayment();
        b.amount = BigDecimal.TEN;
        s.persist(b);
      });
      write("persist single table", s -> {
        ExpressShipment e = new ExpressShipment();
        e.carrier = "FedEx";
        s.persist(e);
      });
      write("persist table per class", s -> {
        Receipt r = new Receipt();
        r.title = "new receipt";
        s.persist(r);
        Invoice i = new Invoice();
        i.title = "new invoice";
        s.persist(i);
      });
      write("merge transient", s -> {
        Product p = new Product("sku-merge-" + System.nanoTime(), "merged", BigDecimal.ONE, Category.BOOK);
        s.merge(p);
      });
      write("dirty update", s -> s.find(Customer.class, customers.get(0)), (s, o) -> {
        Customer c = (Customer) o;
        c.name = c.name + "!";
        c.address.city = "Bern";
      });
      write("update unversioned", s -> s.find(Product.class, products.get(2)), (s, o) -> ((Product) o).price = BigDecimal.valueOf(77));
      write("update joined", s -> s.find(CardPayment.class, payments.get(0)), (s, o) -> {
        ((CardPayment) o).cardLast4 = "9999";
        ((CardPayment) o).amount = BigDecimal.valueOf(3);
      });
      write("update single table", s -> s.find(Shipment.class, 1L), (s, o) -> ((Shipment) o).carrier = "GLS");
      write("update table per class", s -> s.find(Invoice.class, 1L), (s, o) -> ((Invoice) o).amount = BigDecimal.ONE);
      write("merge detached copy", s -> s.find(Customer.class, customers.get(1)), (s, o) -> {
        Customer detached = new Customer("merged name", "m@example.org", Status.SUSPENDED, new Address("x", "y", "z"), LocalDate.of(2021, 1, 1), true);
        detached.id = customers.get(1);
        detached.version = ((Customer) o).version;
        s.merge(detached);
      });
      write("element collection add/remove", s -> {
        Customer c = s.find(Customer.class, customers.get(2));
        c.tags.size();
        return c;
      }, (s, o) -> {
        ((Customer) o).tags.remove("common");
        ((Customer) o).tags.add("added");
      });
      write("element collection clear", s -> {
        Customer c = s.find(Customer.class, customers.get(3));
        c.tags.size();
        return c;
      }, (s, o) -> ((Customer) o).tags.clear());
      write("map collection change", s -> {
        Product p = s.find(Product.class, products.get(3));
        p.attributes.size();
        return p;
      }, (s, o) -> {
        ((Product) o).attributes.put("size", "XL");
        ((Product) o).attributes.remove("colour");
      });
      write("many-to-many change", s -> {
        PurchaseOrder p = s.find(PurchaseOrder.class, orders.get(2));
        p.products.size();
        s.find(Product.class, products.get(5));
        return p;
      }, (s, o) -> {
        PurchaseOrder p = (PurchaseOrder) o;
        p.products.clear();
        p.products.add(s.getReference(Product.class, products.get(5)));
      });
      write("orphan removal", s -> {
        PurchaseOrder p = s.find(PurchaseOrder.class, orders.get(3));
        p.lines.size();
        return p;
      }, (s, o) -> ((PurchaseOrder) o).lines.remove(0));
      write("optimistic force increment", s -> s.find(Customer.class, customers.get(4)),
          (s, o) -> s.lock(o, LockModeType.OPTIMISTIC_FORCE_INCREMENT));
      write("pessimistic force increment", s -> s.find(PurchaseOrder.class, orders.get(4)),
          (s, o) -> s.lock(o, LockModeType.PESSIMISTIC_FORCE_INCREMENT));
      write("remove shipment", s -> s.find(Shipment.class, 2L), (s, o) -> s.remove(o));
      write("remove payment", s -> s.find(Payment.class, payments.get(1)), (s, o) -> s.remove(o));
      write("remove receipt", s -> s.find(Receipt.class, 2L), (s, o) -> s.remove(o));
      write("remove order cascade", s -> {
        PurchaseOrder o = new PurchaseOrder(s.getReference(Customer.class, customers.get(1)), LocalDateTime.now(), BigDecimal.ONE);
        o.lines.add(new OrderLine(o, s.getReference(Product.class, products.get(0)), 3, BigDecimal.ONE));
        o.products.add(s.getReference(Product.class, products.get(1)));
        s.persist(o);
        s.flush();
        s.remove(o);
      });
      write("remove customer", s -> {
        Customer c = new Customer("gone", null, Status.CLOSED, null, null, false);
        s.persist(c);
        s.flush();
        s.remove(c);
      });
      bulk("update Customer c set c.vip = true where c.since < :d", x -> x.setParameter("d", LocalDate.of(2022, 1, 1)));
      bulk("update versioned Customer c set c.status = :s where c.id = :id", x -> x.setParameter("s", Status.ACTIVE).setParameter("id", customers.get(0)));
      bulk("update Product p set p.price = p.price * 1.1, p.active = false where p.category = :c", x -> x.setParameter("c", Category.BOOK));
      bulk("update Customer c set c.email = concat(c.name, '@example.com') where c.email is null");
      bulk("update PurchaseOrder o set o.total = (select sum(l.price * l.quantity) from OrderLine l where l.order = o)");
      bulk("delete from OrderLine l where l.quantity = 0");
      bulk("delete from Customer c where c.status = :s and c.orders is empty and c.tags is empty", x -> x.setParameter("s", Status.CLOSED));
      bulk("delete from Product p where p.name = 'nothing'");
      bulk("update CardPayment c set c.cardLast4 = '1111', c.amount = c.amount + 1 where c.amount > 1000");
      bulk("update Payment p set p.amount = 0 where p.amount < 0");
      bulk("delete from Payment p where p.amount < 0");
      bulk("delete from BankPayment b where b.iban = 'none'");
      bulk("update Shipment s set s.carrier = 'DPD' where type(s) = ExpressShipment and s.carrier = 'none'");
      bulk("delete from StandardShipment s where s.days > 100");
      bulk("update Document d set d.title = upper(d.title) where d.issued is null");
      bulk("delete from Document d where d.title = 'nothing'");
      bulk("update Invoice i set i.amount = 0 where i.amount is null");
      bulk("insert into Product (sku, name, price, category, active) values ('sku-hql-' || :n, 'hql', 1, :c, true)",
          x -> x.setParameter("n", String.valueOf(System.nanoTime())).setParameter("c", Category.MUSIC));
      bulk("insert into OrderLine (order, product, quantity, price) select l.order, l.product, 0, l.price from OrderLine l where l.quantity = 3");
      bulk("insert into Customer (name, email, status, since, vip, version) select 'copy ' || c.name, c.email, c.status, c.since, false, 0 from Customer c where c.id = :id",
          x -> x.setParameter("id", customers.get(0)));
      bulk("insert into Product (sku, name, price, category, active) values ('dup-sku', 'x', 1, 0, true) on conflict do nothing");
      bulk("insert into Product (id, sku, name, price, category, active) values (999999, 'dup-sku2', 'x', 1, 0, true) on conflict(id) do update set name = excluded.name");
      write("criteria update", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaUpdate<Product> u = cb.createCriteriaUpdate(Product.class);
        Root<Product> p = u.from(Product.class);
        u.set(p.<String>get("name"), "renamed").set(p.<Boolean>get("active"), true).where(cb.equal(p.get("sku"), "sku-5"));
        s.createMutationQuery(u).executeUpdate();
      });
      write("criteria delete", s -> {
        CriteriaBuilder cb = s.getCriteriaBuilder();
        CriteriaDelete<OrderLine> d = cb.createCriteriaDelete(OrderLine.class);
        Root<OrderLine> l = d.from(OrderLine.class);
        d.where(cb.lt(l.get("quantity"), 0));
        s.createMutationQuery(d).executeUpdate();
      });
      stateless("stateless insert/update/delete/upsert", s -> {
        Product p = new Product("sku-sl-" + System.nanoTime(), "stateless", BigDecimal.ONE, Category.BOOK);
        s.insert(p);
        p.name = "stateless 2";
        s.update(p);
        s.upsert(p);
        Product q = new Product("sku-up-" + System.nanoTime(), "upserted", BigDecimal.ONE, Category.BOOK);
        q.id = 555555L;
        s.upsert(q);
        s.delete(p);
        Customer c = new Customer("sl", "sl@x", Status.ACTIVE, new Address("a", "b", "c"), LocalDate.now(), true);
        s.insert(c);
        c.name = "sl2";
        s.update(c);
        s.delete(c);
      });
      write("batch inserts", s -> {
        for (int i = 0; i < 30; i++) {
          Customer c = new Customer("batch " + i, "b" + i + "@x", Status.ACTIVE, new Address("s", "c", "z"), LocalDate.now(), false);
          s.persist(c);
        }
      });
    }
  }
}
