package dev.klambda.standalone.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.manifest.ManifestReader;

/**
 * How the store writes manifests: one resource as a YAML document, and a file's documents
 * rewritten one at a time, so that the other documents of a file, and the comments above each
 * document, stay as their author wrote them (comments inside a rewritten document go with it).
 */
final class ManifestWriting {

    /** A line that separates YAML documents. */
    private static final Pattern SEPARATOR = Pattern.compile("^---(\\s.*)?$");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

    private ManifestWriting() {
    }

    /** A version of a document's content: equal content, equal version. */
    static String resourceVersion(JsonNode document) {
        try {
            return CodeDigest.sha256Hex(JSON.writeValueAsString(document)).substring(0, 16);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed document always serialises", e);
        }
    }

    /**
     * {@code resource} as a manifest document: what its author gives (apiVersion, kind, name,
     * labels, annotations, spec), never what the store works out (status, uid, versions, a
     * Version's frozen snapshot). The
     * namespace is left out when it is {@code defaultNamespace}, as hand-written manifests do.
     */
    static String document(HasMetadata resource, String defaultNamespace) {
        ObjectNode tree = JSON.valueToTree(resource);
        tree.remove("status");
        ObjectNode metadata = JSON.createObjectNode();
        JsonNode given = tree.path("metadata");
        metadata.set("name", given.get("name"));
        if (given.hasNonNull("namespace") && !given.get("namespace").asText().equals(defaultNamespace)) {
            metadata.set("namespace", given.get("namespace"));
        }
        for (String field : List.of("labels", "annotations")) {
            if (given.hasNonNull(field) && !given.get(field).isEmpty()) {
                metadata.set(field, given.get(field));
            }
        }
        if ("Version".equals(tree.path("kind").asText()) && tree.get("spec") instanceof ObjectNode spec) {
            // A published Version's frozen part is its record's (VersionFreezer), never the manifest's to repeat.
            spec.remove("snapshot");
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("apiVersion", tree.get("apiVersion"));
        out.set("kind", tree.get("kind"));
        out.set("metadata", metadata);
        if (tree.has("spec")) {
            out.set("spec", tree.get("spec"));
        }
        try {
            return YAML.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a resource always serialises", e);
        }
    }

    /** Identifies one resource's document: kind, namespace (default when absent) and name. */
    interface Match {
        boolean matches(JsonNode document);
    }

    /**
     * Rewrites {@code file} with the document that {@code match} selects replaced by
     * {@code replacement} (or removed when it is null); a file left without documents is deleted.
     *
     * @return whether the document was found
     */
    static boolean rewrite(Path file, Match match, String replacement) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> segments = segments(text);
        ManifestReader reader = new ManifestReader();
        StringBuilder out = new StringBuilder();
        boolean found = false;
        boolean anyLeft = false;
        for (String segment : segments) {
            List<ManifestReader.Document> documents = reader.read(body(segment));
            if (!found && documents.size() == 1 && match.matches(documents.get(0).content())) {
                found = true;
                if (replacement != null) {
                    out.append(separator(segment)).append(leadingComments(body(segment))).append(replacement);
                    anyLeft = true;
                }
                continue;
            }
            out.append(segment);
            anyLeft |= !documents.isEmpty();
        }
        if (!found) {
            return false;
        }
        if (anyLeft) {
            writeAtomically(file, out.toString());
        } else {
            Files.delete(file);
        }
        return true;
    }

    /** Writes {@code file} so that readers see the old or the new content, never a part. */
    static void writeAtomically(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The file cut before each separator line; each segment keeps its own separator line and line ends. */
    static List<String> segments(String text) {
        List<String> segments = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            end = end < 0 ? text.length() : end + 1;
            String line = text.substring(start, end);
            if (SEPARATOR.matcher(line.stripTrailing()).matches() && !current.isEmpty()) {
                segments.add(current.toString());
                current.setLength(0);
            }
            current.append(line);
            start = end;
        }
        if (!current.isEmpty()) {
            segments.add(current.toString());
        }
        return segments;
    }

    /** The comment and blank lines a document starts with: they describe it, and stay when it is rewritten. */
    private static String leadingComments(String body) {
        int end = 0;
        while (end < body.length()) {
            int next = body.indexOf('\n', end);
            next = next < 0 ? body.length() : next + 1;
            String line = body.substring(end, next).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                break;
            }
            end = next;
        }
        return body.substring(0, end);
    }

    private static String separator(String segment) {
        int end = segment.indexOf('\n');
        String first = end < 0 ? segment : segment.substring(0, end + 1);
        return SEPARATOR.matcher(first.stripTrailing()).matches() ? (end < 0 ? first + "\n" : first) : "";
    }

    private static String body(String segment) {
        String separator = separator(segment);
        return separator.isEmpty() ? segment : segment.substring(Math.min(separator.length(), segment.length()));
    }
}
