package io.portcullis.ratelimit.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import org.junit.jupiter.api.Test;

class RedisUrlsTest {

  @Test
  void standaloneIsPassedThrough() {
    RedisOptions o = RedisUrls.toOptions("redis://user:pw@cache:6380/2");
    assertThat(o.getType()).isEqualTo(RedisClientType.STANDALONE);
    assertThat(o.getEndpoints()).containsExactly("redis://user:pw@cache:6380/2");
    assertThat(RedisUrls.toOptions("rediss://cache").getEndpoints())
        .containsExactly("rediss://cache");
  }

  @Test
  void sentinelListsTheSentinelsAndNamesTheMaster() {
    RedisOptions o = RedisUrls.toOptions("redis-sentinel://:pw@h1:26379,h2:26380/mymaster");
    assertThat(o.getType()).isEqualTo(RedisClientType.SENTINEL);
    assertThat(o.getRole()).isEqualTo(RedisRole.MASTER);
    assertThat(o.getMasterName()).isEqualTo("mymaster");
    assertThat(o.getEndpoints()).containsExactly("redis://:pw@h1:26379", "redis://:pw@h2:26380");
    assertThat(o.getPassword()).isEqualTo("pw");
  }

  @Test
  void clusterListsTheSeedNodes() {
    RedisOptions o = RedisUrls.toOptions("rediss-cluster://h1:7000,h2:7001,[::1]:7002");
    assertThat(o.getType()).isEqualTo(RedisClientType.CLUSTER);
    assertThat(o.getEndpoints())
        .containsExactly("rediss://h1:7000", "rediss://h2:7001", "rediss://[::1]:7002");
  }

  @Test
  void malformedUrlsAreRejectedWithoutThePassword() {
    assertThatThrownBy(() -> RedisUrls.toOptions("redis-sentinel://h1:26379"))
        .hasMessageContaining("names the master");
    assertThatThrownBy(() -> RedisUrls.toOptions("redis-cluster://h1:7000/0"))
        .hasMessageContaining("node list only");
    assertThatThrownBy(() -> RedisUrls.toOptions("redis://a,b")).hasMessageContaining("one host");
    assertThatThrownBy(() -> RedisUrls.toOptions("redis-cluster://u:topsecret@h1:99999"))
        .hasMessageContaining("bad port")
        .message()
        .doesNotContain("topsecret");
    assertThatThrownBy(() -> RedisUrls.toOptions("localhost:6379"))
        .hasMessageStartingWith("REDIS_URL");
  }
}
