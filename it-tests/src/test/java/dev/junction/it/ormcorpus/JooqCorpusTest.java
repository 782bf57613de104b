package dev.junction.it.ormcorpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.*;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jooq.CommonTableExpression;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Record1;
import org.jooq.SQLDialect;
import org.jooq.Sequence;
import org.jooq.Table;
import org.jooq.conf.ParamType;
import org.jooq.conf.RenderKeywordCase;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;

/**
 * Generates the jOOQ part of the classifier corpus ({@code jooq-postgresql.tsv}, {@code jooq-mysql.tsv},
 * {@code jooq-mariadb.tsv}): renders a broad set of DSL queries for {@link SQLDialect#POSTGRES},
 * {@link SQLDialect#MYSQL} and {@link SQLDialect#MARIADB}, without a database, with {@code ?} binds and inlined, under render settings
 * that change the text (quoting, keyword case, formatting).
 *
 * <p><b>The label is the DSL verb</b>, never Junction's classifier: {@code select...} is a read,
 * {@code select...forUpdate()/forShare()/...} is locking, {@code insert/update/delete/merge/upsert/truncate}
 * and a sequence's {@code nextval} are writes, DDL is other. One exception, made by jOOQ rather than by the
 * verb: on MySQL/MariaDB jOOQ wraps GROUP_CONCAT-based queries in {@code SET @t = @@group_concat_max_len; ...}
 * session-variable statements by default; such a batch is labelled other (it changes session state).
 *
 * <p>Refresh the committed files (from the repository root):
 * <pre>
 * mvn -B -ntp -o -pl it-tests -am -Dtest=JooqCorpusTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Djunction.corpus.dir=$PWD/router-core/src/test/resources/classify/corpus test
 * </pre>
 */
class JooqCorpusTest {

  static final Table<?> CUSTOMERS = table(name("shop", "customers"));
  static final Table<?> ORDERS = table(name("shop", "orders"));
  static final Table<?> LINES = table(name("shop", "order_lines"));
  static final Table<?> PRODUCTS = table(name("shop", "products"));
  static final Table<?> C = CUSTOMERS.as("c");
  static final Table<?> O = ORDERS.as("o");
  static final Table<?> L = LINES.as("l");
  static final Table<?> P = PRODUCTS.as("p");
  static final Field<Long> C_ID = field(name("c", "id"), Long.class);
  static final Field<String> C_NAME = field(name("c", "name"), String.class);
  static final Field<String> C_EMAIL = field(name("c", "email"), String.class);
  static final Field<String> C_CITY = field(name("c", "city"), String.class);
  static final Field<Boolean> C_VIP = field(name("c", "vip"), Boolean.class);
  static final Field<LocalDate> C_SINCE = field(name("c", "since"), LocalDate.class);
  static final Field<Integer> C_VERSION = field(name("c", "version"), Integer.class);
  static final Field<Long> O_ID = field(name("o", "id"), Long.class);
  static final Field<Long> O_CUSTOMER = field(name("o", "customer_id"), Long.class);
  static final Field<BigDecimal> O_TOTAL = field(name("o", "total"), BigDecimal.class);
  static final Field<LocalDateTime> O_PLACED = field(name("o", "placed_at"), LocalDateTime.class);
  static final Field<String> O_STATUS = field(name("o", "status"), String.class);
  static final Field<Long> L_ORDER = field(name("l", "order_id"), Long.class);
  static final Field<Long> L_PRODUCT = field(name("l", "product_id"), Long.class);
  static final Field<Integer> L_QTY = field(name("l", "quantity"), Integer.class);
  static final Field<BigDecimal> L_PRICE = field(name("l", "price"), BigDecimal.class);
  static final Field<Long> P_ID = field(name("p", "id"), Long.class);
  static final Field<String> P_NAME = field(name("p", "name"), String.class);
  static final Field<BigDecimal> P_PRICE = field(name("p", "price"), BigDecimal.class);
  static final Field<String> P_SKU = field(name("p", "sku"), String.class);
  // Unqualified columns for INSERT/UPDATE targets.
  static final Field<Long> ID = field(name("id"), Long.class);
  static final Field<String> NAME = field(name("name"), String.class);
  static final Field<String> EMAIL = field(name("email"), String.class);
  static final Field<Boolean> VIP = field(name("vip"), Boolean.class);
  static final Field<Integer> VERSION = field(name("version"), Integer.class);
  static final Field<BigDecimal> TOTAL = field(name("total"), BigDecimal.class);
  static final Field<Long> CUSTOMER_ID = field(name("customer_id"), Long.class);
  static final Field<BigDecimal> PRICE = field(name("price"), BigDecimal.class);
  static final Field<String> SKU = field(name("sku"), String.class);
  static final Sequence<Long> SEQ = sequence(name("shop", "customer_seq"), SQLDataType.BIGINT);

  record Labelled(String label, Query query) {}

  static final java.util.regex.Pattern SESSION_WRAPPER = java.util.regex.Pattern.compile(
      "set @t = @@group_concat_max_len;", java.util.regex.Pattern.CASE_INSENSITIVE);

  static List<Labelled> queries(DSLContext ctx, SQLDialect dialect) {
    boolean pg = dialect == SQLDialect.POSTGRES;
    boolean sequences = dialect != SQLDialect.MYSQL; // MySQL has none (jOOQ does not support them there)
    List<Labelled> q = new ArrayList<>();
    Function<Query, Labelled> read = x -> new Labelled("read", x);
    Function<Query, Labelled> lock = x -> new Labelled("locking", x);
    Function<Query, Labelled> write = x -> new Labelled("write", x);
    Function<Query, Labelled> other = x -> new Labelled("other", x);
    Condition active = C_VIP.isTrue().and(C_SINCE.lt(LocalDate.of(2024, 1, 1)));

    // Reads: select, joins, filters, aggregates, windows, set operations, CTEs, pagination.
    q.add(read.apply(ctx.selectFrom(C).where(C_ID.eq(1L))));
    q.add(read.apply(ctx.select(C_ID, C_NAME).from(C).where(active).orderBy(C_NAME.asc(), C_ID.desc())));
    q.add(read.apply(ctx.select(C_ID, C_NAME).from(C).where(C_NAME.like("cust%")).limit(10)));
    q.add(read.apply(ctx.select(C_ID, C_NAME).from(C).orderBy(C_ID).limit(10).offset(20)));
    q.add(read.apply(ctx.select(C_ID).from(C).orderBy(C_ID).seek(100L).limit(25)));
    q.add(read.apply(ctx.select(C_ID).from(C).orderBy(C_SINCE).limit(5).withTies()));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_EMAIL.contains("example"))));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_EMAIL.containsIgnoreCase("Example"))));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_NAME.startsWith("a").or(C_NAME.endsWith("z")))));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_NAME.likeIgnoreCase("%A%"))));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_NAME.like(concat(inline("%"), val("x"), inline("%"))))));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_NAME.like(val("%x%")).escape('!'))));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_NAME.likeRegex("^c[0-9]+"))));
    q.add(read.apply(ctx.select(C_NAME).from(C).where(C_NAME.similarTo("c%"))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_ID.in(1L, 2L, 3L))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_ID.notIn(4L, 5L)).and(C_EMAIL.isNotNull())));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_ID.between(1L, 10L))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(row(C_NAME, C_CITY).in(row("a", "Oslo"), row("b", "Lyon")))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(row(C_NAME, C_CITY).eq("a", "Oslo"))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(row(C_ID, C_SINCE).gt(5L, LocalDate.of(2020, 1, 1)))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_EMAIL.isDistinctFrom("x"))));
    q.add(read.apply(ctx.selectCount().from(C).where(C_VIP.isTrue())));
    q.add(read.apply(ctx.select(countDistinct(C_CITY)).from(C)));
    q.add(read.apply(ctx.select(field(exists(selectOne().from(O).where(O_CUSTOMER.eq(C_ID))))).from(C)));
    q.add(read.apply(ctx.selectOne().whereExists(selectOne().from(C).where(C_ID.eq(7L)))));
    q.add(read.apply(ctx.select(C_NAME).from(C).whereNotExists(selectOne().from(O).where(O_CUSTOMER.eq(C_ID)))));
    q.add(read.apply(ctx.select(C_NAME, O_TOTAL).from(C).join(O).on(O_CUSTOMER.eq(C_ID)).where(O_TOTAL.gt(BigDecimal.TEN))));
    q.add(read.apply(ctx.select(C_NAME, O_TOTAL).from(C).leftJoin(O).on(O_CUSTOMER.eq(C_ID)).leftJoin(L).on(L_ORDER.eq(O_ID))
        .join(P).on(P_ID.eq(L_PRODUCT)).where(P_PRICE.ge(BigDecimal.ONE))));
    q.add(read.apply(ctx.select(C_NAME).from(C).crossJoin(P).where(P_NAME.eq(C_NAME))));
    q.add(read.apply(ctx.select(C_NAME).from(C).leftSemiJoin(O).on(O_CUSTOMER.eq(C_ID))));
    q.add(read.apply(ctx.select(C_NAME).from(C).leftAntiJoin(O).on(O_CUSTOMER.eq(C_ID))));
    q.add(read.apply(ctx.select(C_NAME, sum(O_TOTAL), count()).from(C).join(O).on(O_CUSTOMER.eq(C_ID)).groupBy(C_NAME)
        .having(sum(O_TOTAL).gt(BigDecimal.valueOf(100))).orderBy(sum(O_TOTAL).desc())));
    q.add(read.apply(ctx.select(C_CITY, avg(O_TOTAL), min(O_TOTAL), max(O_PLACED)).from(C).join(O).on(O_CUSTOMER.eq(C_ID)).groupBy(C_CITY)));
    q.add(read.apply(ctx.select(C_CITY, C_VIP, count()).from(C).groupBy(rollup(C_CITY, C_VIP))));
    q.add(read.apply(ctx.select(C_NAME, rowNumber().over(partitionBy(C_CITY).orderBy(C_SINCE))).from(C)));
    q.add(read.apply(ctx.select(O_ID, sum(O_TOTAL).over(orderBy(O_PLACED).rowsBetweenUnboundedPreceding().andCurrentRow())).from(O)));
    q.add(read.apply(ctx.select(O_ID, rank().over(partitionBy(O_CUSTOMER).orderBy(O_TOTAL.desc())), lag(O_TOTAL).over(orderBy(O_ID)),
        ntile(4).over(orderBy(O_TOTAL)), firstValue(O_TOTAL).over(partitionBy(O_CUSTOMER).orderBy(O_PLACED))).from(O)));
    q.add(read.apply(ctx.select(C_NAME).from(C).union(select(P_NAME).from(P))));
    q.add(read.apply(ctx.select(C_NAME).from(C).unionAll(select(P_NAME).from(P)).orderBy(1).limit(5)));
    q.add(read.apply(ctx.select(C_ID).from(C).intersect(select(O_CUSTOMER).from(O))));
    q.add(read.apply(ctx.select(C_ID).from(C).except(select(O_CUSTOMER).from(O))));
    CommonTableExpression<Record1<BigDecimal>> big = name("big").fields("total").as(select(O_TOTAL).from(O).where(O_TOTAL.gt(BigDecimal.TEN)));
    q.add(read.apply(ctx.with(big).select(big.field(0)).from(big)));
    q.add(read.apply(ctx.withRecursive(name("n").fields("i").as(select(inline(1)).unionAll(select(field(name("i"), Integer.class).plus(1))
        .from(table(name("n"))).where(field(name("i"), Integer.class).lt(10))))).select().from(table(name("n")))));
    q.add(read.apply(ctx.select(C_NAME, field(select(max(O_TOTAL)).from(O).where(O_CUSTOMER.eq(C_ID)))).from(C)));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_ID.eq(select(max(field(name("c2", "id"), Long.class))).from(CUSTOMERS.as("c2"))))));
    q.add(read.apply(ctx.select(O_ID).from(O).where(O_TOTAL.gt(any(select(L_PRICE).from(L))))));
    q.add(read.apply(ctx.select(O_ID).from(O).where(O_TOTAL.ge(all(select(L_PRICE).from(L))))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_ID.in(select(O_CUSTOMER).from(O).where(O_TOTAL.gt(BigDecimal.ONE))))));
    q.add(read.apply(ctx.select(field(name("t", "x"))).from(select(C_ID.as("x")).from(C).asTable("t"))));
    q.add(read.apply(ctx.select().from(values(row(1, "a"), row(2, "b")).as("v", "n", "s"))));
    q.add(read.apply(ctx.select(C_NAME, when(C_VIP.isTrue(), "gold").when(C_SINCE.lt(LocalDate.of(2020, 1, 1)), "old").otherwise("std")).from(C)));
    q.add(read.apply(ctx.select(C_NAME, choose(C_CITY).when("Oslo", 1).when("Lyon", 2).otherwise(0)).from(C)));
    q.add(read.apply(ctx.select(upper(C_NAME), lower(C_EMAIL), length(C_NAME), substring(C_NAME, 2, 3), trim(C_NAME), ltrim(C_NAME),
        concat(C_NAME, inline("-"), C_EMAIL), left(C_NAME, 3), right(C_NAME, 2), replace(C_NAME, " ", "_"), repeat("x", 3),
        lpad(C_NAME, 10, "*"), position(C_NAME, "o"), reverse(C_NAME), md5(C_NAME)).from(C)));
    q.add(read.apply(ctx.select(abs(O_TOTAL), sign(O_TOTAL), round(O_TOTAL, 2), floor(O_TOTAL), ceil(O_TOTAL), trunc(O_TOTAL, 1),
        sqrt(O_TOTAL), power(O_TOTAL, 2), O_ID.mod(2L), greatest(O_TOTAL, BigDecimal.ONE), least(O_TOTAL, BigDecimal.TEN),
        O_TOTAL.mul(2).plus(1), O_TOTAL.neg(), ln(O_TOTAL), exp(inline(1))).from(O)));
    q.add(read.apply(ctx.select(currentDate(), currentTimestamp(), currentLocalDateTime(), extract(O_PLACED, org.jooq.DatePart.YEAR),
        year(O_PLACED), month(O_PLACED), localDateAdd(C_SINCE, 1, org.jooq.DatePart.DAY), localDateDiff(currentLocalDate(), C_SINCE),
        trunc(O_PLACED, org.jooq.DatePart.MONTH)).from(C).join(O).on(O_CUSTOMER.eq(C_ID))));
    q.add(read.apply(ctx.select(cast(C_ID, SQLDataType.VARCHAR(20)), cast(val("2024-01-01"), SQLDataType.LOCALDATE),
        C_ID.cast(SQLDataType.INTEGER), coalesce(C_EMAIL, C_NAME, inline("?")), nullif(C_NAME, inline("")), isnull(C_EMAIL, "none"),
        C_EMAIL.isNull(), inline("it's"), val("it's")).from(C)));
    q.add(read.apply(ctx.select(C_NAME, listAgg(C_NAME, ", ").withinGroupOrderBy(C_NAME)).from(C).groupBy(C_NAME)));
    q.add(read.apply(ctx.select(C_CITY, count().filterWhere(C_VIP.isTrue()), every(C_VIP), boolOr(C_VIP)).from(C).groupBy(C_CITY)));
    q.add(read.apply(ctx.select(percentileCont(0.5).withinGroupOrderBy(O_TOTAL), stddevSamp(O_TOTAL), varSamp(O_TOTAL)).from(O)));
    q.add(read.apply(ctx.select(jsonObject(key("id").value(C_ID), key("name").value(C_NAME))).from(C)));
    q.add(read.apply(ctx.select(jsonArrayAgg(C_NAME)).from(C)));
    q.add(read.apply(ctx.select(C_NAME, multiset(select(O_ID, O_TOTAL).from(O).where(O_CUSTOMER.eq(C_ID))).as("orders")).from(C)));
    q.add(read.apply(ctx.select(C_NAME, row(C_ID, C_EMAIL).as("r")).from(C)));
    q.add(read.apply(ctx.selectDistinct(C_CITY).from(C).orderBy(C_CITY.desc().nullsLast())));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_NAME.eq(val((String) null)).or(C_NAME.ne("x")))));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_SINCE.gt(LocalDate.of(2020, 2, 3))).and(O_PLACED.isNull().not())));
    q.add(read.apply(ctx.select(C_ID).from(C).where(C_EMAIL.in(ctx.select(EMAIL).from(table(name("shop", "blocked")))))));
    q.add(read.apply(ctx.select(inline(1))));
    q.add(read.apply(ctx.select(C_NAME, field(name("x", "n"))).from(C,
        lateral(select(count().as("n")).from(O).where(O_CUSTOMER.eq(C_ID))).as("x"))));
    if (pg) {
      q.add(read.apply(ctx.selectDistinct(C_CITY, C_NAME).on(C_CITY).from(C).orderBy(C_CITY, C_SINCE.desc())));
      q.add(read.apply(ctx.select(C_ID).from(C).where(C_ID.eq(any(new Long[] {1L, 2L})))));
      q.add(read.apply(ctx.select(arrayAgg(C_NAME).orderBy(C_NAME)).from(C)));
      q.add(read.apply(ctx.select().from(generateSeries(1, 10))));
      q.add(read.apply(ctx.select(C_CITY, count()).from(C).groupBy(cube(C_CITY, C_VIP))));
      q.add(read.apply(ctx.select(C_CITY).from(C).groupBy(groupingSets(new Field[] {C_CITY}, new Field[] {C_VIP}))));
      q.add(read.apply(ctx.select(field("{0} @> {1}", Boolean.class, field(name("c", "tags")), val(new String[] {"a"}))).from(C)));
    } else {
      q.add(read.apply(ctx.select(groupConcat(C_NAME).orderBy(C_NAME).separator(";")).from(C)));
      q.add(read.apply(ctx.select(C_ID).from(C).where(C_NAME.like("a%")).orderBy(C_ID).limit(2, 10)));
    }

    // Locking reads.
    q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forUpdate()));
    q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forUpdate().noWait()));
    q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forUpdate().skipLocked()));
    q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forUpdate().wait(5)));
    q.add(lock.apply(ctx.select(C_ID).from(C).orderBy(C_ID).limit(1).forUpdate().skipLocked()));
    q.add(lock.apply(ctx.select(C_ID, O_ID).from(C).join(O).on(O_CUSTOMER.eq(C_ID)).forUpdate().of(C_ID)));
    q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forShare()));
    q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forShare().noWait()));
    q.add(lock.apply(ctx.with(big).select(big.field(0)).from(big).forUpdate()));
    q.add(lock.apply(ctx.select(C_ID).from(C).where(C_ID.in(select(O_CUSTOMER).from(O))).forUpdate()));
    if (pg) {
      q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forNoKeyUpdate()));
      q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forKeyShare()));
      q.add(lock.apply(ctx.selectFrom(C).where(C_ID.eq(1L)).forNoKeyUpdate().skipLocked()));
      q.add(lock.apply(ctx.select(C_ID).from(C).forShare().of(C)));
    }

    // Writes.
    Table<?> customers = CUSTOMERS;
    q.add(write.apply(ctx.insertInto(customers, NAME, EMAIL, VIP).values("a", "a@x", true)));
    q.add(write.apply(ctx.insertInto(customers, NAME, EMAIL, VIP).values("a", "a@x", true).values("b", "b@x", false)));
    q.add(write.apply(ctx.insertInto(customers).set(NAME, "c").set(VIP, false)));
    q.add(write.apply(ctx.insertInto(customers).defaultValues()));
    q.add(write.apply(ctx.insertInto(customers, NAME, EMAIL).select(select(P_NAME, P_SKU).from(P).where(P_PRICE.gt(BigDecimal.TEN)))));
    q.add(write.apply(ctx.insertInto(customers, ID, NAME).values(1L, "x").onConflict(ID).doUpdate().set(NAME, excluded(NAME))));
    q.add(write.apply(ctx.insertInto(customers, ID, NAME).values(1L, "x").onConflictDoNothing()));
    q.add(write.apply(ctx.insertInto(customers, ID, NAME).values(1L, "x").onDuplicateKeyUpdate().set(NAME, "y")));
    q.add(write.apply(ctx.insertInto(customers, ID, NAME).values(1L, "x").onDuplicateKeyIgnore()));
    q.add(write.apply(ctx.insertInto(customers, NAME).values("r").returning(ID)));
    q.add(write.apply(ctx.update(customers).set(NAME, "n").where(ID.eq(1L))));
    q.add(write.apply(ctx.update(customers).set(VERSION, VERSION.plus(1)).set(NAME, "n").where(ID.eq(1L)).and(VERSION.eq(3))));
    q.add(write.apply(ctx.update(customers).set(row(NAME, EMAIL), row(val("a"), val("b"))).where(ID.eq(2L))));
    q.add(write.apply(ctx.update(customers).set(VIP, true).where(ID.in(select(O_CUSTOMER).from(O).where(O_TOTAL.gt(BigDecimal.TEN))))));
    q.add(write.apply(ctx.update(customers).set(EMAIL, concat(NAME, inline("@example.org"))).where(EMAIL.isNull())));
    q.add(write.apply(ctx.update(ORDERS).set(TOTAL, field(select(sum(L_PRICE.mul(L_QTY))).from(L).where(L_ORDER.eq(field(name("orders", "id"), Long.class))))))
    );
    q.add(write.apply(ctx.deleteFrom(customers).where(ID.eq(1L))));
    q.add(write.apply(ctx.deleteFrom(customers).where(ID.notIn(select(O_CUSTOMER).from(O)))));
    q.add(write.apply(ctx.deleteFrom(customers)));
    q.add(write.apply(ctx.mergeInto(customers).using(select(P_ID.as("id"), P_NAME.as("name")).from(P)).on(ID.eq(field(name("t", "id"), Long.class)))
        .whenMatchedThenUpdate().set(NAME, field(name("t", "name"), String.class))
        .whenNotMatchedThenInsert(ID, NAME).values(field(name("t", "id"), Long.class), field(name("t", "name"), String.class))));
    q.add(write.apply(ctx.mergeInto(customers).using(selectOne()).on(ID.eq(5L)).whenMatchedThenUpdate().set(NAME, "m")
        .whenNotMatchedThenInsert(ID, NAME).values(5L, "m")));
    q.add(write.apply(ctx.truncate(customers)));
    q.add(write.apply(ctx.with(big).insertInto(customers, NAME).select(select(big.field(0).cast(SQLDataType.VARCHAR)).from(big))));
    if (sequences) {
      q.add(write.apply(ctx.insertInto(customers, ID, NAME).values(SEQ.nextval(), val("s"))));
      q.add(write.apply(ctx.select(SEQ.nextval())));
      q.add(other.apply(ctx.select(SEQ.currval()))); // the session's last value: session state, not a read
    }
    if (pg) {
      q.add(write.apply(ctx.update(customers).set(VIP, true).from(O).where(CUSTOMER_ID.eq(ID)).and(O_TOTAL.gt(BigDecimal.TEN))));
      q.add(write.apply(ctx.update(customers).set(NAME, "n").where(ID.eq(1L)).returning(ID, NAME)));
      q.add(write.apply(ctx.deleteFrom(customers).using(O).where(O_CUSTOMER.eq(ID)).returning()));
      q.add(write.apply(ctx.insertInto(customers, ID, NAME).values(1L, "x").onConflictOnConstraint(name("customers_pkey")).doNothing()));
      q.add(write.apply(ctx.insertInto(customers, ID, NAME).values(1L, "x").onConflict(ID).doUpdate().set(NAME, "z")
          .where(field(name("customers", "name"), String.class).ne("z")).returning()));
    } else {
      q.add(write.apply(ctx.update(customers).set(NAME, "n").where(VIP.isTrue()).orderBy(ID).limit(10)));
      q.add(write.apply(ctx.deleteFrom(customers).where(VIP.isFalse()).orderBy(ID.desc()).limit(5)));
      q.add(write.apply(ctx.update(C.join(O).on(O_CUSTOMER.eq(C_ID))).set(C_VIP, true).where(O_TOTAL.gt(BigDecimal.TEN))));
    }

    // Other: DDL and the session's identity value.
    q.add(other.apply(ctx.createTable(name("shop", "t1")).column("id", SQLDataType.BIGINT.identity(true))
        .column("name", SQLDataType.VARCHAR(40).nullable(false)).primaryKey("id")));
    q.add(other.apply(ctx.alterTable(name("shop", "t1")).addColumn("note", SQLDataType.CLOB)));
    q.add(other.apply(ctx.createIndex("t1_name").on(table(name("shop", "t1")), field(name("name")))));
    q.add(other.apply(ctx.dropTableIfExists(name("shop", "t1"))));
    q.add(other.apply(ctx.createSequenceIfNotExists(name("shop", "s1"))));
    return q;
  }

  @Test
  void rendersCorpus() throws Exception {
    Map<String, SQLDialect> files = Map.of(
        "jooq-postgresql.tsv", SQLDialect.POSTGRES,
        "jooq-mysql.tsv", SQLDialect.MYSQL,
        "jooq-mariadb.tsv", SQLDialect.MARIADB);
    List<Settings> settings = List.of(
        new Settings(),
        new Settings().withRenderQuotedNames(RenderQuotedNames.NEVER),
        new Settings().withRenderKeywordCase(RenderKeywordCase.UPPER).withRenderFormatted(true),
        new Settings().withRenderSchema(false).withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
            .withRenderGroupConcatMaxLenSessionVariable(false));
    for (String fileName : List.of("jooq-postgresql.tsv", "jooq-mysql.tsv", "jooq-mariadb.tsv")) {
      CorpusFile file = new CorpusFile(fileName);
      int failed = 0;
      int sessionWrapped = 0;
      SQLDialect dialect = files.get(fileName);
      {
        for (Settings s : settings) {
          DSLContext ctx = using(dialect, s.withExecuteLogging(false).withRenderCatalog(false));
          for (Labelled l : queries(ctx, dialect)) {
            for (ParamType type : List.of(ParamType.INDEXED, ParamType.INLINED)) {
              try {
                String sql = ctx.renderContext().paramType(type).visit(l.query()).render();
                if (SESSION_WRAPPER.matcher(sql).lookingAt()) {
                  // jOOQ's GROUP_CONCAT emulation on MySQL/MariaDB (Settings.renderGroupConcatMaxLenSessionVariable,
                  // on by default) wraps the query in SET statements on session variables: a batch that changes
                  // session state, whatever the verb. Labelled other; the last settings render it without.
                  sessionWrapped++;
                  file.add("other", sql);
                } else {
                  file.add(l.label(), sql);
                }
              } catch (RuntimeException e) {
                failed++;
                System.out.println("render failed for " + dialect + ": " + e);
              }
            }
          }
        }
      }
      System.out.println(fileName + ": render failures " + failed + "; session-variable batches " + sessionWrapped
          + "; conflicts " + file.conflicts());
      file.write();
      assertThat(file.conflicts()).isEmpty();
      assertThat(failed).as("render failures").isZero();
      assertThat(file.counts().get("read")).isGreaterThan(100);
    }
  }
}
