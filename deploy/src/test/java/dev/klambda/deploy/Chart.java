package dev.klambda.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

/**
 * The chart in deploy/helm/klambda with some values, linted and rendered by Helm's own code
 * (helm-java) as release {@value #RELEASE} in namespace {@value #NAMESPACE}.
 */
final class Chart {

    static final Path DIR = Path.of("helm", "klambda");
    static final String RELEASE = "klambda";
    static final String NAMESPACE = "klambda-system";
    /** helm-java assumes Kubernetes 1.20 unless told, older than the chart's kubeVersion allows. */
    static final String KUBE_VERSION = "1.31.0";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<Path> valuesFiles = new ArrayList<>();
    private final Map<String, Object> sets = new LinkedHashMap<>();

    private Chart() {
    }

    /** The chart with its own values.yaml only. */
    static Chart withDefaults() {
        return new Chart();
    }

    /** The chart with a values file from src/test/resources/values/. */
    static Chart withValues(String name) {
        return new Chart().values(resource("values/" + name));
    }

    Chart values(Path file) {
        valuesFiles.add(file);
        return this;
    }

    /** As {@code --set key=value}. */
    Chart set(String key, Object value) {
        sets.put(key, value);
        return this;
    }

    /** {@code helm template}, parsed. */
    Manifests render() {
        return Manifests.parse(template().call());
    }

    /** The message {@code helm template} fails with; an AssertionError when it renders. */
    String renderFailure() {
        String rendered;
        try {
            rendered = template().call();
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected the chart to refuse these values, but it rendered:\n" + rendered);
    }

    /**
     * {@code helm lint --strict}. helm-java's lint takes no values files, so the chart is copied
     * into {@code workDir} with the values files merged into its values.yaml, as Helm merges them.
     */
    LintResult lint(Path workDir) {
        if (!sets.isEmpty()) {
            throw new IllegalStateException("lint takes values files only");
        }
        Path chart = DIR;
        if (!valuesFiles.isEmpty()) {
            chart = workDir.resolve("klambda");
            copy(DIR, chart);
            Map<String, Object> values = read(DIR.resolve("values.yaml"));
            for (Path file : valuesFiles) {
                values = merge(values, read(file));
            }
            write(chart.resolve("values.yaml"), values);
        }
        return new Helm(chart).lint().strict().call();
    }

    private TemplateCommand template() {
        FakeApiServer.get();
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file);
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template;
    }

    /** A test resource as a file. */
    static Path resource(String name) {
        URL url = Chart.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Helm's coalescing of values: maps merge key by key, anything else is replaced. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        override.forEach((key, value) -> {
            if (value instanceof Map<?, ?> map && merged.get(key) instanceof Map<?, ?> existing) {
                merged.put(key, merge((Map<String, Object>) existing, (Map<String, Object>) map));
            } else {
                merged.put(key, value);
            }
        });
        return merged;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(Path file) {
        try {
            Map<String, Object> values = YAML.readValue(file.toFile(), Map.class);
            return values == null ? Map.of() : values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, Map<String, Object> values) {
        try {
            YAML.writeValue(file.toFile(), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
