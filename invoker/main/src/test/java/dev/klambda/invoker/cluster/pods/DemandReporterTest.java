package dev.klambda.invoker.cluster.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

import dev.klambda.core.pool.DemandReports;
import dev.klambda.core.pool.DemandReports.PoolKey;

@EnableKubernetesMockClient(crud = true)
class DemandReporterTest {

    static KubernetesClient client;

    ConfigMap report() {
        return client.configMaps().inNamespace("klambda").withName(DemandReports.configMapName("invoker-a")).get();
    }

    @Test
    void writesTheDemandAtOnceWhenAskedAndKeepsTheReportFresh() {
        Map<PoolKey, Integer> demand = new ConcurrentHashMap<>();
        PoolKey pool = new PoolKey("default", "hello-latest");
        try (DemandReporter reporter = new DemandReporter(client, "klambda", "invoker-a", Duration.ofHours(1),
                Clock.systemUTC(), () -> Map.copyOf(demand))) {
            reporter.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> report() != null);
            assertThat(report().getMetadata().getLabels()).containsEntry(DemandReports.LABEL, "true");
            assertThat(report().getData()).isNullOrEmpty();

            demand.put(pool, 3);
            reporter.reportNow();
            await().atMost(Duration.ofSeconds(5)).until(() -> report().getData() != null
                    && "3".equals(report().getData().get("default.hello-latest")));
            assertThat(report().getMetadata().getAnnotations()).containsKey(DemandReports.REPORTED_AT);

            demand.put(pool, 5);
            reporter.reportNow();
            await().atMost(Duration.ofSeconds(5)).until(() -> "5".equals(report().getData().get("default.hello-latest")));
        }
        assertThat(report()).as("a replica that stops takes its report with it").isNull();
    }
}
