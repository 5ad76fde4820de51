package dev.klambda.core.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * Judges the manifests with an independent JSON Schema validator against the generated CRD
 * schemas, made strict about unknown fields as kubectl's default field validation is. Schema
 * violations must be caught there too; rule violations (CEL) must pass it, since only CEL sees them.
 */
class GeneratedSchemaAgreesTest {

    static final ManifestValidator VALIDATOR = new ManifestValidator(new ObjectMapper());
    static final Map<String, JsonSchema> SCHEMAS = new HashMap<>();

    static {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
        for (String kind : VALIDATOR.kinds()) {
            JsonNode strict = strict(VALIDATOR.schema(kind).json().deepCopy());
            SCHEMAS.put(kind, factory.getSchema(strict));
        }
    }

    static Stream<Fixture> valid() {
        return Fixture.valid();
    }

    static Stream<Fixture> schemaViolations() {
        // apiVersion, kind and metadata.name are checked by the API server itself, not by the CRD schema
        return Fixture.group("invalid-schema")
                .filter(GeneratedSchemaAgreesTest::isKlambdaKind)
                .filter(f -> !f.expected().stream().allMatch(e -> e.startsWith("metadata.")));
    }

    static Stream<Fixture> ruleViolations() {
        return Fixture.group("invalid-rules");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void acceptsValidManifests(Fixture fixture) {
        for (JsonNode document : fixture.documents()) {
            assertThat(validate(document)).as(fixture.name()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaViolations")
    void refusesWhatTheStructuralSchemaForbids(Fixture fixture) {
        assertThat(validate(fixture.documents().get(0))).as(fixture.name()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ruleViolations")
    void leavesCelRulesToCel(Fixture fixture) {
        assertThat(validate(fixture.documents().get(0))).as(fixture.name()).isEmpty();
    }

    @Test
    void everyPatternIsValidForTheApiServersRegexEngine() {
        List<String> patterns = new ArrayList<>();
        for (String kind : VALIDATOR.kinds()) {
            collectPatterns(VALIDATOR.schema(kind).json(), patterns);
        }
        assertThat(patterns).hasSizeGreaterThan(20);
        for (String pattern : patterns) {
            // Kubernetes evaluates OpenAPI patterns with Go's RE2: no lookaround, no backreferences.
            assertThatCode(() -> com.google.re2j.Pattern.compile(pattern)).as(pattern).doesNotThrowAnyException();
        }
    }

    private static Set<ValidationMessage> validate(JsonNode document) {
        return SCHEMAS.get(document.path("kind").asText()).validate(document);
    }

    private static boolean isKlambdaKind(Fixture fixture) {
        JsonNode document = fixture.documents().get(0);
        return "klambda.dev/v1alpha1".equals(document.path("apiVersion").asText())
                && SCHEMAS.containsKey(document.path("kind").asText());
    }

    /** Unknown fields fail kubectl's strict field validation; JSON Schema needs additionalProperties: false for that. */
    private static JsonNode strict(JsonNode schema) {
        if (schema instanceof ObjectNode object) {
            if (object.has("properties") && !object.has("additionalProperties")
                    && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                object.put("additionalProperties", false);
            }
            for (Iterator<JsonNode> it = object.elements(); it.hasNext();) {
                strict(it.next());
            }
        }
        return schema;
    }

    private static void collectPatterns(JsonNode schema, List<String> patterns) {
        if (schema.has("pattern") && schema.get("pattern").isTextual()) {
            patterns.add(schema.get("pattern").asText());
        }
        for (JsonNode child : schema) {
            if (child.isContainerNode()) {
                collectPatterns(child, patterns);
            }
        }
    }
}
