package dev.junction.spring;

/** One database server and its connection pool ({@code junction.shards[i].primary} or {@code .replicas[j]}). */
public class EndpointProperties {
  /** Endpoint name, unique within its shard. Default: primary, replica1, replica2, ... by position. */
  private String name;

  /** JDBC URL of this server, e.g. jdbc:postgresql://db1:5432/app. Required. */
  private String url;

  /** Database user name. */
  private String username;

  /** Database password. */
  private String password;

  /** Relative share of reads for the weighted replica selection. */
  private int weight = 1;

  /** The HikariCP pool Junction keeps for this server. */
  private PoolProperties pool = new PoolProperties();

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getUsername() {
    return username;
  }

  public void setUsername(String username) {
    this.username = username;
  }

  public String getPassword() {
    return password;
  }

  public void setPassword(String password) {
    this.password = password;
  }

  public int getWeight() {
    return weight;
  }

  public void setWeight(int weight) {
    this.weight = weight;
  }

  public PoolProperties getPool() {
    return pool;
  }

  public void setPool(PoolProperties pool) {
    this.pool = pool;
  }
}
