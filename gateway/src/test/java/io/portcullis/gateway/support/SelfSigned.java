package io.portcullis.gateway.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate and its key as PEM text, made by the JDK's own {@code keytool} (no test
 * dependency): {@code -genkeypair} into a PKCS#12 store, read back with {@link KeyStore}.
 */
public record SelfSigned(String certPem, String keyPem) {
  private static final String PASS = "changeit";

  /** An EC P-256 certificate for {@code cn}, valid for 127.0.0.1 and localhost. */
  public static SelfSigned generate(Path workDir, String cn) throws Exception {
    Path store = Files.createTempFile(workDir, "ks", ".p12");
    Files.delete(store); // keytool refuses to write into an existing empty file
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "tls",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + cn,
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                PASS,
                "-keypass",
                PASS)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(store)) {
      ks.load(in, PASS.toCharArray());
    }
    Certificate cert = ks.getCertificate("tls");
    PrivateKey key = (PrivateKey) ks.getKey("tls", PASS.toCharArray());
    return new SelfSigned(
        pem("CERTIFICATE", cert.getEncoded()), pem("PRIVATE KEY", key.getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
