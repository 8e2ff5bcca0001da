package io.portcullis.gateway.proxy;

import io.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy listener's certificate and key, read from PEM files and re-read when they change: the
 * files' modification times and sizes are polled on a worker (like the keyset's key directory), and
 * a changed pair is handed to the listeners ({@code HttpServer.updateSSLOptions}) without a
 * restart.
 *
 * <p>A pair is used only when the key signs what the certificate's public key verifies: a rotation
 * that replaced one file and not yet the other (or a typo) keeps the old pair in service instead of
 * failing every handshake, and is retried once the files change again.
 */
public final class TlsCertificates {
  private static final Logger LOG = LoggerFactory.getLogger(TlsCertificates.class);

  private final Vertx vertx;
  private final GatewayConfig.Tls tls;
  private volatile Stamp seen;
  private volatile long timer = -1;
  private final AtomicBoolean checking = new AtomicBoolean();

  public TlsCertificates(Vertx vertx, GatewayConfig.Tls tls) {
    this.vertx = vertx;
    this.tls = tls;
  }

  /** Both files as they are now, on a worker. Fails with a message naming the file and why. */
  public Future<PemKeyCertOptions> load() {
    return vertx.executeBlocking(
        () -> {
          Stamp stamp = stamp();
          Loaded loaded = read();
          seen = stamp;
          LOG.info("tls certificate loaded {}", loaded.describe());
          return loaded.options();
        },
        false);
  }

  /**
   * Checks the files every {@code reload_interval}; a changed, consistent pair goes to {@code
   * apply}. One check at a time; a check never runs on an event loop.
   */
  public void watch(Function<PemKeyCertOptions, Future<?>> apply) {
    long every = tls.reloadInterval().toMillis();
    timer =
        vertx.setPeriodic(
            every,
            t -> {
              if (!checking.compareAndSet(false, true)) {
                return;
              }
              vertx
                  .executeBlocking(this::readIfChanged, false)
                  .compose(
                      loaded ->
                          loaded == null
                              ? Future.succeededFuture()
                              : apply
                                  .apply(loaded.options())
                                  .onSuccess(
                                      v ->
                                          LOG.info(
                                              "tls certificate reloaded {}", loaded.describe())))
                  .onFailure(e -> LOG.warn("tls certificate not reloaded: {}", e.getMessage()))
                  .onComplete(ar -> checking.set(false));
            });
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** The new pair when either file changed since the last look, else {@code null}. Worker only. */
  private Loaded readIfChanged() throws IOException {
    Stamp stamp = stamp();
    if (stamp.equals(seen)) {
      return null;
    }
    // Remember the look before reading: a bad pair is reported once, not on every tick.
    seen = stamp;
    return read();
  }

  private Stamp stamp() throws IOException {
    return new Stamp(
        Files.getLastModifiedTime(tls.cert()),
        Files.size(tls.cert()),
        Files.getLastModifiedTime(tls.key()),
        Files.size(tls.key()));
  }

  private Loaded read() {
    Buffer cert;
    Buffer key;
    try {
      cert = Buffer.buffer(Files.readAllBytes(tls.cert()));
      key = Buffer.buffer(Files.readAllBytes(tls.key()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + e.getMessage(), e);
    }
    PemKeyCertOptions options = new PemKeyCertOptions().setCertValue(cert).setKeyValue(key);
    X509Certificate leaf;
    try {
      KeyStore store = options.loadKeyStore(vertx);
      String alias = Collections.list(store.aliases()).get(0);
      X509KeyManager keys = null;
      for (KeyManager m : options.getKeyManagerFactory(vertx).getKeyManagers()) {
        if (m instanceof X509KeyManager x) {
          keys = x;
        }
      }
      Certificate[] chain = keys == null ? null : keys.getCertificateChain(alias);
      PrivateKey privateKey = keys == null ? null : keys.getPrivateKey(alias);
      if (chain == null || chain.length == 0 || privateKey == null) {
        throw new IllegalStateException("no certificate and key found");
      }
      leaf = (X509Certificate) chain[0];
      checkPair(privateKey, leaf);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(tls.cert() + ", " + tls.key() + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw new IllegalStateException(
          tls.cert() + ", " + tls.key() + ": not a PEM certificate and key (" + e + ")", e);
    }
    return new Loaded(options, leaf);
  }

  /** The key must sign what the certificate's public key verifies. */
  private static void checkPair(PrivateKey key, X509Certificate cert) throws Exception {
    String alg =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          case "Ed448" -> "Ed448";
          default -> null; // an exotic key type: left to the handshake
        };
    if (alg == null) {
      return;
    }
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    Signature signer = Signature.getInstance(alg);
    signer.initSign(key);
    signer.update(probe);
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance(alg);
    verifier.initVerify(cert.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(sig)) {
      throw new IllegalStateException("the private key does not match the certificate");
    }
  }

  private record Stamp(FileTime certTime, long certSize, FileTime keyTime, long keySize) {}

  private record Loaded(PemKeyCertOptions options, X509Certificate leaf) {
    String describe() {
      return "subject=\""
          + leaf.getSubjectX500Principal().getName()
          + "\" serial="
          + leaf.getSerialNumber().toString(16)
          + " not_after="
          + leaf.getNotAfter().toInstant();
    }
  }
}
