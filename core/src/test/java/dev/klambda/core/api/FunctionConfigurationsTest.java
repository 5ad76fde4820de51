package dev.klambda.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.klambda.core.api.FunctionConfigurations.Detail;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.core.validation.Validation;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.version.Version;

class FunctionConfigurationsTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ManifestValidator VALIDATOR = new ManifestValidator(new ObjectMapper());
    static final FunctionConfigurations RENDER = new FunctionConfigurations("us-east-1", "x86_64");

    static <T> T resource(String yaml, Class<T> type) throws Exception {
        Validation validation = VALIDATOR.validate(YAML.readTree(yaml));
        assertThat(validation.errors()).isEmpty();
        return type.cast(validation.resource());
    }

    static Function hello() throws Exception {
        Function function = resource("""
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: hello, creationTimestamp: "2026-11-23T10:00:00Z"}
                spec:
                  runtime: python3.12
                  handler: handler.handler
                  code: {path: src}
                  environment:
                    variables: {BETA: "2", ALPHA: "1"}
                    secrets: {TOKEN: {name: t, key: token}}
                  role: runner
                """, Function.class);
        function.setStatus(new FunctionStatus(1L, List.of(), FunctionStatus.State.Active, null, null,
                FunctionStatus.LastUpdateStatus.Successful, null, null, "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
                321L, "2026-11-23T10:00:01.000+0000", "rev-1", null));
        return function;
    }

    @Test
    void rendersLatestInTheServiceModelsShapeWithDefaults() throws Exception {
        ObjectNode out = RENDER.latest(hello(), "000000000000", Detail.FULL);
        assertThat(fieldNames(out)).containsExactly("FunctionName", "FunctionArn", "Runtime", "Role", "Handler", "CodeSize",
                "Description", "Timeout", "MemorySize", "LastModified", "CodeSha256", "Version", "Environment",
                "TracingConfig", "RevisionId", "State", "LastUpdateStatus", "PackageType", "Architectures",
                "EphemeralStorage", "SnapStart", "LoggingConfig");
        assertThat(out.get("FunctionArn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:hello");
        assertThat(out.get("Role").asText()).isEqualTo("arn:aws:iam::000000000000:role/runner");
        assertThat(out.get("Timeout").asInt()).isEqualTo(3);
        assertThat(out.get("MemorySize").asInt()).isEqualTo(128);
        assertThat(out.get("Version").asText()).isEqualTo("$LATEST");
        assertThat(out.get("CodeSize").asLong()).isEqualTo(321);
        assertThat(out.get("Environment").toString()).as("secret values stay out")
                .isEqualTo("{\"Variables\":{\"ALPHA\":\"1\",\"BETA\":\"2\"}}");
        assertThat(out.get("EphemeralStorage").get("Size").asInt()).isEqualTo(512);
        assertThat(out.get("LoggingConfig").get("LogGroup").asText()).isEqualTo("/aws/lambda/hello");
        assertThat(out.get("State").asText()).isEqualTo("Active");
    }

    @Test
    void listsWithoutStateMembersAsAwsDoes() throws Exception {
        ObjectNode out = RENDER.latest(hello(), "000000000000", Detail.LIST);
        assertThat(out.has("State")).isFalse();
        assertThat(out.has("LastUpdateStatus")).isFalse();
    }

    @Test
    void rendersAnImageFunctionWithoutRuntimeOrHandler() throws Exception {
        Function image = resource("""
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: resize}
                spec:
                  functionName: Resize
                  code: {imageUri: "registry.example.com/resize:1"}
                  imageConfig: {command: [app.handler]}
                """, Function.class);
        ObjectNode out = RENDER.latest(image, "123456789012", Detail.FULL);
        assertThat(out.has("Runtime")).isFalse();
        assertThat(out.has("Handler")).isFalse();
        assertThat(out.get("FunctionName").asText()).isEqualTo("Resize");
        assertThat(out.get("PackageType").asText()).isEqualTo("Image");
        assertThat(out.at("/ImageConfigResponse/ImageConfig/Command/0").asText()).isEqualTo("app.handler");
        assertThat(out.get("State").asText()).as("no status yet").isEqualTo("Pending");
        assertThat(out.get("LastModified").asText()).isEqualTo("1970-01-01T00:00:00.000+0000");
    }

    @Test
    void rendersAPublishedVersionFromItsSnapshot() throws Exception {
        Version version = resource("""
                apiVersion: klambda.dev/v1alpha1
                kind: Version
                metadata: {name: hello-2}
                spec:
                  functionName: hello
                  version: 2
                  description: second
                  snapshot:
                    codeSha256: "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="
                    codeSize: 99
                    publishedAt: "2026-11-22T09:00:00.000+0000"
                    configuration:
                      runtime: python3.11
                      handler: old.handler
                      code: {sha256: abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789}
                      memorySize: 256
                """, Version.class);
        ObjectNode out = RENDER.version(hello(), version, "000000000000", Detail.LIST);
        assertThat(out.get("FunctionArn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:hello:2");
        assertThat(out.get("Version").asText()).isEqualTo("2");
        assertThat(out.get("Runtime").asText()).isEqualTo("python3.11");
        assertThat(out.get("MemorySize").asInt()).isEqualTo(256);
        assertThat(out.get("Description").asText()).isEqualTo("second");
        assertThat(out.get("CodeSize").asLong()).isEqualTo(99);
        assertThat(out.get("LastModified").asText()).isEqualTo("2026-11-22T09:00:00.000+0000");
    }

    @Test
    void formatsBothTimestampEncodings() {
        Instant instant = Instant.parse("2019-10-01T16:47:28.490Z");
        assertThat(LambdaTimestamps.iso(instant)).isEqualTo("2019-10-01T16:47:28.490+0000");
        assertThat(LambdaTimestamps.epochSeconds(instant)).isEqualTo(1569948448.49);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
