package dev.klambda.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * The interpreters standalone mode runs functions with: the ones installed on the machine,
 * configurable per runtime family, and reported when their version differs from the function's
 * declared runtime. In a pod the runtime image fixes them.
 */
public final class Interpreters {

    private static final Logger LOG = Logger.getLogger(Interpreters.class);

    private final Optional<Path> python;
    private final Optional<Path> node;
    private final Path java;
    private final Map<String, String> versions = new ConcurrentHashMap<>();
    private final Map<String, Boolean> warned = new ConcurrentHashMap<>();

    public Interpreters(Optional<Path> python, Optional<Path> node, Path java) {
        this.python = python;
        this.node = node;
        this.java = java;
    }

    /**
     * Finds the interpreters: {@code KLAMBDA_PYTHON}, {@code KLAMBDA_NODE}, {@code KLAMBDA_JAVA}
     * when set, else {@code python3} and {@code node} from PATH (shims such as pyenv's resolved to
     * the real executable, so each start does not pay for the shim) and this JVM's {@code java}.
     */
    public static Interpreters detect(Map<String, String> environment) {
        Optional<Path> python = Optional.ofNullable(environment.get("KLAMBDA_PYTHON")).map(Path::of)
                .or(() -> onPath("python3", environment).flatMap(Interpreters::realPython));
        Optional<Path> node = Optional.ofNullable(environment.get("KLAMBDA_NODE")).map(Path::of)
                .or(() -> onPath("node", environment));
        Path java = Optional.ofNullable(environment.get("KLAMBDA_JAVA")).map(Path::of)
                .orElseGet(() -> ProcessHandle.current().info().command().map(Path::of).orElse(Path.of("java")));
        return new Interpreters(python, node, java);
    }

    public Optional<Path> python() {
        return python;
    }

    public Optional<Path> node() {
        return node;
    }

    public Path java() {
        return java;
    }

    /** The feature version of the java interpreter, e.g. 21. */
    public int javaFeatureVersion() {
        String version = version("java", java, List.of(java.toString(), "-XshowSettings:properties", "-version"),
                "java.specification.version = ");
        try {
            return Integer.parseInt(version.startsWith("1.") ? version.substring(2) : version);
        } catch (NumberFormatException e) {
            return Runtime.version().feature();
        }
    }

    /** Logs once per runtime when the interpreter's version is not the runtime's, e.g. python3.12 run by Python 3.11. */
    public void reportMismatch(String runtime) {
        String expected = null;
        String actual = null;
        if (runtime.startsWith("python") && python.isPresent()) {
            expected = runtime.substring("python".length());
            actual = version("python", python.get(), List.of(python.get().toString(), "-c",
                    "import sys; print('%d.%d' % sys.version_info[:2])"), "");
        } else if (runtime.startsWith("nodejs") && node.isPresent()) {
            expected = runtime.substring("nodejs".length(), runtime.indexOf('.'));
            String full = version("node", node.get(), List.of(node.get().toString(), "--version"), "");
            actual = full.startsWith("v") && full.contains(".") ? full.substring(1, full.indexOf('.')) : full;
        } else if (runtime.startsWith("java")) {
            expected = runtime.substring("java".length());
            actual = Integer.toString(javaFeatureVersion());
        }
        if (expected != null && !expected.equals(actual) && warned.putIfAbsent(runtime, true) == null) {
            LOG.warnf("runtime %s runs with the %s interpreter installed here, version %s", runtime,
                    runtime.replaceAll("[0-9.x]+$", ""), actual);
        }
    }

    private String version(String key, Path executable, List<String> command, String prefix) {
        return versions.computeIfAbsent(key + ":" + executable, k -> {
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                process.waitFor(10, TimeUnit.SECONDS);
                for (String line : out.split("\n")) {
                    String trimmed = line.trim();
                    if (trimmed.startsWith(prefix)) {
                        return trimmed.substring(prefix.length()).trim();
                    }
                }
                return "unknown";
            } catch (IOException e) {
                return "unknown";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        });
    }

    private static Optional<Path> onPath(String name, Map<String, String> environment) {
        String path = environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** The interpreter behind a possible shim script: Python knows its own executable. */
    private static Optional<Path> realPython(Path candidate) {
        try {
            List<String> command = new ArrayList<>(List.of(candidate.toString(), "-c", "import sys; print(sys.executable)"));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 && !out.isEmpty()
                    && Files.isExecutable(Path.of(out))) {
                return Optional.of(Path.of(out));
            }
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.of(candidate);
    }
}
