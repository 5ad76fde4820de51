package dev.klambda.standalone.mapping;

import java.time.Clock;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.poller.mapping.InvokerMappingFunctions;
import dev.klambda.poller.mapping.MappingRunner;
import dev.klambda.standalone.StandaloneConfig;
import dev.klambda.standalone.store.ManifestDirectoryStore;

/**
 * Event source mappings in one process: the poller's consumers invoke through the same invoker as
 * API calls, and their statuses are kept by the manifest store, as the API server keeps them in a
 * cluster.
 */
@ApplicationScoped
public class EventSourceMappings {

    private MappingRunner runner;

    void start(@Observes StartupEvent start, ManifestDirectoryStore store, TenantTable tenants, Invoker invoker,
            KafkaEventQueue events, MeterRegistry registry, StandaloneConfig config) {
        runner = new MappingRunner(store::eventSourceMappings, MappingRunner.QueueShare.ALL, tenants,
                new InvokerMappingFunctions(invoker, tenants, config.region()), events, config.async(), config.region(),
                store::secret, new MappingRunner.StatusWriter() {
                    @Override
                    public void write(EventSourceMapping mapping, EventSourceMappingStatus status) {
                        store.writeStatus(mapping, status);
                    }

                    @Override
                    public void forget(EventSourceMapping mapping) {
                        store.forgetStatus(mapping);
                    }
                }, registry, Clock.systemUTC(), config.mappings().options());
        runner.start();
    }

    /** The consumers stop (committing what they finished) before the invoker and the broker go. */
    void stop(@Observes @Priority(1) ShutdownEvent stop) throws InterruptedException {
        if (runner != null) {
            runner.close();
        }
    }
}
