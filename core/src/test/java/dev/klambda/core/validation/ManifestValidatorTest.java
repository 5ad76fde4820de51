package dev.klambda.core.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The code rules accept every valid manifest and refuse each broken one with the API server's words. */
class ManifestValidatorTest {

    static final ManifestValidator VALIDATOR = new ManifestValidator(new ObjectMapper());

    static Stream<Fixture> valid() {
        return Fixture.valid();
    }

    static Stream<Fixture> invalid() {
        return Stream.concat(Fixture.group("invalid-schema"), Fixture.group("invalid-rules"));
    }

    static Stream<Fixture> invalidUpdates() {
        return Fixture.group("invalid-updates");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void acceptsValidManifests(Fixture fixture) {
        assertThat(fixture.documents()).isNotEmpty();
        for (JsonNode document : fixture.documents()) {
            Validation validation = VALIDATOR.validate(document);
            assertThat(validation.errors()).as(fixture.name()).isEmpty();
            assertThat(validation.resource()).isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesBrokenManifestsWithTheApiServersMessages(Fixture fixture) {
        assertThat(fixture.expected()).as("fixture announces its errors").isNotEmpty();
        Validation validation = VALIDATOR.validate(fixture.documents().get(0));
        assertThat(validation.valid()).isFalse();
        assertThat(validation.errors()).map(FieldError::toString).containsExactlyInAnyOrderElementsOf(fixture.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUpdates")
    void refusesChangesToImmutableFields(Fixture fixture) {
        Validation before = VALIDATOR.validate(fixture.documents().get(0));
        Validation after = VALIDATOR.validate(fixture.documents().get(1));
        assertThat(before.errors()).isEmpty();
        assertThat(after.errors()).isEmpty();
        assertThat(VALIDATOR.validateUpdate(before.resource(), after.resource())).map(FieldError::toString)
                .containsExactlyInAnyOrderElementsOf(fixture.expected());
        assertThat(VALIDATOR.validateUpdate(before.resource(), before.resource())).as("an unchanged resource").isEmpty();
    }
}
