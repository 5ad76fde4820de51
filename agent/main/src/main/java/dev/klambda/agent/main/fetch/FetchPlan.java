package dev.klambda.agent.main.fetch;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.klambda.core.code.CodeDigest;

/**
 * What the {@code fetch} init container is asked to do, read from its environment (the
 * controller renders these variables):
 * <ul>
 * <li>{@value #CODE}: the function's zip, {@code http://}, {@code https://} or {@code file:///path};
 * <li>{@value #CODE_SHA256}: its SHA-256, hex or base64 (Lambda's CodeSha256);
 * <li>{@value #LAYERS}: one layer per line, {@code <source> [<sha256>]}, in the order they are unpacked;
 * <li>{@value #TASK_ROOT} (default {@code /var/task}) and {@value #OPT_DIRECTORY} (default {@code /opt}):
 * where code and layers go.
 * </ul>
 * All are optional; blank counts as unset.
 */
public record FetchPlan(Optional<Artifact> code, List<Artifact> layers, Path taskRoot, Path optDirectory) {

    public static final String CODE = "KLAMBDA_FETCH_CODE";
    public static final String CODE_SHA256 = "KLAMBDA_FETCH_CODE_SHA256";
    public static final String LAYERS = "KLAMBDA_FETCH_LAYERS";
    public static final String TASK_ROOT = "KLAMBDA_FETCH_TASK_ROOT";
    public static final String OPT_DIRECTORY = "KLAMBDA_FETCH_OPT_DIRECTORY";

    public FetchPlan {
        layers = List.copyOf(layers);
    }

    /**
     * The plan these variables describe.
     *
     * @throws IllegalArgumentException naming the variable, when one is malformed
     */
    public static FetchPlan fromEnvironment(Map<String, String> env) {
        Optional<String> codeSource = value(env, CODE);
        Optional<String> codeSha256 = value(env, CODE_SHA256);
        if (codeSource.isEmpty() && codeSha256.isPresent()) {
            throw new IllegalArgumentException(CODE_SHA256 + " is set but " + CODE + " is not");
        }
        Optional<Artifact> code = codeSource.map(source -> artifact("code", CODE, source,
                codeSha256.map(sha256 -> sha256(CODE_SHA256, sha256))));
        List<Artifact> layers = new ArrayList<>();
        String[] lines = value(env, LAYERS).orElse("").split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\s+");
            String where = LAYERS + " line " + (i + 1);
            if (fields.length > 2) {
                throw new IllegalArgumentException(where + " has " + fields.length + " fields; expected <source> [<sha256>]");
            }
            Optional<String> sha256 = fields.length == 2 ? Optional.of(sha256(where, fields[1])) : Optional.empty();
            layers.add(artifact("layer " + (layers.size() + 1), where, fields[0], sha256));
        }
        return new FetchPlan(code, layers, directory(env, TASK_ROOT, "/var/task"),
                directory(env, OPT_DIRECTORY, "/opt"));
    }

    private static Artifact artifact(String name, String where, String source, Optional<String> sha256) {
        URI uri;
        try {
            uri = new URI(source);
        } catch (URISyntaxException e) {
            // not e.getMessage(): it repeats the input, and a signed URL's query is a secret
            throw new IllegalArgumentException(where + " is not a URI: " + e.getReason() + " at index " + e.getIndex());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "http", "https" -> {
                if (uri.getHost() == null) {
                    throw new IllegalArgumentException(where + " has no host");
                }
            }
            case "file" -> {
                if (uri.getAuthority() != null || uri.getPath() == null || !uri.getPath().startsWith("/")) {
                    throw new IllegalArgumentException(where + " must be file:///<absolute path>, not " + source);
                }
            }
            default -> throw new IllegalArgumentException(
                    where + " must be an http://, https:// or file:/// URI, not "
                            + (scheme.isEmpty() ? "a path" : scheme + ":"));
        }
        return new Artifact(name, uri, sha256);
    }

    private static String sha256(String where, String value) {
        return CodeDigest.parseHex(value).orElseThrow(
                () -> new IllegalArgumentException(where + " is not a SHA-256 in hex (64 digits) or base64: " + value));
    }

    private static Path directory(Map<String, String> env, String name, String fallback) {
        Path path = Path.of(value(env, name).orElse(fallback));
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException(name + " must be an absolute path, not " + path);
        }
        return path.normalize();
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }
}
