package dev.klambda.standalone.async;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.routing.Resolver;
import dev.klambda.poller.async.AsyncDrain;
import dev.klambda.poller.async.InvokerFunctions;
import dev.klambda.standalone.StandaloneConfig;

/**
 * Asynchronous invocations in one process: the embedded broker (started with the application, so
 * the first {@code Event} call does not wait for it), the event queue the invoker writes to, and
 * the poller that attempts the events through the same invoker.
 */
@ApplicationScoped
public class AsyncQueue {

    private AsyncDrain drain;

    @Produces
    @Singleton
    EmbeddedKafka broker(StandaloneConfig config) throws Exception {
        return EmbeddedKafka.start(config.home().resolve("kafka"), config.kafka().port(), config.kafka().partitions());
    }

    void stopBroker(@Disposes EmbeddedKafka broker) {
        broker.close();
    }

    @Produces
    @Singleton
    KafkaEventQueue eventQueue(EmbeddedKafka broker) {
        return KafkaEventQueue.connect(broker.bootstrapServers(), Map.of());
    }

    void closeEventQueue(@Disposes KafkaEventQueue queue) {
        queue.close();
    }

    void start(@Observes StartupEvent start, EmbeddedKafka broker, KafkaEventQueue queue, Invoker invoker,
            Resolver resolver, TenantTable tenants, ResourceStore store, MeterRegistry registry,
            StandaloneConfig config) {
        drain = AsyncDrain.start(broker.bootstrapServers(),
                new InvokerFunctions(resolver, invoker, tenants, store, config.region()), queue, registry,
                config.async(), config.region());
    }

    /** The poller stops first, while the invoker, the queue and the broker still serve it. */
    void stop(@Observes ShutdownEvent stop) throws InterruptedException {
        if (drain != null) {
            drain.close();
        }
    }
}
