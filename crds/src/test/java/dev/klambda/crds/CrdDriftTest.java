package dev.klambda.crds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fails when the committed CRD YAML (crds/manifests and the Helm chart's crds/) differs from a
 * fresh generation. Regenerate both with {@code ./klambda crds}.
 */
class CrdDriftTest {

    static final Path MANIFESTS = Path.of("manifests");
    static final Path HELM_CRDS = Path.of("..", "deploy", "helm", "klambda", "crds");
    static final boolean UPDATE = Boolean.getBoolean("klambda.crds.update");

    @TempDir
    Path generated;

    @Test
    void committedCrdsMatchAFreshGeneration() throws IOException {
        List<Path> fresh = CrdGeneration.generateInto(generated);
        for (Path copy : List.of(MANIFESTS, HELM_CRDS)) {
            if (UPDATE) {
                write(fresh, copy);
            }
            assertThat(yamlFiles(copy)).as("CRD files in %s (run ./klambda crds)", copy)
                    .containsExactlyInAnyOrderElementsOf(fresh.stream().map(f -> f.getFileName().toString()).toList());
            for (Path file : fresh) {
                assertThat(Files.readString(copy.resolve(file.getFileName())))
                        .as("%s is stale: run ./klambda crds", copy.resolve(file.getFileName()))
                        .isEqualTo(Files.readString(file));
            }
        }
    }

    private static void write(List<Path> fresh, Path target) throws IOException {
        Files.createDirectories(target);
        for (Path stale : yamlFiles(target).stream().map(target::resolve).toList()) {
            Files.delete(stale);
        }
        for (Path file : fresh) {
            Files.copy(file, target.resolve(file.getFileName()));
        }
    }

    private static List<String> yamlFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yml") || n.endsWith(".yaml"))
                    .sorted().toList();
        }
    }
}
