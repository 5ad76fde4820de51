package dev.klambda.standalone.environments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import dev.klambda.agent.EnvironmentSpec;
import dev.klambda.agent.Interpreters;
import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.core.code.CodePackages;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.invoker.invoke.Target;
import dev.klambda.standalone.store.FunctionStatusesAccess;
import dev.klambda.standalone.store.ManifestDirectoryStore;

/** The shipped example functions running in local environments, from their manifests. */
class LocalEnvironmentsIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    @TempDir
    static Path home;
    static Vertx vertx;
    static ManifestDirectoryStore store;
    static LocalEnvironments environments;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        DirectoryCodeStore codeStore = new DirectoryCodeStore(home.resolve("code"));
        store = new ManifestDirectoryStore(List.of(EXAMPLES), "default", new ManifestValidator(JSON),
                FunctionStatusesAccess.create(codeStore, JSON));
        store.start();
        environments = new LocalEnvironments(vertx, "us-east-1", codeStore, home, LocalEnvironments.runtimeFiles(home),
                Interpreters.detect(System.getenv()), Duration.ofMinutes(10), store::manifestOf, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        environments.close();
        store.close();
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    static final Tenant TENANT = new Tenant("default", "000000000000", List.of());

    static Target latest(String name) {
        Function function = store.function("default", name).orElseThrow();
        return new Target(TENANT, function, "$LATEST", function.getSpec(), function.getStatus().revisionId());
    }

    static InvokeResult invoke(String name, String event) throws Exception {
        return environments
                .invoke(latest(name), InvokeRequest.of("req-" + System.nanoTime(), event.getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "hello-python", "hello-node", "hello-java" })
    void runsTheExampleFunctions(String name) throws Exception {
        InvokeResult first = invoke(name, "{\"name\":\"klambda\"}");
        assertThat(first.functionError()).as(new String(first.payload(), StandardCharsets.UTF_8)).isNull();
        JsonNode out = JSON.readTree(first.payload());
        assertThat(out.get("message").asText()).isEqualTo("Hello, klambda!");
        assertThat(out.get("function").asText()).isEqualTo(name);
        assertThat(out.get("version").asText()).isEqualTo("$LATEST");
        assertThat(first.coldStart()).isTrue();

        InvokeResult second = invoke(name, "{}");
        assertThat(second.coldStart()).as("the warm environment is reused").isFalse();
        assertThat(environments.stats().entrySet()).anySatisfy(e -> {
            assertThat(e.getKey().functionName()).isEqualTo(name);
            assertThat(e.getValue().warm()).isEqualTo(1);
        });
    }

    @Test
    void unpacksALayerNamedBySha256FromTheCodeStore() throws Exception {
        Path dir = layeredFunction();
        DirectoryCodeStore codeStore = new DirectoryCodeStore(home.resolve("code"));
        String layer = codeStore.put(out -> CodePackages.writePackage(dir.resolve("layer"), out)).digest().hex();
        Files.writeString(dir.resolve("layer/python/greeting.py"), "GREETING = 'changed since'\n");

        EnvironmentSpec spec = prepare(dir, "{sha256: '" + layer + "'}");

        assertThat(spec.optDirectory().resolve("python/greeting.py")).hasContent("GREETING = 'stored'\n");
    }

    @Test
    void refusesALayerPathThatNoLongerHasItsSha256() throws Exception {
        Path dir = layeredFunction();

        assertThatThrownBy(() -> prepare(dir, "{path: layer, sha256: '" + "0".repeat(64) + "'}"))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type().code()).isEqualTo("ResourceNotReadyException");
                    assertThat(e.getMessage()).startsWith("the code at layer has SHA-256 ")
                            .endsWith(", not the " + "0".repeat(64) + " that its sha256 requires");
                });
    }

    /** A directory with a function's code in src and a Python layer in layer. */
    static Path layeredFunction() throws Exception {
        Path dir = Files.createTempDirectory(home, "layered");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/handler.py"), "def handler(e, c):\n    return 1\n");
        Files.createDirectories(dir.resolve("layer/python"));
        Files.writeString(dir.resolve("layer/python/greeting.py"), "GREETING = 'stored'\n");
        return dir;
    }

    /** What an environment of the function in {@code dir} with one {@code layer} would run. */
    static EnvironmentSpec prepare(Path dir, String layer) throws Exception {
        Path manifest = dir.resolve("function.yaml");
        Files.writeString(manifest, """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: layered}
                spec: {runtime: python3.12, handler: handler.handler, code: {path: src}, layers: [%s]}
                """.formatted(layer));
        Function function = (Function) new ManifestValidator(JSON)
                .validate(new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(manifest.toFile())).resource();
        try (LocalEnvironments layered = new LocalEnvironments(vertx, "us-east-1", new DirectoryCodeStore(home.resolve("code")),
                home, LocalEnvironments.runtimeFiles(home), Interpreters.detect(System.getenv()), Duration.ofMinutes(10),
                resource -> Optional.of(manifest), Clock.systemUTC())) {
            return layered.prepare(new Target(TENANT, function, "$LATEST", function.getSpec(), "r1"));
        }
    }

    @Test
    void runsTheEnvironmentsItStartsOnTheCallersEventLoop() throws Exception {
        Path dir = layeredFunction();
        Path manifest = dir.resolve("function.yaml");
        Files.writeString(manifest, """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: affine}
                spec: {runtime: python3.12, handler: handler.handler, code: {path: src}}
                """);
        Function function = (Function) new ManifestValidator(JSON)
                .validate(new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(manifest.toFile())).resource();
        Context caller = vertx.getOrCreateContext();
        try (LocalEnvironments affine = new LocalEnvironments(vertx, "us-east-1", new DirectoryCodeStore(home.resolve("code")),
                home, LocalEnvironments.runtimeFiles(home), Interpreters.detect(System.getenv()), Duration.ofMinutes(10),
                resource -> Optional.of(manifest), Clock.systemUTC())) {
            Target target = new Target(TENANT, function, "$LATEST", function.getSpec(), "r1");
            CompletableFuture<Thread> callerThread = new CompletableFuture<>();
            CompletableFuture<Thread> answeredOn = new CompletableFuture<>();
            caller.runOnContext(v -> {
                callerThread.complete(Thread.currentThread());
                affine.invoke(target, InvokeRequest.of("affine-1", "{}".getBytes(StandardCharsets.UTF_8)))
                        .whenComplete((result, e) -> answeredOn.complete(Thread.currentThread()));
            });

            // The pool is prepared on another thread, yet its first environment lives on the caller's
            // event loop, so that the caller's later calls need no hop to another thread.
            assertThat(answeredOn.get(60, TimeUnit.SECONDS)).isSameAs(callerThread.get());
        }
    }

    @Test
    void reportsUnpreparableCodeAsALambdaError() throws Exception {
        Path manifest = Files.createDirectories(home.resolve("broken")).resolve("function.yaml");
        Files.writeString(home.resolve("broken/code.zip"), "this is not a zip");
        Files.writeString(manifest, """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: broken}
                spec: {runtime: python3.12, handler: a.b, code: {path: code.zip}}
                """);
        Function function = (Function) new ManifestValidator(JSON)
                .validate(new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                        .readTree(manifest.toFile()))
                .resource();
        try (LocalEnvironments broken = new LocalEnvironments(vertx, "us-east-1", new DirectoryCodeStore(home.resolve("code")),
                home, LocalEnvironments.runtimeFiles(home), Interpreters.detect(System.getenv()), Duration.ofMinutes(10),
                resource -> Optional.of(manifest), Clock.systemUTC())) {
            Target target = new Target(TENANT, function, "$LATEST", function.getSpec(), "r1");
            assertThatThrownBy(() -> broken.invoke(target, InvokeRequest.of("x", "{}".getBytes())).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.type().code()).isEqualTo("InvalidZipFileException");
                        assertThat(e.getMessage())
                                .isEqualTo("Could not unzip uploaded file. Please check your file, then try to upload again.");
                    });
        }
    }
}
