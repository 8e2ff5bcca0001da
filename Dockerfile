# Portcullis container image. Build the fat jar first (./mvnw -B verify), then:
#   docker build -t ghcr.io/portcullis/portcullis:0.1.0 .
# (The development machines of this project have no Docker engine; see k8s/README.md.)
FROM eclipse-temurin:17-jre

# A fixed numeric non-root user: Kubernetes can only verify runAsNonRoot against a numeric
# USER, and k8s/base/deployment.yaml runs as the same 10001.
RUN groupadd --system --gid 10001 portcullis \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin portcullis \
 && mkdir -p /var/lib/portcullis \
 && chown 10001:10001 /var/lib/portcullis

# Owned by root and not writable by the gateway's user: the jar is code, not state.
COPY gateway/target/portcullis.jar /opt/portcullis/portcullis.jar

ENV PORTCULLIS_DATA_DIR=/var/lib/portcullis
WORKDIR /var/lib/portcullis
USER 10001:10001
# proxy, admin (SPEC §2)
EXPOSE 8080 9090

# Exec form: java is PID 1 and receives SIGTERM itself, so the gateway's drain runs (a shell
# form would leave the signal with /bin/sh). Heap sized from the container's memory limit;
# an OutOfMemoryError ends the process so Kubernetes restarts it instead of limping on.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/portcullis/portcullis.jar"]
