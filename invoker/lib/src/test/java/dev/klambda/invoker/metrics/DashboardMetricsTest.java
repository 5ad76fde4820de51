package dev.klambda.invoker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

import dev.klambda.agent.InvokeResult;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.invoker.Fixtures;
import dev.klambda.invoker.invoke.Target;

/**
 * The Helm chart's Grafana dashboard queries only metrics and labels these meters export, as
 * Prometheus names them (the chart lives in deploy/helm/klambda; this guard lives with the meters).
 */
class DashboardMetricsTest {

    static final Path DASHBOARD = Path.of("..", "..", "deploy", "helm", "klambda", "files", "klambda-dashboard.json");

    private static final Pattern METRIC = Pattern.compile("\\blambda_[a-z_]+\\b");
    private static final Pattern BY = Pattern.compile("\\bby \\(([^)]*)\\)");
    private static final Pattern MATCHER = Pattern.compile("([a-z_]+)\\s*=~");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\([^,]+,\\s*([a-z_]+)\\)");
    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)})? ");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

    /** Label names of every series the meters export, by metric name. */
    private static final Map<String, Set<String>> exported = new HashMap<>();

    @BeforeAll
    static void scrape() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        InvocationMetrics metrics = new InvocationMetrics(registry);
        Function function = Fixtures.function("default", "echo");
        Target target = new Target(Fixtures.DEFAULT, function, "$LATEST", function.getSpec(), "r1");
        InvokeResult coldError = new InvokeResult("{}".getBytes(StandardCharsets.UTF_8), "application/json", "Unhandled",
                null, null, 12.5, 80.0, 30);
        metrics.of(target, "prod", () -> 1).invoked(coldError, 128);
        metrics.throttled("000000000000", "echo", "ReservedFunctionConcurrentInvocationLimitExceeded");

        registry.scrape().lines().filter(line -> !line.startsWith("#")).forEach(line -> {
            Matcher series = SERIES.matcher(line);
            if (series.find()) {
                Set<String> labels = exported.computeIfAbsent(series.group(1), name -> new HashSet<>());
                Matcher label = LABEL.matcher(series.group(2) == null ? "" : series.group(2));
                while (label.find()) {
                    labels.add(label.group(1));
                }
            }
        });
    }

    static List<String> queries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(t -> queries.add(t.path("expr").asText())));
        dashboard.path("templating").path("list").forEach(variable -> {
            if (variable.path("type").asText().equals("query")) {
                queries.add(variable.path("definition").asText());
            }
        });
        return queries;
    }

    @ParameterizedTest
    @MethodSource("queries")
    void theDashboardQueriesOnlyExportedMetricsAndLabels(String query) {
        List<String> metrics = METRIC.matcher(query).results().map(m -> m.group()).toList();
        assertThat(metrics).as("metrics in %s", query).isNotEmpty();
        Set<String> labels = new HashSet<>();
        for (String metric : metrics) {
            assertThat(exported).as("the invoker exports %s", metric).containsKey(metric);
            labels.addAll(exported.get(metric));
        }
        for (String used : labelsUsed(query)) {
            assertThat(labels).as("label %s of %s", used, metrics).contains(used);
        }
    }

    private static Set<String> labelsUsed(String query) {
        Set<String> used = new HashSet<>();
        BY.matcher(query).results().forEach(m -> {
            for (String label : m.group(1).split(",")) {
                used.add(label.strip());
            }
        });
        MATCHER.matcher(query).results().forEach(m -> used.add(m.group(1)));
        LABEL_VALUES.matcher(query).results().forEach(m -> used.add(m.group(1)));
        return used;
    }
}
