package dev.klambda.standalone.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodePackages;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;

/** The manifest store publishing Versions that name only their function, as the controller does in a cluster. */
class VersionFreezerTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path manifests;
    @TempDir
    Path home;

    DirectoryCodeStore codeStore;
    final List<ManifestDirectoryStore> stores = new ArrayList<>();

    @BeforeEach
    void hello() throws IOException {
        codeStore = new DirectoryCodeStore(home.resolve("code"));
        code("hello/src", "return 1");
        write("hello/function.yaml", function("hello", 256));
    }

    @AfterEach
    void stop() throws IOException {
        for (ManifestDirectoryStore store : stores) {
            store.close();
        }
    }

    /** A store on the manifests and the home, as the application starts one, after its first scan. */
    ManifestDirectoryStore store() {
        ManifestDirectoryStore store = new ManifestDirectoryStore(List.of(manifests), null, "default",
                new ManifestValidator(MAPPER), new FunctionStatuses(codeStore, MAPPER),
                new VersionFreezer(home, codeStore, MAPPER, CLOCK));
        stores.add(store);
        store.rescan();
        return store;
    }

    @Test
    void freezesLatestIntoAVersionThatNamesOnlyItsFunction() throws IOException {
        write("hello/v.yaml", version("hello-v", "hello", ""));

        ManifestDirectoryStore store = store();

        assertThat(store.snapshot().problems()).isEmpty();
        Function hello = store.function("default", "hello").orElseThrow();
        Version version = store.publishedVersion("default", "hello", "1").orElseThrow();
        VersionSnapshot snapshot = version.getSpec().snapshot();
        assertThat(version.getMetadata().getName()).isEqualTo("hello-v");
        assertThat(snapshot.codeSha256()).isEqualTo(hello.getStatus().codeSha256());
        assertThat(snapshot.codeSize()).isEqualTo(hello.getStatus().codeSize());
        assertThat(snapshot.publishedAt()).isEqualTo("2026-11-23T10:00:00.000+0000");
        FunctionConfiguration configuration = snapshot.configuration();
        assertThat(configuration.getCode().path()).isNull();
        assertThat(configuration.getCode().sha256()).isEqualTo(CodeDigest.toHex(hello.getStatus().codeSha256()));
        assertThat(codeStore.find(configuration.getCode().sha256())).as("the code is in the code store")
                .hasValueSatisfying(stored -> assertThat(stored.digest().base64()).isEqualTo(snapshot.codeSha256()));
        assertThat(configuration.getMemorySize()).isEqualTo(256);
        assertThat(configuration.getHandler()).isEqualTo("handler.handler");
        assertThat(configuration.getEnvironment().variables()).containsEntry("GREETING", "hi");
    }

    @Test
    void keepsAFrozenVersionWhenLatestChangesAndAcrossRestarts() throws IOException {
        write("hello/v.yaml", version("hello-v", "hello", ""));
        ManifestDirectoryStore store = store();
        VersionSnapshot frozen = store.publishedVersion("default", "hello", "1").orElseThrow().getSpec().snapshot();
        String frozenCode = store.function("default", "hello").orElseThrow().getStatus().codeSha256();

        code("hello/src", "return 2");
        write("hello/function.yaml", function("hello", 1024));
        store.rescan();

        Function changed = store.function("default", "hello").orElseThrow();
        assertThat(changed.getSpec().getMemorySize()).isEqualTo(1024);
        assertThat(changed.getStatus().codeSha256()).isNotEqualTo(frozenCode);
        assertThat(store.publishedVersion("default", "hello", "1").orElseThrow().getSpec().snapshot())
                .isEqualTo(frozen);
        assertThat(store().publishedVersion("default", "hello", "1").orElseThrow().getSpec().snapshot())
                .as("after a restart").isEqualTo(frozen);
    }

    @Test
    void numbersVersionsOneTwoThreeAndNeverReusesANumber() throws IOException {
        write("hello/a.yaml", version("hello-a", "hello", ""));
        ManifestDirectoryStore store = store();
        write("hello/b.yaml", version("hello-b", "hello", ""));
        store.rescan();
        Files.delete(manifests.resolve("hello/b.yaml"));
        write("hello/c.yaml", version("hello-c", "hello", ""));
        store.rescan();

        assertThat(numbers(store)).containsExactly("hello-a=1", "hello-c=3");

        write("hello/d.yaml", version("hello-d", "hello", ""));
        assertThat(numbers(store())).as("after a restart").containsExactly("hello-a=1", "hello-c=3", "hello-d=4");
    }

    @Test
    void aDeletedVersionThatComesBackIsTheVersionItWas() throws IOException {
        write("hello/a.yaml", version("hello-a", "hello", ""));
        ManifestDirectoryStore store = store();
        VersionSnapshot frozen = store.publishedVersion("default", "hello", "1").orElseThrow().getSpec().snapshot();
        Files.delete(manifests.resolve("hello/a.yaml"));
        store.rescan();
        assertThat(store.versions("default", "hello")).isEmpty();

        write("hello/function.yaml", function("hello", 512));
        write("hello/a.yaml", version("hello-a", "hello", ""));
        store.rescan();

        assertThat(store.publishedVersion("default", "hello", "1").orElseThrow().getSpec().snapshot()).isEqualTo(frozen);
        assertThat(store.versions("default", "hello")).hasSize(1);
    }

    @Test
    void takesTheNumberAVersionNamesAndCountsOnFromIt() throws IOException {
        write("hello/1.yaml", version("hello-five", "hello", "version: 5"));
        write("hello/2.yaml", version("hello-next", "hello", ""));
        write("hello/3.yaml", version("hello-again", "hello", "version: 5"));

        ManifestDirectoryStore store = store();

        assertThat(numbers(store)).containsExactly("hello-five=5", "hello-next=6");
        assertThat(store.publishedVersion("default", "hello", "5").orElseThrow().getMetadata().getName())
                .isEqualTo("hello-five");
        assertThat(store.snapshot().problems()).extracting(Problem::message).containsExactly(
                "Version(default/hello-again): spec.version: Invalid value: 5: version 5 of hello was published as Version(default/hello-five); a number is never used twice");
    }

    @Test
    void refusesACodeSha256OtherThanLatestsAsPublishVersionDoes() throws IOException {
        String other = "a".repeat(64);
        write("hello/v.yaml", version("hello-v", "hello", "codeSha256: \"" + other + "\""));

        ManifestDirectoryStore store = store();

        String latest = store.function("default", "hello").orElseThrow().getStatus().codeSha256();
        assertThat(store.snapshot().problems()).containsExactly(new Problem(manifests.resolve("hello/v.yaml"),
                "Version(default/hello-v): spec.codeSha256: CodeSHA256 (" + other
                        + ") is different from current CodeSHA256 in $LATEST (" + latest
                        + "). Please try again with the CodeSHA256 in $LATEST."));
        assertThat(store.versions("default", "hello")).singleElement()
                .satisfies(v -> assertThat(v.getSpec().snapshot()).as("unpublished").isNull());
        assertThat(store.function("default", "hello")).as("the rest stays loaded").isPresent();

        write("hello/v.yaml", version("hello-v", "hello", "codeSha256: \"" + latest + "\""));
        store.rescan();
        assertThat(store.snapshot().problems()).isEmpty();
        assertThat(store.publishedVersion("default", "hello", "1")).isPresent();
    }

    @Test
    void refusesToChangeTheNumberOfAFrozenVersionEvenAfterARestart() throws IOException {
        write("hello/v.yaml", version("hello-v", "hello", ""));
        ManifestDirectoryStore store = store();

        write("hello/v.yaml", version("hello-v", "hello", "version: 2"));
        store.rescan();

        String refused = "Version \"hello-v\" (line 1): spec: Invalid value: \"object\": version is set once and never changed";
        assertThat(store.snapshot().problems()).extracting(Problem::message).containsExactly(refused,
                "the file's previous content stays loaded until it is fixed");
        assertThat(numbers(store)).containsExactly("hello-v=1");
        assertThat(store().snapshot().problems()).extracting(Problem::message).as("after a restart")
                .containsExactly(refused);
    }

    @Test
    void refusesToChangeAFrozenSnapshotEvenAfterARestart() throws IOException {
        write("hello/v.yaml", version("hello-v", "hello", ""));
        VersionSnapshot frozen = store().publishedVersion("default", "hello", "1").orElseThrow().getSpec().snapshot();
        write("hello/v.yaml", version("hello-v", "hello", """
                snapshot:
                    configuration: {runtime: python3.12, handler: other.handler, code: {sha256: "%s"}}
                """.formatted(frozen.configuration().getCode().sha256())));

        ManifestDirectoryStore restarted = store();

        assertThat(restarted.snapshot().problems()).extracting(Problem::message).containsExactly(
                "Version \"hello-v\" (line 1): spec: Invalid value: \"object\": snapshot is frozen: a Version's configuration is set once and never changed");
        assertThat(restarted.versions("default", "hello")).isEmpty();
    }

    @Test
    void aManifestMayRepeatWhatWasFrozen() throws IOException {
        write("hello/v.yaml", version("hello-v", "hello", ""));
        store();
        write("hello/v.yaml", version("hello-v", "hello", "version: 1\n  description: now with a description"));

        ManifestDirectoryStore restarted = store();

        assertThat(restarted.snapshot().problems()).isEmpty();
        assertThat(restarted.publishedVersion("default", "hello", "1").orElseThrow().getSpec().description())
                .isEqualTo("now with a description");
    }

    @Test
    void publishesTheVersionOfAMissingFunctionOnceTheFunctionAppears() throws IOException {
        Files.createDirectories(manifests.resolve("later"));
        write("later/v.yaml", version("later-v", "later", ""));
        ManifestDirectoryStore store = store();

        assertThat(store.snapshot().problems()).containsExactly(new Problem(manifests.resolve("later/v.yaml"),
                "Version(default/later-v): spec.functionName: function later does not exist; the version is published once it does"));
        assertThat(store.versions("default", "later")).singleElement()
                .satisfies(v -> assertThat(v.getSpec().snapshot()).isNull());

        code("later/src", "return 'later'");
        write("later/function.yaml", function("later", 128));
        store.rescan();

        assertThat(store.snapshot().problems()).isEmpty();
        assertThat(store.publishedVersion("default", "later", "1")).isPresent();
    }

    @Test
    void cannotFreezeAFailedFunction() throws IOException {
        Files.createDirectories(manifests.resolve("broken"));
        write("broken/function.yaml", function("broken", 128));
        write("broken/v.yaml", version("broken-v", "broken", ""));

        ManifestDirectoryStore store = store();

        assertThat(store.snapshot().problems()).singleElement().extracting(Problem::message).asString()
                .startsWith(
                        "Version(default/broken-v): cannot publish: function broken is not Active (code.path src does not exist")
                .endsWith("; the version is published once it is");
        assertThat(store.publishedVersion("default", "broken", "1")).isEmpty();
    }

    @Test
    void freezesAContainerImageFunctionWithItsImage() throws IOException {
        write("image.yaml", """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: image}
                spec: {code: {imageUri: "registry.example.com/image@sha256:%s"}, memorySize: 512}
                ---
                %s""".formatted("b".repeat(64), version("image-v", "image", "")));

        ManifestDirectoryStore store = store();

        VersionSnapshot snapshot = store.publishedVersion("default", "image", "1").orElseThrow().getSpec().snapshot();
        assertThat(snapshot.codeSha256()).isNull();
        assertThat(snapshot.codeSize()).isNull();
        assertThat(snapshot.configuration().getCode().imageUri())
                .isEqualTo("registry.example.com/image@sha256:" + "b".repeat(64));
        assertThat(snapshot.configuration().getMemorySize()).isEqualTo(512);
    }

    @Test
    void freezesLayersGivenAsPathsByTheirSha256() throws IOException {
        code("hello/layer/python", "return 'layer'");
        String arn = "arn:aws:lambda:us-east-1:123456789012:layer:common:3";
        write("hello/function.yaml", function("hello", 128) + "  layers: [{path: layer}, {arn: \"" + arn + "\"}]\n");
        write("hello/v.yaml", version("hello-v", "hello", ""));
        String layer = CodePackages.digest(manifests.resolve("hello/layer")).hex();

        ManifestDirectoryStore store = store();

        assertThat(store.publishedVersion("default", "hello", "1").orElseThrow().getSpec().snapshot().configuration()
                .getLayers()).containsExactly(new Layer(null, null, layer), new Layer(arn, null, null));
        assertThat(codeStore.find(layer)).isPresent();
    }

    /** The published versions of hello, as name=number. */
    private static List<String> numbers(ManifestDirectoryStore store) {
        return store.versions("default", "hello").stream()
                .filter(v -> v.getSpec().snapshot() != null)
                .map(v -> v.getMetadata().getName() + "=" + v.getSpec().version())
                .toList();
    }

    private void code(String directory, String body) throws IOException {
        Files.createDirectories(manifests.resolve(directory));
        Files.writeString(manifests.resolve(directory).resolve("handler.py"), "def handler(e, c):\n    " + body + "\n");
    }

    private void write(String file, String content) throws IOException {
        Files.writeString(manifests.resolve(file), content);
    }

    /** ManifestDirectoryStoreTest's function, with an environment variable to see copied. */
    static String function(String name, int memory) {
        return ManifestDirectoryStoreTest.function(name, memory) + "  environment: {variables: {GREETING: hi}}\n";
    }

    static String version(String name, String function, String more) {
        return """
                apiVersion: klambda.dev/v1alpha1
                kind: Version
                metadata: {name: %s}
                spec:
                  functionName: %s
                  %s
                """.formatted(name, function, more);
    }
}
