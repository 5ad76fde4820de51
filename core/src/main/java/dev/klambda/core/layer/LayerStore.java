package dev.klambda.core.layer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.code.FileTrees;

/**
 * Published layer versions per namespace, as JSON records on a filesystem (standalone's
 * directory, a PVC in a cluster): {@code <root>/<namespace>/<layer>/<version>.json}, with the
 * highest number ever used kept beside them so that numbers are never reused after a delete.
 */
public final class LayerStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LAST = "last-version";

    private final Path root;

    public LayerStore(Path root) {
        this.root = root;
    }

    /** Records {@code layer} as the next version of its layer and returns it numbered. */
    public synchronized LayerVersion publish(String namespace, LayerVersion layer) {
        Path dir = root.resolve(namespace).resolve(layer.layerName());
        try {
            Files.createDirectories(dir);
            Path last = dir.resolve(LAST);
            long number = (Files.exists(last) ? Long.parseLong(Files.readString(last).trim()) : 0) + 1;
            LayerVersion numbered = layer.numbered(number);
            write(dir.resolve(number + ".json"), JSON.writeValueAsString(tree(numbered)));
            write(last, Long.toString(number));
            return numbered;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record layer " + layer.layerName(), e);
        }
    }

    public Optional<LayerVersion> get(String namespace, String layerName, long version) {
        Path file = root.resolve(namespace).resolve(layerName).resolve(version + ".json");
        return Files.isRegularFile(file) ? Optional.of(read(file)) : Optional.empty();
    }

    /** The versions of a layer, oldest first. */
    public List<LayerVersion> versions(String namespace, String layerName) {
        Path dir = root.resolve(namespace).resolve(layerName);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("\\d+\\.json")).map(LayerStore::read)
                    .sorted(Comparator.comparingLong(LayerVersion::version)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of a namespace's layers that have versions, sorted. */
    public List<String> layers(String namespace) {
        Path dir = root.resolve(namespace);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> layers = Files.list(dir)) {
            return layers.filter(LayerStore::hasVersions).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hasVersions(Path layer) {
        if (!Files.isDirectory(layer)) {
            return false;
        }
        try (Stream<Path> files = Files.list(layer)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("\\d+\\.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every version of every namespace, e.g. to know which zips are in use. */
    public List<LayerVersion> all() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<LayerVersion> all = new ArrayList<>();
        try (Stream<Path> namespaces = Files.list(root)) {
            for (Path namespace : namespaces.filter(Files::isDirectory).toList()) {
                for (String layer : layers(namespace.getFileName().toString())) {
                    all.addAll(versions(namespace.getFileName().toString(), layer));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** Deletes one version; deleting one that does not exist does nothing, as on AWS. */
    public synchronized void delete(String namespace, String layerName, long version) {
        try {
            FileTrees.deleteIfExists(root.resolve(namespace).resolve(layerName).resolve(version + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record as JSON, by hand: no reflection, so native images need no registration. */
    private static ObjectNode tree(LayerVersion layer) {
        ObjectNode node = JSON.createObjectNode();
        node.put("layerName", layer.layerName());
        node.put("version", layer.version());
        node.put("description", layer.description());
        node.put("sha256", layer.sha256());
        node.put("codeSize", layer.codeSize());
        node.set("compatibleRuntimes", JSON.valueToTree(layer.compatibleRuntimes()));
        node.set("compatibleArchitectures", JSON.valueToTree(layer.compatibleArchitectures()));
        node.put("licenseInfo", layer.licenseInfo());
        node.put("createdDate", layer.createdDate());
        return node;
    }

    private static List<String> strings(JsonNode node) {
        if (node == null || !node.isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        node.forEach(item -> out.add(item.asText()));
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static LayerVersion read(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            return new LayerVersion(text(node, "layerName"), node.path("version").asLong(), text(node, "description"),
                    text(node, "sha256"), node.path("codeSize").asLong(), strings(node.get("compatibleRuntimes")),
                    strings(node.get("compatibleArchitectures")), text(node, "licenseInfo"), text(node, "createdDate"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read layer record " + file, e);
        }
    }

    private static void write(Path file, String content) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), ".layer", ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
