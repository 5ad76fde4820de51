package dev.klambda.core.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.crds.v1alpha1.function.Environment;

/**
 * Runs the CRDs' CEL rules with Google's CEL implementation on every fixture and requires the
 * same verdicts, at the same paths and with the same messages, as the Java mirror in
 * {@link Rules}. This is what keeps the API server and standalone mode enforcing one rule set.
 */
class CelRulesAgreeTest {

    static final ManifestValidator VALIDATOR = new ManifestValidator(new ObjectMapper());
    static final KubernetesCel CEL = new KubernetesCel();

    static Stream<Fixture> valid() {
        return Fixture.valid();
    }

    static Stream<Fixture> ruleViolations() {
        return Fixture.group("invalid-rules");
    }

    static Stream<Fixture> updates() {
        return Fixture.group("invalid-updates");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void celAcceptsValidManifests(Fixture fixture) {
        for (JsonNode document : fixture.documents()) {
            assertThat(celViolations(document, null)).as(fixture.name()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ruleViolations")
    void celRefusesWhatTheJavaRulesRefuse(Fixture fixture) {
        JsonNode document = fixture.documents().get(0);
        List<String> java = VALIDATOR.validate(document).errors().stream().map(FieldError::toString).toList();
        assertThat(celViolations(document, null)).map(FieldError::toString)
                .containsExactlyInAnyOrderElementsOf(fixture.expected())
                .containsExactlyInAnyOrderElementsOf(java);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("updates")
    void celTransitionRulesRefuseWhatTheJavaRulesRefuse(Fixture fixture) {
        JsonNode old = fixture.documents().get(0);
        JsonNode updated = fixture.documents().get(1);
        assertThat(celViolations(updated, old)).map(FieldError::toString)
                .containsExactlyInAnyOrderElementsOf(fixture.expected());
        assertThat(celViolations(old, old)).as("an unchanged resource").isEmpty();
    }

    @Test
    void reservedVariableNamesInCelMatchTheJavaList() throws Exception {
        java.lang.reflect.Field cel = Environment.class.getDeclaredField("RESERVED_CEL");
        cel.setAccessible(true);
        String expected = "[" + String.join(", ", Stream.of(Environment.RESERVED).map(n -> "'" + n + "'").toList()) + "]";
        assertThat(cel.get(null)).isEqualTo(expected);
    }

    private static List<FieldError> celViolations(JsonNode document, JsonNode old) {
        StructuralSchema schema = VALIDATOR.schema(document.path("kind").asText());
        JsonNode defaulted = document.deepCopy();
        schema.applyDefaults(defaulted);
        JsonNode oldDefaulted = null;
        if (old != null) {
            oldDefaulted = old.deepCopy();
            schema.applyDefaults(oldDefaulted);
        }
        return CEL.violations(schema.json(), defaulted, oldDefaulted);
    }
}
