package dev.klambda.invoker.cluster.pods;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

import dev.klambda.core.pool.DemandReports;
import dev.klambda.core.pool.DemandReports.PoolKey;

/**
 * Writes this replica's demand report ({@link DemandReports}) for the controller: at once when a
 * request starts waiting for a pod, so pools scale up without delay, and every interval otherwise,
 * so the controller sees the report is fresh. Writes happen on a thread of their own, never on the
 * request path; requests that start waiting while a write is under way are covered by one more write.
 */
public final class DemandReporter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DemandReporter.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Duration interval;
    private final Clock clock;
    private final Supplier<Map<PoolKey, Integer>> demand;
    private final AtomicBoolean urgent = new AtomicBoolean();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "klambda-demand-reporter");
        thread.setDaemon(true);
        return thread;
    });

    /** @param demand the environments this replica wants per pool now (running plus waiting invocations) */
    public DemandReporter(KubernetesClient client, String namespace, String replica, Duration interval, Clock clock,
            Supplier<Map<PoolKey, Integer>> demand) {
        this.client = client;
        this.namespace = namespace;
        this.name = DemandReports.configMapName(replica);
        this.interval = interval;
        this.clock = clock;
        this.demand = demand;
    }

    public void start() {
        writer.scheduleWithFixedDelay(this::write, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for a report now, because a request waits. Returns at once. */
    public void reportNow() {
        if (urgent.compareAndSet(false, true)) {
            try {
                writer.execute(() -> {
                    urgent.set(false);
                    write();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    @Override
    public void close() {
        writer.shutdownNow();
        try {
            client.configMaps().inNamespace(namespace).withName(name).delete();
        } catch (KubernetesClientException e) {
            LOG.debugf("could not delete demand report %s: %s", name, e.getMessage());
        }
    }

    private void write() {
        Map<String, String> data = new TreeMap<>();
        demand.get().forEach((pool, wanted) -> {
            if (wanted > 0) {
                data.put(DemandReports.key(pool.namespace(), pool.pool()), Integer.toString(wanted));
            }
        });
        ConfigMap report = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels(DemandReports.LABEL, "true")
                .addToAnnotations(DemandReports.REPORTED_AT, clock.instant().toString()).endMetadata()
                .withData(data).build();
        try {
            client.configMaps().inNamespace(namespace).resource(report).createOr(NonDeletingOperation::update);
        } catch (KubernetesClientException e) {
            LOG.warnf(e, "could not write demand report %s", name);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not write demand report %s", name);
        }
    }
}
