package dev.klambda.standalone.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriteException.Reason;
import dev.klambda.core.store.Resources;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.function.Runtime;

/** Writes through the store (what the management API does) land in files that read back as kubectl's would. */
class ManifestStoreWritesTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String SHARED = """
            # two functions, hand-written
            apiVersion: klambda.dev/v1alpha1
            kind: Function
            metadata: {name: first}
            spec: {runtime: python3.12, handler: handler.handler, code: {path: src}}
            ---
            # stays above its document when that is rewritten
            apiVersion: klambda.dev/v1alpha1
            kind: Function
            metadata: {name: second}
            spec: {runtime: python3.12, handler: handler.handler, code: {path: src}, memorySize: 256}
            """;

    @TempDir
    Path manifests;
    @TempDir
    Path home;

    DirectoryCodeStore codeStore;
    ManifestDirectoryStore store;
    String sha256;

    @BeforeEach
    void start() throws IOException {
        Files.createDirectories(manifests.resolve("src"));
        Files.writeString(manifests.resolve("src/handler.py"), "def handler(e, c):\n    return 1\n");
        Files.writeString(manifests.resolve("functions.yaml"), SHARED);
        codeStore = new DirectoryCodeStore(home.resolve("code"));
        sha256 = codeStore.put(out -> out.write(zipOfOneFile())).digest().hex();
        store = new ManifestDirectoryStore(List.of(manifests), home.resolve("resources"), "default",
                new ManifestValidator(MAPPER), new FunctionStatuses(codeStore, MAPPER),
                new VersionFreezer(home, codeStore, MAPPER, Clock.systemUTC()));
        store.start();
    }

    @AfterEach
    void stop() throws IOException {
        store.close();
    }

    @Test
    void createsAFunctionAsAManifestInItsOwnDirectory() {
        Function created = store.create(function("made-by-api", 512));

        assertThat(created.getStatus().state()).isEqualTo(FunctionStatus.State.Active);
        assertThat(created.getStatus().codeSize()).isPositive();
        assertThat(created.getSpec().getTimeout()).as("the CRD's defaults apply as on the API server").isEqualTo(3);
        assertThat(home.resolve("resources/default/function/made-by-api.yaml")).content()
                .contains("name: made-by-api").contains("memorySize: 512").contains(sha256).doesNotContain("status");
        assertThat(store.function("default", "made-by-api")).isPresent();
    }

    @Test
    void refusesASecondFunctionOfTheSameName() {
        assertThatThrownBy(() -> store.create(function("first", 128)))
                .isInstanceOfSatisfying(ResourceWriteException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EXISTS));
    }

    @Test
    void refusesWhatTheApiServerWouldRefuseAndWritesNothing() {
        Function invalid = function("too-big", 20_000);

        assertThatThrownBy(() -> store.create(invalid)).isInstanceOfSatisfying(ResourceWriteException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.INVALID);
            assertThat(e.problems()).singleElement().asString().contains("spec.memorySize");
        });
        assertThat(home.resolve("resources/default/function/too-big.yaml")).doesNotExist();
    }

    @Test
    void rewritesOnlyItsOwnDocumentOfAHandWrittenFile() throws IOException {
        Function second = Resources.copy(store.function("default", "second").orElseThrow());
        second.getSpec().setTimeout(10);

        Function replaced = store.replace(second);

        assertThat(replaced.getSpec().getTimeout()).isEqualTo(10);
        String file = Files.readString(manifests.resolve("functions.yaml"));
        assertThat(file).startsWith("# two functions, hand-written\napiVersion: klambda.dev/v1alpha1\nkind: Function\n"
                + "metadata: {name: first}\n").contains("---\n# stays above its document when that is rewritten\napiVersion")
                .contains("timeout: 10");
        assertThat(store.function("default", "first").orElseThrow().getSpec().getMemorySize()).isEqualTo(128);
        assertThat(store.function("default", "second").orElseThrow().getSpec().getMemorySize()).isEqualTo(256);
    }

    @Test
    void refusesAReplacementOfAnOutdatedRead() {
        Function read = Resources.copy(store.function("default", "second").orElseThrow());
        Function other = Resources.copy(read);
        other.getSpec().setTimeout(20);
        store.replace(other);
        read.getSpec().setTimeout(30);

        assertThatThrownBy(() -> store.replace(read))
                .isInstanceOfSatisfying(ResourceWriteException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CHANGED));
        assertThat(store.function("default", "second").orElseThrow().getSpec().getTimeout()).isEqualTo(20);
    }

    @Test
    void deletesADocumentAndThenTheFileWithItsLastOne() {
        store.delete(store.function("default", "first").orElseThrow());
        assertThat(store.function("default", "first")).isEmpty();
        assertThat(manifests.resolve("functions.yaml")).content().contains("name: second").doesNotContain("name: first");

        store.delete(store.function("default", "second").orElseThrow());
        assertThat(manifests.resolve("functions.yaml")).doesNotExist();
        assertThatThrownBy(() -> store.delete(function("second", 128)))
                .isInstanceOfSatisfying(ResourceWriteException.class, e -> assertThat(e.reason()).isEqualTo(Reason.GONE));
    }

    @Test
    void collectsOnlyTheZipsNothingRefersTo() throws IOException {
        store.create(function("uses-it", 128));
        String unused = codeStore.put(out -> out.write("not referenced".getBytes())).digest().hex();

        assertThat(CodeCollector.referenced(store.snapshot())).contains(sha256).doesNotContain(unused);
        assertThat(codeStore.collect(CodeCollector.referenced(store.snapshot()), java.time.Duration.ofHours(1)))
                .as("too young to go").isEmpty();
        assertThat(codeStore.collect(CodeCollector.referenced(store.snapshot()), java.time.Duration.ZERO))
                .containsExactly(unused);
        assertThat(codeStore.find(sha256)).isPresent();
        assertThat(codeStore.find(unused)).isEmpty();
    }

    Function function(String name, int memory) {
        Function function = new Function();
        function.setMetadata(new ObjectMetaBuilder().withName(name).build());
        FunctionSpec spec = new FunctionSpec();
        spec.setRuntime(Runtime.fromId("python3.12"));
        spec.setHandler("handler.handler");
        spec.setMemorySize(memory);
        spec.setCode(new Code(null, sha256, null, null, null));
        function.setSpec(spec);
        return function;
    }

    static byte[] zipOfOneFile() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("handler.py"));
            zip.write("def handler(e, c):\n    return 1\n".getBytes());
        }
        return bytes.toByteArray();
    }
}
