package dev.junction.it.ormcorpus;

import jakarta.persistence.CascadeType;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.DiscriminatorColumn;
import jakarta.persistence.DiscriminatorValue;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.JoinTable;
import jakarta.persistence.ManyToMany;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.MapKeyColumn;
import jakarta.persistence.OneToMany;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hibernate.annotations.Formula;
import org.hibernate.annotations.NaturalId;

/**
 * A small shop model that exercises what changes Hibernate's SQL: the three inheritance strategies,
 * an embeddable, element collections (a set and a map), many-to-many, {@code @Version}, enums stored as
 * strings and ordinals, a natural id, a {@code @Formula} subquery, sequence and identity ids.
 */
final class OrmModel {
  private OrmModel() {}

  static final List<Class<?>> ENTITIES = List.of(Customer.class, PurchaseOrder.class, OrderLine.class, Product.class,
      Payment.class, CardPayment.class, BankPayment.class, Shipment.class, StandardShipment.class,
      ExpressShipment.class, Document.class, Invoice.class, Receipt.class);

  enum Status { ACTIVE, SUSPENDED, CLOSED }

  enum Category { BOOK, MUSIC, GAME }

  @Embeddable
  public static class Address {
    String street;
    String city;
    String zip;

    public Address() {}

    Address(String street, String city, String zip) {
      this.street = street;
      this.city = city;
      this.zip = zip;
    }
  }

  @Entity(name = "Customer")
  @Table(name = "customers")
  public static class Customer {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "customer_seq")
    @SequenceGenerator(name = "customer_seq", sequenceName = "customer_seq", allocationSize = 1)
    Long id;
    @Version
    int version;
    String name;
    String email;
    @Enumerated(EnumType.STRING)
    Status status;
    @Embedded
    Address address;
    LocalDate since;
    boolean vip;
    @ElementCollection
    @CollectionTable(name = "customer_tags", joinColumns = @JoinColumn(name = "customer_id"))
    @Column(name = "tag")
    Set<String> tags = new HashSet<>();
    @OneToMany(mappedBy = "customer")
    List<PurchaseOrder> orders = new ArrayList<>();
    @Formula("(select count(*) from orders o where o.customer_id = id)")
    Integer orderCount;

    public Customer() {}

    Customer(String name, String email, Status status, Address address, LocalDate since, boolean vip) {
      this.name = name;
      this.email = email;
      this.status = status;
      this.address = address;
      this.since = since;
      this.vip = vip;
    }
  }

  @Entity(name = "PurchaseOrder")
  @Table(name = "orders")
  public static class PurchaseOrder {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;
    @Version
    Long version;
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "customer_id")
    Customer customer;
    LocalDateTime placedAt;
    BigDecimal total;
    @ManyToMany
    @JoinTable(name = "order_products", joinColumns = @JoinColumn(name = "order_id"),
        inverseJoinColumns = @JoinColumn(name = "product_id"))
    Set<Product> products = new HashSet<>();
    @OneToMany(mappedBy = "order", cascade = CascadeType.ALL, orphanRemoval = true)
    List<OrderLine> lines = new ArrayList<>();

    public PurchaseOrder() {}

    PurchaseOrder(Customer customer, LocalDateTime placedAt, BigDecimal total) {
      this.customer = customer;
      this.placedAt = placedAt;
      this.total = total;
    }
  }

  @Entity(name = "OrderLine")
  @Table(name = "order_lines")
  public static class OrderLine {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "line_seq")
    @SequenceGenerator(name = "line_seq", sequenceName = "line_seq", allocationSize = 20)
    Long id;
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "order_id")
    PurchaseOrder order;
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "product_id")
    Product product;
    int quantity;
    BigDecimal price;

    public OrderLine() {}

    OrderLine(PurchaseOrder order, Product product, int quantity, BigDecimal price) {
      this.order = order;
      this.product = product;
      this.quantity = quantity;
      this.price = price;
    }
  }

  @Entity(name = "Product")
  @Table(name = "products")
  public static class Product {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "product_seq")
    @SequenceGenerator(name = "product_seq", sequenceName = "product_seq", allocationSize = 50)
    Long id;
    @NaturalId
    String sku;
    String name;
    BigDecimal price;
    @Enumerated(EnumType.ORDINAL)
    Category category;
    boolean active;
    @ElementCollection
    @CollectionTable(name = "product_attributes", joinColumns = @JoinColumn(name = "product_id"))
    @MapKeyColumn(name = "attr_key")
    @Column(name = "attr_value")
    Map<String, String> attributes = new HashMap<>();

    public Product() {}

    Product(String sku, String name, BigDecimal price, Category category) {
      this.sku = sku;
      this.name = name;
      this.price = price;
      this.category = category;
      this.active = true;
    }
  }

  @Entity(name = "Payment")
  @Table(name = "payments")
  @Inheritance(strategy = InheritanceType.JOINED)
  public abstract static class Payment {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "payment_seq")
    @SequenceGenerator(name = "payment_seq", sequenceName = "payment_seq", allocationSize = 1)
    Long id;
    BigDecimal amount;
    Instant paidAt;
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "order_id")
    PurchaseOrder order;
  }

  @Entity(name = "CardPayment")
  @Table(name = "card_payments")
  public static class CardPayment extends Payment {
    String cardLast4;
  }

  @Entity(name = "BankPayment")
  @Table(name = "bank_payments")
  public static class BankPayment extends Payment {
    String iban;
  }

  @Entity(name = "Shipment")
  @Table(name = "shipments")
  @Inheritance(strategy = InheritanceType.SINGLE_TABLE)
  @DiscriminatorColumn(name = "kind")
  public abstract static class Shipment {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "shipment_seq")
    @SequenceGenerator(name = "shipment_seq", sequenceName = "shipment_seq", allocationSize = 1)
    Long id;
    String carrier;
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "order_id")
    PurchaseOrder order;
  }

  @Entity(name = "StandardShipment")
  @DiscriminatorValue("STD")
  public static class StandardShipment extends Shipment {
    Integer days;
  }

  @Entity(name = "ExpressShipment")
  @DiscriminatorValue("EXP")
  public static class ExpressShipment extends Shipment {
    BigDecimal surcharge;
  }

  @Entity(name = "Document")
  @Inheritance(strategy = InheritanceType.TABLE_PER_CLASS)
  public abstract static class Document {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "document_seq")
    @SequenceGenerator(name = "document_seq", sequenceName = "document_seq", allocationSize = 1)
    Long id;
    String title;
    LocalDate issued;
  }

  @Entity(name = "Invoice")
  @Table(name = "invoices")
  public static class Invoice extends Document {
    BigDecimal amount;
  }

  @Entity(name = "Receipt")
  @Table(name = "receipts")
  public static class Receipt extends Document {
    String method;
  }
}
