package io.portcullis.gateway.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * YAML into typed objects, failing on any field the type does not declare.
 *
 * <p>The fabric8 model classes keep unknown fields in an {@code @JsonAnySetter} map
 * ("additionalProperties"), so Jackson's FAIL_ON_UNKNOWN_PROPERTIES alone never fires for them. The
 * deserializer modifier removes that any-setter from every fabric8 type: a misspelt {@code
 * livenessProbes} or a field at the wrong level then fails the parse, as the API server would with
 * strict field validation.
 */
final class StrictYaml {
  private StrictYaml() {}

  static final ObjectMapper MAPPER = strictMapper();

  private static ObjectMapper strictMapper() {
    SimpleModule noAnySetter = new SimpleModule("fabric8-strict");
    noAnySetter.setDeserializerModifier(
        new BeanDeserializerModifier() {
          @Override
          public BeanDeserializerBuilder updateBuilder(
              DeserializationConfig config, BeanDescription desc, BeanDeserializerBuilder builder) {
            if (desc.getBeanClass().getName().startsWith("io.fabric8.")) {
              builder.setAnySetter(null);
            }
            return builder;
          }
        });
    return YAMLMapper.builder(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .addModule(noAnySetter)
        .build();
  }

  /** The one YAML document in {@code file}; a file with several documents is rejected. */
  static JsonNode tree(Path file) {
    try (MappingIterator<JsonNode> docs =
        MAPPER.readerFor(JsonNode.class).readValues(Files.readString(file))) {
      List<JsonNode> all = docs.readAll();
      if (all.size() != 1) {
        throw new IllegalArgumentException(
            file + ": expected one YAML document, got " + all.size());
      }
      return all.get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  static <T> T typed(JsonNode tree, Class<T> type, String where) {
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + " is not a valid " + type.getSimpleName(), e);
    }
  }
}
