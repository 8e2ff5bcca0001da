package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real fat jar ({@code target/portcullis.jar}, built in the package phase) as a subprocess,
 * stopped with {@code kill -TERM}: a slow request in flight completes, {@code /readyz} is 503
 * during the drain, new connections are refused after it, and the process exits 0. A second SIGTERM
 * exits at once (1).
 */
class ShutdownIT {
  static final Pattern LISTENING =
      Pattern.compile("portcullis listening proxy_port=(\\d+) admin_port=(\\d+)");

  @TempDir Path data;
  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  Process process;
  final List<String> output = new CopyOnWriteArrayList<>();
  int proxyPort;
  int adminPort;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
  }

  @AfterEach
  void stop() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
    await(vertx.close());
  }

  /** The fat jar as a process to start, its environment to be filled in. */
  static ProcessBuilder jar() {
    Path jar = Path.of("target", "portcullis.jar");
    assertThat(jar).as("the fat jar, built in the package phase before failsafe").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString());
  }

  /** Free ports, the test upstream and issuer, the test's data dir; keys left to the caller. */
  void baseEnv(Map<String, String> env) {
    env.put("PORTCULLIS_PORT", "0");
    env.put("PORTCULLIS_ADMIN_PORT", "0");
    env.put("PORTCULLIS_UPSTREAM", upstream.url());
    env.put("PORTCULLIS_ISSUERS", TestKeys.ISSUER);
    env.put("PORTCULLIS_AUDIENCES", TestKeys.AUDIENCE);
    env.put("PORTCULLIS_DATA_DIR", data.toString());
  }

  /** Runs the jar with {@code env} until it exits (bounded); returns its exit code and stderr. */
  Map.Entry<Integer, String> runToExit(Map<String, String> env) throws Exception {
    ProcessBuilder pb = jar();
    pb.environment().putAll(env);
    Path err = Files.createTempFile("portcullis-stderr", ".txt");
    pb.redirectError(err.toFile());
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
      return Map.entry(p.exitValue(), Files.readString(err));
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(err);
    }
  }

  void launch(String drainDelay, String shutdownTimeout) throws Exception {
    ProcessBuilder pb = jar();
    pb.redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    baseEnv(env);
    env.put("PORTCULLIS_ADMIN_HOST", "127.0.0.1");
    env.put("JWT_PUBLIC_KEYS_PEM", new JsonObject().put(keys.kid, keys.pem()).encode());
    env.put("PORTCULLIS_DRAIN_DELAY", drainDelay);
    env.put("PORTCULLIS_SHUTDOWN_TIMEOUT", shutdownTimeout);
    // What the kubelet injects for Services named portcullis / portcullis-admin when service
    // links are on: the process must start anyway.
    env.put("PORTCULLIS_SERVICE_HOST", "10.96.0.7");
    env.put("PORTCULLIS_SERVICE_PORT", "8080");
    env.put("PORTCULLIS_PORT_8080_TCP", "tcp://10.96.0.7:8080");
    env.put("PORTCULLIS_PORT_8080_TCP_ADDR", "10.96.0.7");
    env.put("PORTCULLIS_ADMIN_SERVICE_HOST", "10.96.0.8");
    env.put("PORTCULLIS_ADMIN_PORT_9090_TCP_PROTO", "tcp");
    process = pb.start();
    CompletableFuture<Matcher> listening = new CompletableFuture<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  output.add(line);
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    listening.complete(m);
                  }
                  if (line.contains("\"portcullis ready\"")) {
                    ready.complete(null);
                  }
                }
              } catch (IOException e) {
                // the process went away
              }
              listening.completeExceptionally(new AssertionError("exited: " + output));
              ready.completeExceptionally(new AssertionError("exited: " + output));
            },
            "portcullis-stdout");
    reader.setDaemon(true);
    reader.start();
    Matcher m = listening.get(60, TimeUnit.SECONDS);
    proxyPort = Integer.parseInt(m.group(1));
    adminPort = Integer.parseInt(m.group(2));
    ready.get(60, TimeUnit.SECONDS);
  }

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(request(port, path), HttpResponse.BodyHandlers.ofString());
  }

  HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + keys.token("acme"))
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  void sigterm() throws Exception {
    Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  static boolean refused(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void sigtermDrainsLetsTheSlowRequestFinishAndExitsZero() throws Exception {
    launch("4s", "30s");
    assertThat(get(adminPort, "/readyz").statusCode()).isEqualTo(200);

    // In flight: the upstream answers after 12 s, well past the 4 s drain.
    CompletableFuture<HttpResponse<String>> slow =
        http.sendAsync(request(proxyPort, "/delay?ms=12000"), HttpResponse.BodyHandlers.ofString());
    assertThat(upstream.uris.poll(10, TimeUnit.SECONDS)).startsWith("/delay");

    sigterm();

    // Draining: not ready at once, still serving.
    Instant until = Instant.now().plusSeconds(5);
    int ready = 200;
    while (ready == 200 && Instant.now().isBefore(until)) {
      ready = get(adminPort, "/readyz").statusCode();
    }
    assertThat(ready).as("/readyz during the drain").isEqualTo(503);
    assertThat(get(proxyPort, "/during-drain").statusCode()).isEqualTo(200);

    // After the drain the listener stops accepting, while the slow request is still running.
    until = Instant.now().plusSeconds(10);
    boolean refused = false;
    while (!refused && Instant.now().isBefore(until)) {
      refused = refused(proxyPort);
      if (!refused) {
        Thread.sleep(100);
      }
    }
    assertThat(refused).as("new connections refused after the drain").isTrue();
    assertThat(slow).as("the slow request is still in flight when accepting stops").isNotDone();

    HttpResponse<String> finished = slow.get(30, TimeUnit.SECONDS);
    assertThat(finished.statusCode()).isEqualTo(200);
    assertThat(finished.body()).isEqualTo("late");

    assertThat(process.waitFor(40, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(process.exitValue()).as("exit code; output: %s", output).isZero();
    assertThat(String.join("\n", output)).contains("SIGTERM received: draining");
    assertThat(String.join("\n", output)).contains("shutdown complete");
  }

  @Test
  void aSecondSigtermForcesExit() throws Exception {
    launch("30s", "30s");
    sigterm();
    Instant until = Instant.now().plusSeconds(10);
    while (get(adminPort, "/readyz").statusCode() == 200 && Instant.now().isBefore(until)) {
      Thread.sleep(50);
    }
    // Draining for 30 s; the second signal does not wait for it.
    sigterm();
    assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("exited on the second SIGTERM").isTrue();
    assertThat(process.exitValue()).isEqualTo(1);
    assertThat(String.join("\n", output)).contains("SIGTERM received again");
  }

  /**
   * The embedded store is one process per data dir, across processes: a second gateway on the same
   * PORTCULLIS_DATA_DIR is refused at start. (The lock used to sit on the journal itself, which the
   * first process's own replay read and closed: POSIX dropped the lock, and two processes wrote
   * interleaved records that the next restart cut off as "torn", acknowledged changes included.)
   */
  @Test
  void aSecondProcessOnTheSameDataDirIsRefused() throws Exception {
    launch("1s", "10s"); // replayed the journal, holds the data dir
    Map<String, String> env = new HashMap<>();
    baseEnv(env);
    env.put("JWT_PUBLIC_KEYS_PEM", new JsonObject().put(keys.kid, keys.pem()).encode());
    env.put("PORTCULLIS_STARTUP_TIMEOUT", "20s");
    Map.Entry<Integer, String> second = runToExit(env);
    assertThat(second.getKey()).isEqualTo(1);
    assertThat(second.getValue()).contains("is used by another Portcullis process");
    assertThat(get(adminPort, "/readyz").statusCode())
        .as("the first one is unharmed")
        .isEqualTo(200);
  }

  @Test
  void aStartupFailureIsOneLineNamingThePartAndExitsNonZero() throws Exception {
    Map<String, String> env = new HashMap<>();
    baseEnv(env);
    // A JWKS source that refuses connections: no usable key ever.
    env.put("PORTCULLIS_JWKS_URLS", "http://127.0.0.1:" + io.portcullis.testkit.Ports.free());
    env.put("PORTCULLIS_STARTUP_TIMEOUT", "3s");
    Map.Entry<Integer, String> run = runToExit(env);
    assertThat(run.getKey()).isEqualTo(1);
    List<String> lines = run.getValue().lines().toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).startsWith("portcullis: startup failed: keys: no usable signing key");
  }
}
