package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;

/**
 * Optional monitoring: a ServiceMonitor that finds every component's metrics, and a Grafana
 * dashboard of the invoker's Lambda metrics. (The invoker's own tests check that every metric the
 * dashboard queries is one the invoker exports.)
 */
class MonitoringTest {

    private static Manifests rendered;
    private static JsonNode dashboard;

    @BeforeAll
    static void render() throws IOException {
        rendered = Chart.withValues("everything-on.yaml").render();
        dashboard = new ObjectMapper().readTree(Chart.DIR.resolve("files/klambda-dashboard.json").toFile());
    }

    @Test
    void neitherIsRenderedUnlessAskedFor() {
        Manifests defaults = Chart.withDefaults().render();

        assertThat(defaults.findGeneric("ServiceMonitor", "klambda")).isEmpty();
        assertThat(defaults.find(ConfigMap.class, "klambda-dashboard")).isEmpty();
    }

    @Test
    void theServiceMonitorScrapesQuarkusMetricsOfEveryComponentsService() {
        GenericKubernetesResource monitor = rendered.findGeneric("ServiceMonitor", "klambda").orElseThrow();
        assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
        Map<String, Object> spec = map(monitor.getAdditionalProperties().get("spec"));

        List<Service> scraped = rendered.all(Service.class).stream()
                .filter(service -> selects(map(spec.get("selector")), service.getMetadata().getLabels())).toList();
        assertThat(scraped).map(s -> s.getMetadata().getName()).containsExactlyInAnyOrder("klambda-controller",
                "klambda-invoker", "klambda-poller");
        assertThat(scraped).allSatisfy(
                service -> assertThat(service.getSpec().getPorts()).anyMatch(port -> "http".equals(port.getName())));
        assertThat(spec.get("endpoints")).isEqualTo(List.of(Map.of("port", "http", "path", "/q/metrics", "interval", "15s")));
        assertThat(map(spec.get("namespaceSelector"))).isEqualTo(Map.of("matchNames", List.of(Chart.NAMESPACE)));
    }

    @Test
    void theDashboardIsAConfigMapGrafanasSidecarPicksUp() throws IOException {
        ConfigMap configMap = rendered.get(ConfigMap.class, "klambda-dashboard");

        assertThat(configMap.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1")
                .containsEntry("grafana_folder", "klambda");
        assertThat(configMap.getData().get("klambda.json"))
                .isEqualToIgnoringWhitespace(Files.readString(Chart.DIR.resolve("files/klambda-dashboard.json")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Invocations           | lambda_invocations_total
            Errors                | lambda_errors_total
            Throttles by reason   | sum by (reason) (rate(lambda_throttles_total
            Duration p50 / p99    | histogram_quantile(0.5, sum by (le, function) (rate(lambda_duration_seconds_bucket
            Duration p50 / p99    | histogram_quantile(0.99, sum by (le, function) (rate(lambda_duration_seconds_bucket
            Concurrent executions | lambda_concurrent_executions
            Cold starts           | lambda_cold_starts_total
            GB-seconds by account | sum by (account) (rate(lambda_billed_gb_seconds_total
            """)
    void theDashboardHasAPanelFor(String title, String query) {
        assertThat(panels()).anySatisfy(panel -> {
            assertThat(panel.path("title").asText()).isEqualTo(title);
            assertThat(panel.path("targets")).anySatisfy(target -> assertThat(target.path("expr").asText()).contains(query));
        });
    }

    @Test
    void everyPanelQueriesTheDashboardsPrometheusDataSourceAndFilters() {
        assertThat(dashboard.path("templating").path("list")).map(v -> v.path("name").asText())
                .containsExactly("datasource", "account", "function");
        assertThat(panels()).isNotEmpty().allSatisfy(panel -> {
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            assertThat(panel.path("targets")).allSatisfy(target -> assertThat(target.path("expr").asText())
                    .contains("account=~\"$account\"", "function=~\"$function\""));
        });
    }

    private static List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        return panels;
    }

    /** Whether a label selector (matchLabels and In expressions) selects these labels. */
    private static boolean selects(Map<String, Object> selector, Map<String, String> labels) {
        boolean matches = map(selector.get("matchLabels")).entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        for (Object item : (List<?>) selector.getOrDefault("matchExpressions", List.of())) {
            Map<String, Object> expression = map(item);
            assertThat(expression.get("operator")).isEqualTo("In");
            matches &= ((List<?>) expression.get("values")).contains(labels.get((String) expression.get("key")));
        }
        return matches;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }
}
