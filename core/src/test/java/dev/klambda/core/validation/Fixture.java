package dev.klambda.core.validation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.klambda.core.manifest.ManifestReader;

/**
 * A manifest file used as a test case: its documents and the errors its {@code # expect:} lines
 * announce. Valid cases are the examples shipped in examples/ plus test/resources/manifests/valid.
 */
record Fixture(String name, List<JsonNode> documents, List<String> expected) {

    private static final ManifestReader READER = new ManifestReader();

    @Override
    public String toString() {
        return name;
    }

    static Fixture load(Path file, String name) {
        try {
            String text = Files.readString(file);
            List<JsonNode> documents = READER.read(text).stream().map(ManifestReader.Document::content).toList();
            List<String> expected = text.lines()
                    .filter(l -> l.startsWith("# expect: "))
                    .map(l -> l.substring("# expect: ".length()))
                    .toList();
            return new Fixture(name, documents, expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixtures of test/resources/manifests/{@code group}. */
    static Stream<Fixture> group(String group) {
        try {
            Path dir = Path.of(Fixture.class.getClassLoader().getResource("manifests/" + group).toURI());
            return yamlFiles(dir).map(f -> load(f, group + "/" + f.getFileName()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Valid manifests: the shipped examples and the valid fixtures. */
    static Stream<Fixture> valid() {
        Path examples = Path.of("..", "examples");
        Stream<Fixture> shipped = yamlFiles(examples).map(f -> load(f, "examples/" + examples.relativize(f)));
        return Stream.concat(shipped, group("valid"));
    }

    private static Stream<Path> yamlFiles(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            // examples/hello-java/target holds build output, not manifests
            return walk.filter(f -> f.toString().endsWith(".yaml") && !dir.relativize(f).toString().contains("target"))
                    .sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
