package dev.klambda.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives the application under test a manifest directory of its own, a copy of a test resource
 * directory (init argument {@code manifests}, default api-manifests), that tests may change while
 * it runs, and an empty KLAMBDA_HOME.
 */
public class ManifestsResource implements QuarkusTestResourceLifecycleManager {

    private static Path root;
    private static Path manifests;
    private String source = "api-manifests";

    /** The application's KLAMBDA_HOME. */
    public static Path home() {
        return root.resolve("home");
    }

    /** The manifest directory the running application watches. */
    public static Path manifests() {
        return manifests;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        source = initArgs.getOrDefault("manifests", source);
    }

    @Override
    public Map<String, String> start() {
        try {
            root = Files.createTempDirectory("klambda-it-");
            manifests = root.resolve("manifests");
            Path from = Path.of(ManifestsResource.class.getClassLoader().getResource(source).toURI());
            try (Stream<Path> files = Files.walk(from)) {
                for (Path file : files.toList()) {
                    Path target = manifests.resolve(from.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
            return Map.of("klambda.manifests", manifests.toString(), "klambda.home", root.resolve("home").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
