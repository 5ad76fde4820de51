package dev.klambda.agent.main.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.klambda.core.code.CodeDigest;

class FetchPlanTest {

    static final String HEX = CodeDigest.sha256Hex("code");
    static final String BASE64 = CodeDigest.of("code".getBytes()).base64();

    @Test
    void fetchesNothingIntoTheDefaultDirectoriesWhenNothingIsSet() {
        FetchPlan plan = FetchPlan.fromEnvironment(Map.of("KLAMBDA_FETCH_CODE", "  "));

        assertThat(plan.code()).isEmpty();
        assertThat(plan.layers()).isEmpty();
        assertThat(plan.taskRoot()).isEqualTo(Path.of("/var/task"));
        assertThat(plan.optDirectory()).isEqualTo(Path.of("/opt"));
    }

    @Test
    void readsTheCodeWithItsSha256InBase64AsHex() {
        FetchPlan plan = FetchPlan.fromEnvironment(Map.of("KLAMBDA_FETCH_CODE", "https://store.example/code/x.zip?sig=1",
                "KLAMBDA_FETCH_CODE_SHA256", BASE64, "KLAMBDA_FETCH_TASK_ROOT", "/srv/task/"));

        assertThat(plan.code()).contains(
                new Artifact("code", URI.create("https://store.example/code/x.zip?sig=1"), Optional.of(HEX)));
        assertThat(plan.taskRoot()).isEqualTo(Path.of("/srv/task"));
    }

    @Test
    void readsOneLayerPerLineInOrderWithOptionalSha256s() {
        FetchPlan plan = FetchPlan.fromEnvironment(Map.of("KLAMBDA_FETCH_LAYERS",
                "http://store/a.zip " + HEX.toUpperCase() + "\r\n\n   file:///layers/b.zip\n\thttp://store/c.zip  " + BASE64
                        + "  \n"));

        assertThat(plan.layers()).containsExactly(
                new Artifact("layer 1", URI.create("http://store/a.zip"), Optional.of(HEX)),
                new Artifact("layer 2", URI.create("file:///layers/b.zip"), Optional.empty()),
                new Artifact("layer 3", URI.create("http://store/c.zip"), Optional.of(HEX)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an unsupported scheme      | KLAMBDA_FETCH_CODE          | s3://bucket/code.zip       | KLAMBDA_FETCH_CODE must be an http://, https:// or file:/// URI, not s3:
            a bare path                | KLAMBDA_FETCH_CODE          | /code.zip                  | KLAMBDA_FETCH_CODE must be an http://, https:// or file:/// URI, not a path
            a relative file URI        | KLAMBDA_FETCH_CODE          | file:code.zip              | KLAMBDA_FETCH_CODE must be file:///<absolute path>, not file:code.zip
            a file URI with a host     | KLAMBDA_FETCH_CODE          | file://host/code.zip       | KLAMBDA_FETCH_CODE must be file:///<absolute path>, not file://host/code.zip
            a short sha256             | KLAMBDA_FETCH_LAYERS        | http://store/a.zip abc     | KLAMBDA_FETCH_LAYERS line 1 is not a SHA-256 in hex (64 digits) or base64: abc
            three fields               | KLAMBDA_FETCH_LAYERS        | http://store/a.zip abc def | KLAMBDA_FETCH_LAYERS line 1 has 3 fields; expected <source> [<sha256>]
            a relative task root       | KLAMBDA_FETCH_TASK_ROOT     | task                       | KLAMBDA_FETCH_TASK_ROOT must be an absolute path, not task
            a relative opt directory   | KLAMBDA_FETCH_OPT_DIRECTORY | ./opt                      | KLAMBDA_FETCH_OPT_DIRECTORY must be an absolute path, not ./opt
            a sha256 without code      | KLAMBDA_FETCH_CODE_SHA256   | abc                        | KLAMBDA_FETCH_CODE_SHA256 is set but KLAMBDA_FETCH_CODE is not
            """)
    void refusesMalformedVariablesNamingThem(String problem, String variable, String value, String message) {
        assertThatThrownBy(() -> FetchPlan.fromEnvironment(Map.of(variable, value)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void neverRepeatsAnUnparsableSourceWhichMayCarryASignature() {
        assertThatThrownBy(() -> FetchPlan.fromEnvironment(Map.of("KLAMBDA_FETCH_CODE", "https://store/x.zip?sig=a b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("KLAMBDA_FETCH_CODE is not a URI: ")
                .hasMessageNotContaining("sig=");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            https://store.example/code/x.zip?X-Amz-Signature=secret  | https://store.example/code/x.zip
            http://user:password@store:8080/x.zip#part              | http://store:8080/x.zip
            file:///mnt/code/code.zip                               | file:///mnt/code/code.zip
            """)
    void showsSourcesWithoutTheirSecrets(String source, String shown) {
        assertThat(new Artifact("code", URI.create(source), Optional.empty()).displaySource()).isEqualTo(shown);
    }
}
