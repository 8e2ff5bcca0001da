package io.portcullis.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of {@code kubectl kustomize} to render this repository's base and overlays in a unit
 * test without the binary: resources (files and directories), strategic-merge patches (objects
 * merge, lists of named objects merge by name, other lists replace), images, namespace and
 * configMapGenerator. Any other kustomize field fails the strict parse of {@link Kustomization}, so
 * this renderer cannot silently ignore a feature the manifests start using.
 */
final class Kustomize {
  private Kustomize() {}

  /** The kustomization.yaml fields this repository uses; anything else is rejected. */
  record Kustomization(
      String apiVersion,
      String kind,
      String namespace,
      List<String> resources,
      List<Patch> patches,
      List<Image> images,
      List<Generator> configMapGenerator) {
    List<String> resourcesOrEmpty() {
      return resources == null ? List.of() : resources;
    }

    List<Patch> patchesOrEmpty() {
      return patches == null ? List.of() : patches;
    }
  }

  record Patch(String path) {}

  record Image(String name, String newName, String newTag, String digest) {}

  record Generator(String name, List<String> files, GeneratorOptions options) {}

  record GeneratorOptions(Boolean disableNameSuffixHash, Map<String, String> labels) {}

  static Kustomization load(Path dir) {
    Kustomization k =
        StrictYaml.typed(
            StrictYaml.tree(dir.resolve("kustomization.yaml")),
            Kustomization.class,
            dir + "/kustomization.yaml");
    if (!"kustomize.config.k8s.io/v1beta1".equals(k.apiVersion())
        || !"Kustomization".equals(k.kind())) {
      throw new IllegalArgumentException(dir + ": not a kustomize.config.k8s.io/v1beta1 file");
    }
    return k;
  }

  /** The rendered objects of the kustomization in {@code dir}, in resource order. */
  static List<JsonNode> render(Path dir) {
    Kustomization k = load(dir);
    List<JsonNode> docs = new ArrayList<>();
    for (String r : k.resourcesOrEmpty()) {
      Path p = dir.resolve(r).normalize();
      if (Files.isDirectory(p)) {
        docs.addAll(render(p));
      } else {
        docs.add(StrictYaml.tree(p));
      }
    }
    if (k.configMapGenerator() != null) {
      for (Generator g : k.configMapGenerator()) {
        docs.add(generate(dir, g));
      }
    }
    for (Patch patch : k.patchesOrEmpty()) {
      JsonNode p = StrictYaml.tree(dir.resolve(patch.path()));
      if (p.toString().contains("\"$patch\"") || p.toString().contains("\"$setElementOrder")) {
        throw new IllegalArgumentException(patch.path() + ": patch directives not supported");
      }
      int target = -1;
      for (int i = 0; i < docs.size(); i++) {
        if (sameObject(docs.get(i), p)) {
          if (target >= 0) {
            throw new IllegalArgumentException(patch.path() + " matches two objects");
          }
          target = i;
        }
      }
      if (target < 0) {
        throw new IllegalArgumentException(patch.path() + " matches no object of " + dir);
      }
      docs.set(target, merge(docs.get(target), p));
    }
    if (k.images() != null) {
      for (Image image : k.images()) {
        docs.replaceAll(d -> retag(d, image));
      }
    }
    if (k.namespace() != null) {
      docs.replaceAll(
          d -> {
            JsonNode copy = d.deepCopy();
            ((ObjectNode) copy.get("metadata")).put("namespace", k.namespace());
            return copy;
          });
    }
    return docs;
  }

  private static boolean sameObject(JsonNode a, JsonNode b) {
    return a.path("kind").equals(b.path("kind"))
        && a.path("apiVersion").equals(b.path("apiVersion"))
        && a.path("metadata").path("name").equals(b.path("metadata").path("name"));
  }

  /** Strategic merge as kubectl does it for the fields used here. */
  static JsonNode merge(JsonNode base, JsonNode patch) {
    if (base instanceof ObjectNode b && patch instanceof ObjectNode p) {
      ObjectNode out = b.deepCopy();
      p.fields()
          .forEachRemaining(
              e -> {
                JsonNode old = out.get(e.getKey());
                out.set(
                    e.getKey(), old == null ? e.getValue().deepCopy() : merge(old, e.getValue()));
              });
      return out;
    }
    if (base instanceof ArrayNode b && patch instanceof ArrayNode p && named(b) && named(p)) {
      Map<String, JsonNode> byName = new LinkedHashMap<>();
      b.forEach(n -> byName.put(n.get("name").asText(), n));
      p.forEach(n -> byName.merge(n.get("name").asText(), n, Kustomize::merge));
      ArrayNode out = b.arrayNode();
      byName.values().forEach(out::add);
      return out;
    }
    return patch.deepCopy();
  }

  private static boolean named(ArrayNode list) {
    for (JsonNode n : list) {
      if (!n.isObject() || !n.hasNonNull("name")) {
        return false;
      }
    }
    return !list.isEmpty();
  }

  private static JsonNode retag(JsonNode doc, Image image) {
    JsonNode copy = doc.deepCopy();
    for (JsonNode c : copy.path("spec").path("template").path("spec").path("containers")) {
      String ref = c.path("image").asText();
      String name = ref.replaceFirst("[@:][^/]*$", "");
      if (name.equals(image.name())) {
        String newName = image.newName() != null ? image.newName() : name;
        String suffix =
            image.digest() != null
                ? "@" + image.digest()
                : image.newTag() != null ? ":" + image.newTag() : ref.substring(name.length());
        ((ObjectNode) c).put("image", newName + suffix);
      }
    }
    return copy;
  }

  private static JsonNode generate(Path dir, Generator g) {
    ObjectNode cm = StrictYaml.MAPPER.createObjectNode();
    cm.put("apiVersion", "v1");
    cm.put("kind", "ConfigMap");
    ObjectNode meta = cm.putObject("metadata");
    meta.put("name", g.name());
    if (g.options() != null && g.options().labels() != null) {
      ObjectNode labels = meta.putObject("labels");
      g.options().labels().forEach(labels::put);
    }
    ObjectNode data = cm.putObject("data");
    for (String f : g.files()) {
      try {
        data.put(Path.of(f).getFileName().toString(), Files.readString(dir.resolve(f)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cm;
  }
}
