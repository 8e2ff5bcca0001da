package io.portcullis.ratelimit.impl;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Maps {@code REDIS_URL} to Vert.x {@link RedisOptions}. Vert.x itself only understands single-node
 * connection strings; Sentinel and Cluster need the node list and the client type, so we define one
 * URL form for each:
 *
 * <ul>
 *   <li>{@code redis://[user:password@]host[:6379][/db]}, {@code rediss://...}: {@link
 *       RedisClientType#STANDALONE}, passed to Vert.x as is;
 *   <li>{@code redis-sentinel://[user:password@]h1:26379,h2:26379/<master>}: {@link
 *       RedisClientType#SENTINEL}, role master, each sentinel an endpoint; credentials are those of
 *       the master ({@code rediss-sentinel://} for TLS);
 *   <li>{@code redis-cluster://[user:password@]h1:7000,h2:7001}: {@link RedisClientType#CLUSTER},
 *       each listed node a seed endpoint ({@code rediss-cluster://} for TLS). Cluster has no
 *       database number.
 * </ul>
 *
 * Errors name {@code REDIS_URL} but never echo the password.
 */
public final class RedisUrls {
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:\\d{1,5})?");

  private RedisUrls() {}

  /**
   * @throws IllegalArgumentException naming {@code REDIS_URL} and what is wrong
   */
  public static RedisOptions toOptions(String url) {
    int sep = url == null ? -1 : url.indexOf("://");
    if (sep <= 0) {
      throw bad(url, "expected redis://, rediss://, redis-sentinel:// or redis-cluster://");
    }
    String scheme = url.substring(0, sep).toLowerCase(Locale.ROOT);
    String rest = url.substring(sep + 3);
    switch (scheme) {
      case "redis", "rediss" -> {
        String authority = rest.split("[/?]", 2)[0];
        hosts(url, authority.substring(authority.lastIndexOf('@') + 1), 1);
        return new RedisOptions().setType(RedisClientType.STANDALONE).setConnectionString(url);
      }
      case "redis-sentinel", "rediss-sentinel" -> {
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) {
          throw bad(
              url, "a Sentinel URL names the master: redis-sentinel://h1:26379,h2:26379/mymaster");
        }
        String master = rest.substring(slash + 1);
        if (!master.matches("[A-Za-z0-9._-]+")) {
          throw bad(url, "bad master name after the node list");
        }
        RedisOptions options =
            nodes(url, scheme.startsWith("rediss") ? "rediss" : "redis", rest.substring(0, slash))
                .setType(RedisClientType.SENTINEL)
                .setRole(RedisRole.MASTER)
                .setMasterName(master);
        return options;
      }
      case "redis-cluster", "rediss-cluster" -> {
        String nodes = rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
        if (nodes.contains("/")) {
          throw bad(url, "a Cluster URL is a node list only: redis-cluster://h1:7000,h2:7001");
        }
        return nodes(url, scheme.startsWith("rediss") ? "rediss" : "redis", nodes)
            .setType(RedisClientType.CLUSTER);
      }
      default -> throw bad(url, "unknown scheme '" + scheme + "'");
    }
  }

  private static RedisOptions nodes(String url, String nodeScheme, String authority) {
    String userInfo = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
    }
    RedisOptions options = new RedisOptions();
    List<String> endpoints = new ArrayList<>();
    for (String host : hosts(url, authority, Integer.MAX_VALUE)) {
      endpoints.add(nodeScheme + "://" + (userInfo == null ? "" : userInfo + "@") + host);
    }
    options.setEndpoints(endpoints);
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? null : decode(userInfo.substring(0, colon));
      String password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
      if (user != null && !user.isEmpty()) {
        options.setUser(user);
      }
      options.setPassword(password);
    }
    return options;
  }

  private static List<String> hosts(String url, String authority, int max) {
    List<String> hosts = List.of(authority.split(",", -1));
    if (hosts.size() > max) {
      throw bad(url, "a standalone URL names one host");
    }
    for (String h : hosts) {
      var m = HOST_PORT.matcher(h);
      if (!m.matches()) {
        throw bad(url, "bad host '" + h + "'");
      }
      if (m.group(2) != null) {
        int port = Integer.parseInt(m.group(2).substring(1));
        if (port < 1 || port > 65535) {
          throw bad(url, "bad port in '" + h + "'");
        }
      }
    }
    return hosts;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** The URL with the password part of its user info replaced by {@code ***}. */
  public static String redact(String url) {
    if (url == null) {
      return "null";
    }
    int sep = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (sep < 0 || at < sep) {
      return url;
    }
    String userInfo = url.substring(sep + 3, at);
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? "" : userInfo.substring(0, colon);
    return url.substring(0, sep + 3) + user + ":***" + url.substring(at);
  }

  private static IllegalArgumentException bad(String url, String why) {
    return new IllegalArgumentException("REDIS_URL '" + redact(url) + "': " + why);
  }
}
