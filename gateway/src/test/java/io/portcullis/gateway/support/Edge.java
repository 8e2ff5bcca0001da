package io.portcullis.gateway.support;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.Gateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/**
 * A client of one running gateway from the outside: requests through its proxy listener with a
 * bearer token, admin calls on its admin listener with an admin secret. Test threads only.
 */
public final class Edge implements AutoCloseable {
  private final WebClient web;
  private final Gateway gateway;
  private final String adminSecret;

  public Edge(Vertx vertx, Gateway gateway, String adminSecret) {
    this.web = WebClient.create(vertx);
    this.gateway = gateway;
    this.adminSecret = adminSecret;
  }

  /** GET {@code path} on the proxy listener with {@code Authorization: Bearer token}. */
  public HttpResponse<Buffer> get(String path, String token) {
    return await(
        web.get(gateway.proxyPort(), "127.0.0.1", path)
            .putHeader("Authorization", "Bearer " + token)
            .send());
  }

  /** An admin API call ({@code path} below /admin/v1) with the admin secret; body may be null. */
  public HttpResponse<Buffer> admin(HttpMethod method, String path, JsonObject body) {
    var req =
        web.request(method, gateway.adminPort(), "127.0.0.1", "/admin/v1" + path)
            .putHeader("Authorization", "Bearer " + adminSecret);
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  /** GET on the admin listener outside the admin API ({@code /readyz}, {@code /metrics}). */
  public HttpResponse<Buffer> adminListener(String path) {
    return await(web.get(gateway.adminPort(), "127.0.0.1", path).send());
  }

  /** The audit export (JSON) for {@code query} (e.g. {@code action=tenant.resumed&org=acme}). */
  public JsonArray audit(String query) {
    HttpResponse<Buffer> r = admin(HttpMethod.GET, "/audit?format=json&" + query, null);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonArray();
  }

  /** Asserts a gateway error response: status, SPEC code, and the JSON body shape. */
  public static void assertError(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo(code);
  }

  /** Asserts the request reached the upstream and came back 200. */
  public static void assertPassed(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getJsonObject("headers").getString("x-org-id")).isNotBlank();
  }

  public Gateway gateway() {
    return gateway;
  }

  @Override
  public void close() {
    web.close();
  }
}
