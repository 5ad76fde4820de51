package dev.klambda.core.manifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Reads YAML manifest files, which may hold several documents separated by {@code ---}. */
public final class ManifestReader {

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    /** One document of a manifest file, with its position (0-based) and first line (1-based). */
    public record Document(int index, int line, JsonNode content) {
    }

    /** A manifest that is not valid YAML. */
    public static final class UnreadableManifestException extends IOException {

        public UnreadableManifestException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The non-empty documents of {@code text}. */
    public List<Document> read(String text) throws UnreadableManifestException {
        List<Document> documents = new ArrayList<>();
        try (JsonParser parser = yaml.getFactory().createParser(text)) {
            int index = 0;
            while (parser.nextToken() != null) {
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode content = yaml.readTree(parser);
                if (content != null && !content.isNull() && !content.isMissingNode()) {
                    documents.add(new Document(index, line, content));
                }
                index++;
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new UnreadableManifestException("not valid YAML" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UnreadableManifestException("not valid YAML: " + e.getMessage(), e);
        }
        return documents;
    }
}
