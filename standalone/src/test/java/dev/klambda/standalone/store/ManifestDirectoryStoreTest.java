package dev.klambda.standalone.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;

class ManifestDirectoryStoreTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Duration WATCH = Duration.ofSeconds(10);

    @TempDir
    Path manifests;
    @TempDir
    Path home;

    ManifestDirectoryStore store;

    @BeforeEach
    void start() throws IOException {
        Files.createDirectories(manifests.resolve("hello/src"));
        Files.writeString(manifests.resolve("hello/src/handler.py"), "def handler(e, c):\n    return 1\n");
        write("hello/function.yaml", function("hello", 128));
        store = new ManifestDirectoryStore(List.of(manifests), "default", new ManifestValidator(MAPPER),
                new FunctionStatuses(new DirectoryCodeStore(home.resolve("code")), MAPPER));
        store.start();
    }

    @AfterEach
    void stop() throws IOException {
        store.close();
    }

    @Test
    void loadsFunctionsWithTheirCodeDigestAndDefaults() {
        Function hello = store.function("default", "hello").orElseThrow();
        assertThat(hello.getSpec().getTimeout()).as("CRD default applied").isEqualTo(3);
        assertThat(hello.getMetadata().getNamespace()).isEqualTo("default");
        FunctionStatus status = hello.getStatus();
        assertThat(status.state()).isEqualTo(FunctionStatus.State.Active);
        assertThat(status.codeSha256()).hasSize(44);
        assertThat(status.codeSize()).isPositive();
        assertThat(store.snapshot().problems()).isEmpty();
        assertThat(store.functions("other")).isEmpty();
    }

    @Test
    void appliesAChangedManifestWithoutARestart() throws IOException {
        write("hello/function.yaml", function("hello", 1024));
        await().atMost(WATCH).until(() -> store.function("default", "hello").orElseThrow().getSpec().getMemorySize() == 1024);
    }

    @Test
    void loadsSecretsForMappingsWithoutShowingThemAsResources() throws IOException {
        write("secrets.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: kafka-login}
                data: {username: bWFwcGVy}
                stringData: {password: s3cret}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: elsewhere, namespace: team-b}
                stringData: {password: other}
                """);
        await().atMost(WATCH).until(() -> store.secret("default", "kafka-login").isPresent());

        Map<String, byte[]> login = store.secret("default", "kafka-login").orElseThrow();
        assertThat(new String(login.get("username"), StandardCharsets.UTF_8)).isEqualTo("mapper");
        assertThat(new String(login.get("password"), StandardCharsets.UTF_8)).isEqualTo("s3cret");
        assertThat(store.secret("team-b", "elsewhere")).isPresent();
        assertThat(store.secret("default", "elsewhere")).isEmpty();
        assertThat(store.snapshot().counts()).doesNotContainKey("Secret");
    }

    @Test
    void reportsASecretThatIsNotBase64OrNotV1() throws IOException {
        write("secrets.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: broken}
                data: {password: "not base64!"}
                ---
                apiVersion: v2
                kind: Secret
                metadata: {name: future}
                """);
        await().atMost(WATCH).until(() -> store.snapshot().problems().size() == 2);

        assertThat(store.snapshot().problems()).extracting(Problem::toString).containsExactly(
                manifests.resolve("secrets.yaml") + ": Secret \"broken\" (line 1): data.password is not base64",
                manifests.resolve("secrets.yaml") + ": Secret \"future\" (line 6): a Secret's apiVersion is v1");
        assertThat(store.secret("default", "broken")).isEmpty();
    }

    @Test
    void picksUpNewAndDeletedFiles() throws IOException {
        Files.createDirectories(manifests.resolve("later/src"));
        Files.writeString(manifests.resolve("later/src/handler.py"), "def handler(e, c):\n    return 2\n");
        write("later/function.yaml", function("later", 256));
        await().atMost(WATCH).until(() -> store.function("default", "later").isPresent());

        Files.delete(manifests.resolve("later/function.yaml"));
        await().atMost(WATCH).until(() -> store.function("default", "later").isEmpty());
        assertThat(store.function("default", "hello")).isPresent();
    }

    @Test
    void reportsAnInvalidFileAndKeepsWhatWasLoaded() throws IOException {
        String before = store.function("default", "hello").orElseThrow().getStatus().revisionId();
        write("hello/function.yaml", function("hello", 20000));
        await().atMost(WATCH).until(() -> !store.snapshot().problems().isEmpty());

        assertThat(store.snapshot().problems()).extracting(Problem::toString).containsExactly(
                manifests.resolve("hello/function.yaml")
                        + ": Function \"hello\" (line 1): spec.memorySize: Invalid value: 20000: spec.memorySize in body should be less than or equal to 10240",
                manifests.resolve("hello/function.yaml") + ": the file's previous content stays loaded until it is fixed");
        Function hello = store.function("default", "hello").orElseThrow();
        assertThat(hello.getSpec().getMemorySize()).isEqualTo(128);
        assertThat(hello.getStatus().revisionId()).isEqualTo(before);

        write("hello/function.yaml", function("hello", 512));
        await().atMost(WATCH).until(() -> store.snapshot().problems().isEmpty());
        assertThat(store.function("default", "hello").orElseThrow().getSpec().getMemorySize()).isEqualTo(512);
    }

    @Test
    void reportsABrokenFileWithoutTouchingOtherFiles() throws IOException {
        write("broken.yaml", "apiVersion: klambda.dev/v1alpha1\nkind: Function\nmetadata: {name: x\n");
        await().atMost(WATCH).until(() -> !store.snapshot().problems().isEmpty());
        assertThat(store.snapshot().problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(manifests.resolve("broken.yaml"));
            assertThat(p.message()).startsWith("not valid YAML at line");
        });
        assertThat(store.function("default", "hello")).isPresent();
    }

    @Test
    void refusesToChangeAFrozenVersion() throws IOException {
        write("hello/v1.yaml", version(1, "handler.handler"));
        await().atMost(WATCH).until(() -> store.version("default", "hello", 1).isPresent());

        write("hello/v1.yaml", version(1, "other.handler"));
        await().atMost(WATCH).until(() -> !store.snapshot().problems().isEmpty());
        assertThat(store.snapshot().problems().get(0).message())
                .isEqualTo(
                        "Version \"hello-1\" (line 1): spec: Invalid value: \"object\": snapshot is frozen: a Version's configuration is set once and never changed");
        assertThat(store.version("default", "hello", 1).orElseThrow().getSpec().snapshot().configuration().getHandler())
                .isEqualTo("handler.handler");
    }

    @Test
    void reportsTwoFunctionsWithOneLambdaName() throws IOException {
        write("clash.yaml", """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: hello-again}
                spec: {functionName: hello, runtime: python3.12, handler: h.h, code: {path: hello/src}}
                """);
        await().atMost(WATCH).until(() -> !store.snapshot().problems().isEmpty());
        assertThat(store.snapshot().problems()).singleElement().extracting(Problem::message).asString()
                .contains("function name hello is already used by a Function in");
        assertThat(store.function("default", "hello").orElseThrow().getMetadata().getName()).isEqualTo("hello");
    }

    @Test
    void followsCodeChangesAndReportsMissingCode() throws IOException {
        String sha = store.function("default", "hello").orElseThrow().getStatus().codeSha256();
        Files.writeString(manifests.resolve("hello/src/handler.py"), "def handler(e, c):\n    return 42\n");
        await().atMost(WATCH)
                .until(() -> !store.function("default", "hello").orElseThrow().getStatus().codeSha256().equals(sha));

        Files.delete(manifests.resolve("hello/src/handler.py"));
        Files.delete(manifests.resolve("hello/src"));
        await().atMost(WATCH).until(
                () -> store.function("default", "hello").orElseThrow().getStatus().state() == FunctionStatus.State.Failed);
        FunctionStatus failed = store.function("default", "hello").orElseThrow().getStatus();
        assertThat(failed.stateReason()).startsWith("code.path src does not exist");
        assertThat(failed.stateReasonCode()).isEqualTo("InvalidConfiguration");
    }

    @Test
    void findsZipsInTheCodeStoreBySha256() throws IOException {
        var digest = new DirectoryCodeStore(home.resolve("code"))
                .put(new java.io.ByteArrayInputStream("PK fake zip".getBytes()));
        write("stored.yaml", """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: stored}
                spec: {runtime: python3.12, handler: h.h, code: {sha256: %s}}
                """.formatted(digest.hex()));
        write("missing.yaml", """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: missing}
                spec: {runtime: python3.12, handler: h.h, code: {sha256: "%s"}}
                """.formatted("0".repeat(64)));
        await().atMost(WATCH).until(() -> store.function("default", "missing").isPresent());
        assertThat(store.function("default", "stored").orElseThrow().getStatus()).satisfies(s -> {
            assertThat(s.state()).isEqualTo(FunctionStatus.State.Active);
            assertThat(s.codeSha256()).isEqualTo(digest.base64());
            assertThat(s.codeSize()).isEqualTo(11);
        });
        assertThat(store.function("default", "missing").orElseThrow().getStatus().stateReason())
                .isEqualTo("the code store has no zip with SHA-256 " + "0".repeat(64));
    }

    private void write(String file, String content) throws IOException {
        Files.writeString(manifests.resolve(file), content);
    }

    static String function(String name, int memory) {
        return """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata:
                  name: %s
                spec:
                  runtime: python3.12
                  handler: handler.handler
                  code: {path: src}
                  memorySize: %d
                """.formatted(name, memory);
    }

    static String version(int number, String handler) {
        return """
                apiVersion: klambda.dev/v1alpha1
                kind: Version
                metadata: {name: hello-%d}
                spec:
                  functionName: hello
                  version: %d
                  snapshot:
                    configuration:
                      runtime: python3.12
                      handler: %s
                      code: {sha256: abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789}
                """.formatted(number, number, handler);
    }
}
