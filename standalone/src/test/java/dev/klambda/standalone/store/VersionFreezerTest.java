package dev.klambda.standalone.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

class VersionFreezerTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    Path manifest;
    DirectoryCodeStore codeStore;
    final List<String> problems = new ArrayList<>();

    @BeforeEach
    void code() throws Exception {
        Files.createDirectories(dir.resolve("fn/src"));
        Files.writeString(dir.resolve("fn/src/handler.py"), "def handler(e, c):\n    return 1\n");
        manifest = dir.resolve("fn/function.yaml");
        codeStore = new DirectoryCodeStore(dir.resolve("home/code"));
    }

    VersionFreezer freezer() {
        return new VersionFreezer(dir.resolve("home"), codeStore, new ObjectMapper(), CLOCK);
    }

    static Function function(int memory, String state) throws Exception {
        return YAML.readValue("""
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: hello, namespace: default}
                spec: {runtime: python3.12, handler: handler.handler, code: {path: src}, memorySize: %d}
                status: {state: %s, stateReason: the reason}
                """.formatted(memory, state), Function.class);
    }

    static Version version(String name, Integer number, String codeSha256) throws Exception {
        return YAML.readValue("""
                apiVersion: klambda.dev/v1alpha1
                kind: Version
                metadata: {name: %s, namespace: default}
                spec: {functionName: hello%s%s}
                """.formatted(name, number == null ? "" : ", version: " + number,
                codeSha256 == null ? "" : ", codeSha256: \"" + codeSha256 + "\""), Version.class);
    }

    Version freeze(VersionFreezer freezer, Version version, Function function, List<Integer> numbers) {
        return freezer.freeze(version, function, manifest, numbers, problems);
    }

    @Test
    void freezesLatestsCodeAndConfigurationIntoTheVersion() throws Exception {
        Version frozen = freeze(freezer(), version("hello-v", null, null), function(256, "Active"), List.of());

        assertThat(problems).isEmpty();
        assertThat(frozen.getSpec().version()).isEqualTo(1);
        var snapshot = frozen.getSpec().snapshot();
        assertThat(snapshot.configuration().getMemorySize()).isEqualTo(256);
        assertThat(snapshot.configuration().getCode().path()).isNull();
        String hex = snapshot.configuration().getCode().sha256();
        assertThat(codeStore.find(hex)).as("the code is in the store").isPresent();
        assertThat(snapshot.codeSha256()).isEqualTo(codeStore.find(hex).orElseThrow().digest().base64());
        assertThat(snapshot.codeSize()).isEqualTo(Files.size(codeStore.find(hex).orElseThrow().zip()));
        assertThat(snapshot.publishedAt()).isEqualTo("2026-11-23T10:00:00.000+0000");
    }

    @Test
    void keepsTheSnapshotAcrossRestartsAndChangesOfLatest() throws Exception {
        Version first = freeze(freezer(), version("hello-v", 4, null), function(256, "Active"), List.of());
        Files.writeString(dir.resolve("fn/src/handler.py"), "def handler(e, c):\n    return 2\n");

        Version again = freeze(freezer(), version("hello-v", 4, null), function(1024, "Active"), List.of());

        assertThat(again.getSpec().snapshot()).isEqualTo(first.getSpec().snapshot());
        assertThat(again.getSpec().version()).isEqualTo(4);
    }

    @Test
    void neverReusesANumber() throws Exception {
        VersionFreezer freezer = freezer();
        Function function = function(128, "Active");
        assertThat(freeze(freezer, version("a", null, null), function, List.of()).getSpec().version()).isEqualTo(1);
        assertThat(freeze(freezer, version("b", null, null), function, List.of(1)).getSpec().version()).isEqualTo(2);
        // "b" was deleted: its number stays used.
        assertThat(freeze(freezer, version("c", null, null), function, List.of(1)).getSpec().version()).isEqualTo(3);
        assertThat(freeze(freezer, version("d", null, null), function, List.of(1, 7)).getSpec().version()).isEqualTo(8);
    }

    @Test
    void refusesADifferentCodeSha256AsPublishVersionDoes() throws Exception {
        String other = "a".repeat(64);
        Version refused = freeze(freezer(), version("hello-v", null, other), function(128, "Active"), List.of());

        assertThat(refused.getSpec().snapshot()).isNull();
        assertThat(problems).singleElement().asString().startsWith("spec.codeSha256: CodeSHA256 (" + other
                + ") is different from current CodeSHA256 in $LATEST (")
                .endsWith("Please try again with the CodeSHA256 in $LATEST.");
    }

    @Test
    void waitsForAFunctionThatIsMissingOrNotActive() throws Exception {
        assertThat(freeze(freezer(), version("hello-v", null, null), null, List.of()).getSpec().snapshot()).isNull();
        assertThat(freeze(freezer(), version("hello-v", null, null), function(128, "Failed"), List.of()).getSpec()
                .snapshot()).isNull();
        assertThat(problems).containsExactly(
                "spec.functionName: function hello does not exist; the version is published once it does",
                "cannot publish: function hello is not Active (the reason)");
        assertThat(freeze(freezer(), version("hello-v", null, null), function(128, "Active"), List.of()).getSpec()
                .version()).as("published once the function is there").isEqualTo(1);
    }

    @Test
    void refusesToRenumberAFrozenVersion() throws Exception {
        freeze(freezer(), version("hello-v", 1, null), function(128, "Active"), List.of());

        Version renumbered = freeze(freezer(), version("hello-v", 2, null), function(128, "Active"), List.of());

        assertThat(renumbered.getSpec().snapshot()).isNull();
        assertThat(problems).singleElement().asString()
                .isEqualTo("spec.version: Invalid value: 2: version is set once and never changed (it is 1)");
    }
}
