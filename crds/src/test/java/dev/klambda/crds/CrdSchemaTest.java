package dev.klambda.crds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** What users see of the CRDs: descriptions for kubectl explain, short names, printer columns, subresources. */
class CrdSchemaTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    @Test
    void everyFieldOfEveryKindHasADescription() throws IOException {
        List<String> undescribed = new ArrayList<>();
        for (Path file : CrdGeneration.generateInto(dir)) {
            JsonNode schema = YAML.readTree(file.toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
            collectUndescribed(schema, file.getFileName().toString().split("\\.")[0], undescribed);
        }
        assertThat(undescribed).as("fields without a description (kubectl explain shows nothing)").isEmpty();
    }

    @Test
    void kindsHaveTheirShortNamesStatusAndColumns() throws IOException {
        Map<String, List<String>> shortNames = Map.of("functions", List.of("fn"), "versions", List.of("fnv"),
                "aliases", List.of("fna"), "eventsourcemappings", List.of("esm"));
        for (Path file : CrdGeneration.generateInto(dir)) {
            JsonNode crd = YAML.readTree(file.toFile());
            String plural = crd.at("/spec/names/plural").asText();
            assertThat(crd.at("/spec/group").asText()).isEqualTo("klambda.dev");
            assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
            assertThat(crd.at("/spec/versions/0/name").asText()).isEqualTo("v1alpha1");
            assertThat(YAML.convertValue(crd.at("/spec/names/shortNames"), List.class)).isEqualTo(shortNames.get(plural));
            assertThat(crd.at("/spec/versions/0/subresources/status").isObject()).as("%s status subresource", plural).isTrue();
            JsonNode columns = crd.at("/spec/versions/0/additionalPrinterColumns");
            assertThat(columns.size()).as("%s printer columns", plural).isGreaterThanOrEqualTo(3);
            assertThat(columns.get(columns.size() - 1).path("name").asText()).isEqualTo("Age");
        }
    }

    private static void collectUndescribed(JsonNode schema, String path, List<String> out) {
        JsonNode properties = schema.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> property = it.next();
            String child = path + "." + property.getKey();
            if (property.getValue().path("description").asText().isBlank()) {
                out.add(child);
            }
            collectUndescribed(property.getValue(), child, out);
        }
        if (schema.has("items")) {
            collectUndescribed(schema.get("items"), path + "[]", out);
        }
        if (schema.path("additionalProperties").isObject()) {
            collectUndescribed(schema.get("additionalProperties"), path + "[*]", out);
        }
    }
}
