package io.portcullis.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.portcullis.gateway.config.Defaults;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes manifests agree with the gateway: every file parses strictly into typed objects,
 * probes and ports match {@link Defaults}, every environment name is one the gateway reads, and the
 * shutdown timings leave the gateway's drain room to finish. Runs on the base and on the production
 * overlay as rendered (see {@link Kustomize}).
 */
class ManifestTest {

  /**
   * Every environment variable the gateway reads: SPEC §2 and §3, PORTCULLIS_CONFIG and
   * PORTCULLIS_ENV, and PORTCULLIS_&lt;NAME&gt; for each {@link Defaults} constant that is
   * configurable. A manifest that sets anything else sets nothing (or a typo).
   */
  static final Set<String> GATEWAY_ENV =
      Set.of(
          // SPEC §2 listeners
          "PORTCULLIS_PORT",
          "PORTCULLIS_ADMIN_PORT",
          "PORTCULLIS_ADMIN_HOST",
          // SPEC §3
          "PORTCULLIS_CONFIG",
          "PORTCULLIS_ENV",
          "PORTCULLIS_UPSTREAM",
          "PORTCULLIS_JWKS_URLS",
          "JWT_PUBLIC_KEYS_PEM",
          "JWT_KEY_ID_CURRENT",
          "PORTCULLIS_KEYS_DIR",
          "PORTCULLIS_ISSUERS",
          "PORTCULLIS_AUDIENCES",
          "PORTCULLIS_ORG_CLAIM",
          "PORTCULLIS_CLOCK_SKEW",
          "PORTCULLIS_ALGORITHMS",
          "PORTCULLIS_RATE_LIMIT",
          "RL_OVERRIDES_JSON",
          "PORTCULLIS_AUTH_FAILURE_LIMIT",
          "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE",
          "PORTCULLIS_RATE_LIMIT_REDIS_TIMEOUT",
          "REDIS_URL",
          "DATABASE_URL",
          "PORTCULLIS_DATA_DIR",
          "PORTCULLIS_ADMIN_TOKENS",
          // PORTCULLIS_<Defaults constant>
          "PORTCULLIS_UNKNOWN_KID_COOLDOWN",
          "PORTCULLIS_JWKS_REFRESH_INTERVAL",
          "PORTCULLIS_JWKS_MIN_REFRESH",
          "PORTCULLIS_JWKS_MAX_REFRESH",
          "PORTCULLIS_JWKS_FETCH_TIMEOUT",
          "PORTCULLIS_KEYS_MAX_STALENESS",
          "PORTCULLIS_TOKEN_CACHE_SIZE",
          "PORTCULLIS_REVOCATION_SYNC_INTERVAL",
          "PORTCULLIS_REVOCATION_MAX_STALENESS",
          "PORTCULLIS_ADMIN_AUTH_FAILURES_PER_MINUTE",
          "PORTCULLIS_UPSTREAM_CONNECT_TIMEOUT",
          "PORTCULLIS_UPSTREAM_TIMEOUT",
          "PORTCULLIS_FORWARD_TOKEN",
          "PORTCULLIS_MAX_HEADER_SIZE",
          "PORTCULLIS_MAX_BODY_SIZE",
          "PORTCULLIS_IDLE_TIMEOUT",
          "PORTCULLIS_HEADER_READ_TIMEOUT",
          "PORTCULLIS_MAX_CONNECTIONS",
          "PORTCULLIS_DRAIN_DELAY",
          "PORTCULLIS_SHUTDOWN_TIMEOUT",
          "PORTCULLIS_STARTUP_TIMEOUT",
          "PORTCULLIS_EVENT_LOOPS",
          "PORTCULLIS_TRANSPORT",
          // TLS on the proxy listener
          "PORTCULLIS_TLS_CERT",
          "PORTCULLIS_TLS_KEY",
          "PORTCULLIS_TLS_RELOAD_INTERVAL");

  /**
   * Defaults constants whose environment name is not PORTCULLIS_&lt;NAME&gt;, or that have none.
   */
  private static final Map<String, String> DEFAULTS_ENV_EXCEPTIONS =
      Map.of(
          "PROXY_PORT", "PORTCULLIS_PORT",
          "HEALTH_PATH", "", // fixed paths, not configurable
          "READY_PATH", "",
          "METRICS_PATH", "",
          "WHOAMI_PATH", "",
          "RESERVED_PREFIX", "");

  private static final Set<String> SECRET_ENV =
      Set.of("PORTCULLIS_ADMIN_TOKENS", "DATABASE_URL", "REDIS_URL");

  /** Room after the gateway's own worst case for the log and audit flush and JVM exit. */
  private static final Duration EXIT_MARGIN = Duration.ofSeconds(5);

  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.ofEntries(
          Map.entry("v1/ConfigMap", ConfigMap.class),
          Map.entry("v1/Secret", Secret.class),
          Map.entry("v1/Service", Service.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
          Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
          Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));

  /** One manifest as a typed object; the class is chosen by apiVersion and kind. */
  static HasMetadata typed(JsonNode doc, String where) {
    String key = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
    Class<? extends HasMetadata> type = KINDS.get(key);
    assertThat(type).as("%s: unexpected apiVersion/kind %s", where, key).isNotNull();
    return StrictYaml.typed(doc, type, where);
  }

  /** The rendered objects of a kustomization, typed. */
  static Rendered render(String dir) {
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode doc : Kustomize.render(RepoFiles.path(dir))) {
      objects.add(typed(doc, dir + " " + doc.path("kind").asText()));
    }
    return new Rendered(dir, objects);
  }

  record Rendered(String dir, List<HasMetadata> objects) {
    <T extends HasMetadata> T one(Class<T> type) {
      List<T> all = all(type);
      assertThat(all).as("%s: exactly one %s", dir, type.getSimpleName()).hasSize(1);
      return all.get(0);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    Service service(String name) {
      return all(Service.class).stream()
          .filter(s -> s.getMetadata().getName().equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError(dir + ": no Service " + name));
    }

    Deployment deployment() {
      return one(Deployment.class);
    }

    Container gateway() {
      List<Container> containers = deployment().getSpec().getTemplate().getSpec().getContainers();
      assertThat(containers).as("%s: one container", dir).hasSize(1);
      return containers.get(0);
    }

    ConfigMap config() {
      String name =
          gateway().getEnvFrom().stream()
              .map(EnvFromSource::getConfigMapRef)
              .filter(r -> r != null)
              .findFirst()
              .orElseThrow(() -> new AssertionError(dir + ": no envFrom configMapRef"))
              .getName();
      return all(ConfigMap.class).stream()
          .filter(c -> c.getMetadata().getName().equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError(dir + ": envFrom names missing ConfigMap " + name));
    }

    /** The value the gateway will see: the ConfigMap's, else the gateway default. */
    Duration effective(String env, Duration fallback) {
      String v = config().getData().get(env);
      return v == null ? fallback : parseDuration(env, v);
    }
  }

  // --- every file parses strictly ---------------------------------------------------------

  @Test
  void everyManifestFileParsesIntoTypedObjectsWithNoUnknownField() {
    List<Path> files =
        Stream.of("k8s/base", "k8s/overlays", "k8s/monitoring")
            .flatMap(d -> RepoFiles.list(d, ".yaml").stream())
            .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
            .filter(p -> !p.toString().contains("/monitoring/rules/")) // plain Prometheus rules
            .filter(p -> !p.toString().contains("/monitoring/tests/")) // promtool tests
            .toList();
    assertThat(files).hasSizeGreaterThanOrEqualTo(14);
    for (Path f : files) {
      HasMetadata o = typed(StrictYaml.tree(f), f.toString());
      assertThat(o.getMetadata().getName()).as("%s metadata.name", f).isNotBlank();
    }
  }

  @Test
  void everyKustomizationParsesStrictlyAndListsEveryManifest() {
    for (String dir : List.of("k8s/base", "k8s/overlays/production", "k8s/monitoring")) {
      Kustomize.Kustomization k = Kustomize.load(RepoFiles.path(dir));
      Set<String> used = new HashSet<>(k.resourcesOrEmpty());
      k.patchesOrEmpty().forEach(p -> used.add(p.path()));
      for (String r : used) {
        assertThat(RepoFiles.root().resolve(dir).resolve(r)).as("%s lists %s", dir, r).exists();
      }
      // No manifest left out by accident; the example Secret is left out on purpose.
      for (Path f : RepoFiles.list(dir, ".yaml")) {
        String name = RepoFiles.path(dir).relativize(f).toString();
        if (name.contains("/") || name.equals("kustomization.yaml")) {
          continue;
        }
        assertThat(used.contains(name) || name.endsWith(".example.yaml"))
            .as("%s/%s is not in its kustomization.yaml", dir, name)
            .isTrue();
      }
    }
  }

  @Test
  void strictParsingRejectsUnknownAndMisplacedFields() {
    JsonNode deployment = StrictYaml.tree(RepoFiles.path("k8s/base/deployment.yaml"));
    assertThat(typed(deployment, "as committed")).isInstanceOf(Deployment.class);

    JsonNode typo = deployment.deepCopy();
    ObjectNode container =
        (ObjectNode) typo.path("spec").path("template").path("spec").path("containers").get(0);
    container.set("livenessProbes", container.get("livenessProbe"));
    assertThatThrownBy(() -> typed(typo, "typo")).hasStackTraceContaining("livenessProbes");

    JsonNode misplaced = deployment.deepCopy();
    ((ObjectNode) misplaced.path("spec")).put("terminationGracePeriodSeconds", 40);
    assertThatThrownBy(() -> typed(misplaced, "misplaced"))
        .hasStackTraceContaining("terminationGracePeriodSeconds");

    JsonNode kustomizeTypo = StrictYaml.tree(RepoFiles.path("k8s/base/kustomization.yaml"));
    ((ObjectNode) kustomizeTypo).put("commonLabel", "x");
    assertThatThrownBy(
            () -> StrictYaml.typed(kustomizeTypo, Kustomize.Kustomization.class, "kustomization"))
        .hasStackTraceContaining("commonLabel");
  }

  // --- the Deployment against the gateway's defaults ---------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void probesUseHealthForLivenessAndStartupAndReadyForReadiness(String dir) {
    Rendered r = render(dir);
    Container c = r.gateway();
    assertProbe(c, c.getLivenessProbe(), "livenessProbe", Defaults.HEALTH_PATH);
    assertProbe(c, c.getStartupProbe(), "startupProbe", Defaults.HEALTH_PATH);
    assertProbe(c, c.getReadinessProbe(), "readinessProbe", Defaults.READY_PATH);
  }

  private static void assertProbe(Container c, Probe probe, String which, String path) {
    assertThat(probe).as(which).isNotNull();
    HTTPGetAction get = probe.getHttpGet();
    assertThat(get).as("%s is an httpGet probe", which).isNotNull();
    assertThat(get.getPath()).as("%s path", which).isEqualTo(path);
    assertThat(resolvePort(c, get.getPort())).as("%s port", which).isEqualTo(Defaults.ADMIN_PORT);
  }

  private static int resolvePort(Container c, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return c.getPorts().stream()
        .filter(p -> port.getStrVal().equals(p.getName()))
        .mapToInt(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void containerPortsAndServicesMatchTheListeners(String dir) {
    Rendered r = render(dir);
    Container c = r.gateway();
    Map<String, Integer> ports = new HashMap<>();
    c.getPorts().forEach(p -> ports.put(p.getName(), p.getContainerPort()));
    assertThat(ports)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("proxy", Defaults.PROXY_PORT, "admin", Defaults.ADMIN_PORT));

    Map<String, String> env = r.config().getData();
    if (env.containsKey("PORTCULLIS_PORT")) {
      assertThat(Integer.parseInt(env.get("PORTCULLIS_PORT"))).isEqualTo(Defaults.PROXY_PORT);
    }
    if (env.containsKey("PORTCULLIS_ADMIN_PORT")) {
      assertThat(Integer.parseInt(env.get("PORTCULLIS_ADMIN_PORT"))).isEqualTo(Defaults.ADMIN_PORT);
    }

    Map<String, String> podLabels =
        r.deployment().getSpec().getTemplate().getMetadata().getLabels();
    Service proxy = r.service("portcullis");
    Service admin = r.service("portcullis-admin");
    for (Service s : List.of(proxy, admin)) {
      assertThat(podLabels)
          .as("%s selects the pods", s.getMetadata().getName())
          .containsAllEntriesOf(s.getSpec().getSelector());
      assertThat(s.getSpec().getType()).isIn(null, "ClusterIP");
    }
    // Nothing of the admin listener behind the client-facing Service (SPEC §2), and the
    // reverse.
    assertThat(proxy.getSpec().getPorts())
        .extracting(p -> resolvePort(c, p.getTargetPort()))
        .containsExactly(Defaults.PROXY_PORT);
    assertThat(admin.getSpec().getPorts())
        .extracting(p -> resolvePort(c, p.getTargetPort()))
        .containsExactly(Defaults.ADMIN_PORT);
    // Not-ready pods stay reachable for /metrics and the admin API during an incident.
    assertThat(admin.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(proxy.getSpec().getPublishNotReadyAddresses()).isNotEqualTo(Boolean.TRUE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void everyEnvironmentNameIsOneTheGatewayReadsAndSecretsComeFromTheSecret(String dir) {
    Rendered r = render(dir);
    Container c = r.gateway();
    Set<String> names = new HashSet<>(r.config().getData().keySet());
    for (EnvVar e : c.getEnv()) {
      names.add(e.getName());
      if (SECRET_ENV.contains(e.getName())) {
        assertThat(e.getValueFrom()).as("%s from a Secret", e.getName()).isNotNull();
        assertThat(e.getValueFrom().getSecretKeyRef()).as(e.getName()).isNotNull();
      }
    }
    for (EnvFromSource from : c.getEnvFrom()) {
      assertThat(from.getPrefix()).as("envFrom prefix").isNull();
      assertThat(from.getSecretRef()).as("secrets by name, not envFrom").isNull();
    }
    assertThat(names).as("%s: environment names", dir).isSubsetOf(GATEWAY_ENV);
    assertThat(names).containsAll(SECRET_ENV);
    assertThat(r.config().getData().keySet())
        .as("secrets never in the ConfigMap")
        .doesNotContainAnyElementsOf(SECRET_ENV);
    assertThat(c.getCommand()).as("the image's ENTRYPOINT runs java itself").isNullOrEmpty();
  }

  @Test
  void theEnvironmentListCoversEveryConfigurableDefault() throws IllegalAccessException {
    for (Field f : Defaults.class.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers()) || !Modifier.isPublic(f.getModifiers())) {
        continue;
      }
      String env = DEFAULTS_ENV_EXCEPTIONS.getOrDefault(f.getName(), "PORTCULLIS_" + f.getName());
      if (!env.isEmpty()) {
        assertThat(GATEWAY_ENV).as("env name for Defaults.%s", f.getName()).contains(env);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void terminationLeavesRoomForPreStopDrainAndShutdown(String dir) {
    Rendered r = render(dir);
    PodSpec pod = r.deployment().getSpec().getTemplate().getSpec();
    Duration drain = r.effective("PORTCULLIS_DRAIN_DELAY", Defaults.DRAIN_DELAY);
    Duration shutdown = r.effective("PORTCULLIS_SHUTDOWN_TIMEOUT", Defaults.SHUTDOWN_TIMEOUT);
    Duration preStop = preStopSleep(r.gateway().getLifecycle().getPreStop());
    Duration grace = Duration.ofSeconds(pod.getTerminationGracePeriodSeconds());

    // The preStop sleep keeps the pod serving while endpoints deregister, before SIGTERM.
    assertThat(preStop).as("preStop sleep >= drain delay").isGreaterThanOrEqualTo(drain);
    // The grace period includes the preStop hook, then the gateway's own drain and shutdown.
    assertThat(grace)
        .as("terminationGracePeriodSeconds >= preStop + drain + shutdown + margin")
        .isGreaterThanOrEqualTo(preStop.plus(drain).plus(shutdown).plus(EXIT_MARGIN));
  }

  /**
   * With service links on, the Services portcullis and portcullis-admin make the kubelet inject
   * PORTCULLIS_PORT=tcp://10.x:8080, PORTCULLIS_ADMIN_PORT=tcp://..., PORTCULLIS_SERVICE_HOST and
   * PORTCULLIS_PORT_8080_TCP_* into every pod of the namespace: names that collide with the
   * gateway's own. The gateway tolerates them (ConfigLoaderTest), but the pod must not get them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void serviceLinksAreOff(String dir) {
    PodSpec pod = render(dir).deployment().getSpec().getTemplate().getSpec();
    assertThat(pod.getEnableServiceLinks()).as("%s: enableServiceLinks", dir).isFalse();
  }

  private static Duration preStopSleep(LifecycleHandler preStop) {
    assertThat(preStop).as("preStop hook").isNotNull();
    if (preStop.getSleep() != null) {
      return Duration.ofSeconds(preStop.getSleep().getSeconds());
    }
    List<String> cmd = preStop.getExec() == null ? List.of() : preStop.getExec().getCommand();
    assertThat(cmd).as("preStop is a sleep action or exec [sleep, N]").hasSize(2);
    assertThat(cmd.get(0)).endsWith("sleep");
    return Duration.ofSeconds(Long.parseLong(cmd.get(1)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void podRunsLockedDown(String dir) {
    Rendered r = render(dir);
    PodSpec pod = r.deployment().getSpec().getTemplate().getSpec();
    Container c = r.gateway();
    var podSec = pod.getSecurityContext();
    var sec = c.getSecurityContext();
    assertThat(podSec.getRunAsNonRoot()).isTrue();
    assertThat(podSec.getRunAsUser()).isEqualTo(dockerfileUser());
    assertThat(podSec.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(sec.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sec.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sec.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sec.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);

    // Read-only root: /tmp and the data dir are emptyDir volumes.
    String dataDir = r.config().getData().getOrDefault("PORTCULLIS_DATA_DIR", Defaults.DATA_DIR);
    assertThat(dataDir).as("PORTCULLIS_DATA_DIR absolute").startsWith("/");
    Map<String, String> mounts = new HashMap<>();
    for (VolumeMount m : c.getVolumeMounts()) {
      mounts.put(m.getMountPath(), m.getName());
    }
    for (String path : List.of("/tmp", dataDir)) {
      String volume = mounts.get(path);
      assertThat(volume).as("a volume mounted at %s", path).isNotNull();
      Volume v =
          pod.getVolumes().stream().filter(x -> x.getName().equals(volume)).findFirst().get();
      assertThat(v.getEmptyDir()).as("%s is an emptyDir", path).isNotNull();
    }

    var res = c.getResources();
    assertThat(res.getRequests()).containsKeys("cpu", "memory");
    assertThat(res.getLimits()).containsKey("memory");
    assertThat(res.getLimits().get("memory")).isEqualTo(res.getRequests().get("memory"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void autoscalerAndDisruptionBudgetLeaveCapacityDuringDrains(String dir) {
    Rendered r = render(dir);
    Deployment d = r.deployment();
    HorizontalPodAutoscaler hpa = r.one(HorizontalPodAutoscaler.class);
    PodDisruptionBudget pdb = r.one(PodDisruptionBudget.class);
    Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();

    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(d.getMetadata().getName());
    assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());
    assertThat(d.getSpec().getReplicas()).as("replicas owned by the HPA").isNull();
    assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable())
        .isEqualTo(new IntOrString(0));

    assertThat(matches(pdb.getSpec().getSelector(), podLabels)).as("PDB selects pods").isTrue();
    assertThat(matches(d.getSpec().getSelector(), podLabels)).isTrue();
    IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
    if (maxUnavailable != null) {
      assertThat(maxUnavailable.getIntVal()).isBetween(1, hpa.getSpec().getMinReplicas() - 1);
    } else {
      assertThat(pdb.getSpec().getMinAvailable().getIntVal())
          .isLessThan(hpa.getSpec().getMinReplicas());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void adminPortIsAdmittedOnlyFromMonitoringAndOperatorNamespaces(String dir) {
    Rendered r = render(dir);
    Container c = r.gateway();
    NetworkPolicy np = r.one(NetworkPolicy.class);
    Map<String, String> podLabels =
        r.deployment().getSpec().getTemplate().getMetadata().getLabels();
    assertThat(matches(np.getSpec().getPodSelector(), podLabels)).isTrue();
    assertThat(np.getSpec().getPolicyTypes()).contains("Ingress");

    Set<String> adminSources = new HashSet<>();
    boolean proxyAdmitted = false;
    for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
      List<NetworkPolicyPort> ports = rule.getPorts();
      assertThat(ports).as("every rule names its ports (none = all ports)").isNotEmpty();
      boolean admin = false;
      for (NetworkPolicyPort p : ports) {
        int port = resolvePort(c, p.getPort());
        admin |= port == Defaults.ADMIN_PORT;
        proxyAdmitted |= port == Defaults.PROXY_PORT;
      }
      if (!admin) {
        continue;
      }
      assertThat(rule.getFrom()).as("admin port rule has sources").isNotEmpty();
      for (NetworkPolicyPeer peer : rule.getFrom()) {
        assertThat(peer.getIpBlock()).as("no ipBlock to the admin port").isNull();
        assertThat(peer.getNamespaceSelector()).as("namespace selector").isNotNull();
        adminSources.addAll(namespaceNames(peer.getNamespaceSelector()));
      }
    }
    assertThat(proxyAdmitted).as("proxy port admitted").isTrue();
    assertThat(adminSources).contains("monitoring").hasSize(2);
  }

  /** The namespace names a selector admits; fails unless it selects by metadata.name only. */
  private static Set<String> namespaceNames(LabelSelector s) {
    Set<String> names = new HashSet<>();
    String key = "kubernetes.io/metadata.name";
    if (s.getMatchLabels() != null && !s.getMatchLabels().isEmpty()) {
      assertThat(s.getMatchLabels().keySet()).containsOnly(key);
      names.addAll(s.getMatchLabels().values());
    }
    if (s.getMatchExpressions() != null) {
      for (LabelSelectorRequirement req : s.getMatchExpressions()) {
        assertThat(req.getKey()).isEqualTo(key);
        assertThat(req.getOperator()).isEqualTo("In");
        names.addAll(req.getValues());
      }
    }
    assertThat(names).as("a namespace selector that names namespaces").isNotEmpty();
    return names;
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s/base", "k8s/overlays/production"})
  void serviceMonitorScrapesMetricsOnTheAdminService(String dir) {
    Rendered r = render(dir);
    ServiceMonitor sm = r.one(ServiceMonitor.class);
    Service admin = r.service("portcullis-admin");
    Service proxy = r.service("portcullis");
    assertThat(matches(sm.getSpec().getSelector(), admin.getMetadata().getLabels())).isTrue();
    assertThat(matches(sm.getSpec().getSelector(), proxy.getMetadata().getLabels()))
        .as("the proxy Service is not scraped")
        .isFalse();
    assertThat(sm.getSpec().getEndpoints()).hasSize(1);
    var ep = sm.getSpec().getEndpoints().get(0);
    assertThat(admin.getSpec().getPorts()).extracting(ServicePort::getName).contains(ep.getPort());
    assertThat(ep.getPath()).isEqualTo(Defaults.METRICS_PATH);
    // The alert rules select job="portcullis".
    assertThat(admin.getMetadata().getLabels().get(sm.getSpec().getJobLabel()))
        .isEqualTo("portcullis");
  }

  @Test
  void productionSpreadsPodsAndSaysItIsProduction() {
    Rendered prod = render("k8s/overlays/production");
    Rendered base = render("k8s/base");
    PodSpec pod = prod.deployment().getSpec().getTemplate().getSpec();
    assertThat(prod.config().getData()).containsEntry("PORTCULLIS_ENV", "production");
    assertThat(pod.getTopologySpreadConstraints())
        .extracting(t -> t.getTopologyKey())
        .contains("topology.kubernetes.io/zone", "kubernetes.io/hostname");
    assertThat(pod.getAffinity().getPodAntiAffinity()).isNotNull();
    assertThat(prod.objects())
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("portcullis"));
    assertThat(prod.gateway().getImage()).matches(".+[:@].+");
    assertThat(prod.one(HorizontalPodAutoscaler.class).getSpec().getMinReplicas())
        .isGreaterThan(base.one(HorizontalPodAutoscaler.class).getSpec().getMinReplicas());
    // The patch merged into the container rather than replacing it.
    assertThat(prod.gateway().getReadinessProbe()).isNotNull();
    assertThat(prod.gateway().getResources().getRequests().get("memory"))
        .isNotEqualTo(base.gateway().getResources().getRequests().get("memory"));
  }

  // --- the Dockerfile --------------------------------------------------------------------

  @Test
  void dockerfileRunsTheFatJarAsNonRootWithExecFormEntrypoint() {
    String df = RepoFiles.read("Dockerfile");
    assertThat(df).containsPattern("(?m)^FROM eclipse-temurin:17-jre\\b");
    assertThat(df).containsPattern("(?m)^COPY gateway/target/portcullis\\.jar ");
    assertThat(df)
        .as("exec-form ENTRYPOINT so SIGTERM reaches the JVM")
        .containsPattern("(?m)^ENTRYPOINT \\[\"java\",.*\"-jar\", \"[^\"]*portcullis\\.jar\"\\]$");
    assertThat(df)
        .containsPattern("(?m)^EXPOSE " + Defaults.PROXY_PORT + " " + Defaults.ADMIN_PORT + "$");
    assertThat(dockerfileUser()).isNotZero();
  }

  private static long dockerfileUser() {
    Matcher m = Pattern.compile("(?m)^USER (\\d+)(:\\d+)?$").matcher(RepoFiles.read("Dockerfile"));
    assertThat(m.find()).as("Dockerfile has a numeric USER").isTrue();
    return Long.parseLong(m.group(1));
  }

  // --- helpers ---------------------------------------------------------------------------

  private static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
      throw new AssertionError("matchExpressions not expected in " + selector);
    }
    return selector.getMatchLabels() != null
        && !selector.getMatchLabels().isEmpty()
        && labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
  }

  /** The duration syntax of SPEC §3 values, e.g. {@code 30s}, {@code 500ms}, {@code 5m}. */
  static Duration parseDuration(String key, String value) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value.trim());
    if (!m.matches()) {
      throw new AssertionError(key + ": not a duration: " + value);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
