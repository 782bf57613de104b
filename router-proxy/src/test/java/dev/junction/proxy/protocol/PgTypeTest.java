package dev.junction.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Types;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PgTypeTest {
  @Test
  void oidsAreThePgTypeValues() {
    assertThat(Arrays.stream(PgType.values()).mapToInt(PgType::oid)).containsExactly(
        16, 17, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1700, 2950, 3802);
    for (PgType t : PgType.values()) {
      assertThat(PgType.ofOid(t.oid())).isEqualTo(t);
      assertThat(PgType.ofName(t.typeName())).isEqualTo(t);
    }
    assertThat(PgType.ofOid(1007)).isNull();
  }

  @Test
  void namesAndAliasesAsDriversReportThem() {
    assertThat(PgType.ofName("INTEGER")).isEqualTo(PgType.INT4);
    assertThat(PgType.ofName("serial")).isEqualTo(PgType.INT4);
    assertThat(PgType.ofName("bigserial")).isEqualTo(PgType.INT8);
    assertThat(PgType.ofName(" timestamp with time zone ")).isEqualTo(PgType.TIMESTAMPTZ);
    assertThat(PgType.ofName("character varying")).isEqualTo(PgType.VARCHAR);
    assertThat(PgType.ofName("double precision")).isEqualTo(PgType.FLOAT8);
    assertThat(PgType.ofName("DATETIME")).isEqualTo(PgType.TIMESTAMP);
    assertThat(PgType.ofName("no_such_type")).isNull();
    assertThat(PgType.ofName(null)).isNull();
  }

  @Test
  void columnMappingPrefersTheNameThenTheJdbcType() {
    assertThat(PgType.forColumn(Types.BIT, "bool")).isEqualTo(PgType.BOOL); // pgjdbc reports bool as BIT
    assertThat(PgType.forColumn(Types.BIT, "bit")).isEqualTo(PgType.TEXT); // a real bit string
    assertThat(PgType.forColumn(Types.OTHER, "uuid")).isEqualTo(PgType.UUID);
    assertThat(PgType.forColumn(Types.OTHER, "jsonb")).isEqualTo(PgType.JSONB);
    assertThat(PgType.forColumn(Types.TIMESTAMP, "timestamptz")).isEqualTo(PgType.TIMESTAMPTZ);
    assertThat(PgType.forColumn(Types.VARCHAR, "citext")).isEqualTo(PgType.VARCHAR);
    assertThat(PgType.forColumn(Types.DECIMAL, "DECIMAL UNSIGNED")).isEqualTo(PgType.NUMERIC);
    assertThat(PgType.forColumn(Types.TINYINT, null)).isEqualTo(PgType.INT2);
    assertThat(PgType.forColumn(Types.ARRAY, "_int4")).isEqualTo(PgType.TEXT);
  }

  @Test
  void typlenAndJdbcTypes() {
    assertThat(PgType.INT8.typeSize()).isEqualTo(8);
    assertThat(PgType.UUID.typeSize()).isEqualTo(16);
    assertThat(PgType.NUMERIC.typeSize()).isEqualTo(-1);
    assertThat(PgType.JSONB.jdbcType()).isEqualTo(Types.OTHER);
    assertThat(PgType.TIMESTAMPTZ.jdbcType()).isEqualTo(Types.TIMESTAMP_WITH_TIMEZONE);
  }
}
