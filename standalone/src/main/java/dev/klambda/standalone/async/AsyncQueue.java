package dev.klambda.standalone.async;

import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

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
import dev.klambda.poller.async.AsyncMetrics;
import dev.klambda.poller.async.AsyncPoller;
import dev.klambda.poller.async.AsyncProcessor;
import dev.klambda.poller.async.InvokerFunctions;
import dev.klambda.poller.async.RetryPolicy;
import dev.klambda.poller.destination.Destinations;
import dev.klambda.poller.destination.SqsQueues;
import dev.klambda.standalone.StandaloneConfig;

/**
 * Asynchronous invocations in one process: the embedded broker (started with the application, so
 * the first {@code Event} call does not wait for it), the event queue the invoker writes to, and
 * the poller that attempts the events through the same invoker.
 */
@ApplicationScoped
public class AsyncQueue {

    private AsyncPoller poller;
    private ScheduledExecutorService timers;
    private SqsQueues sqs;

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
        StandaloneConfig.Async async = config.async();
        timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("klambda-async-timers").daemon().factory());
        sqs = async.sqsEndpoint().map(endpoint -> SqsQueues.connect(endpoint, config.region(), async.sqsAccessKey(),
                async.sqsSecretKey())).orElse(null);
        Clock clock = Clock.systemUTC();
        AsyncProcessor processor = new AsyncProcessor(
                new InvokerFunctions(resolver, invoker, tenants, store, config.region()), queue,
                new Destinations(queue, sqs, HttpClient.newHttpClient(), clock),
                new RetryPolicy(async.retryDelays(), async.firstBackoff(), async.maxBackoff()),
                new AsyncMetrics(registry), timers, clock);
        // A dynamic member, not a static one: after a SIGKILL the broker still holds the dead member
        // until its session ends (6 s), and under Kafka 4's group protocol a static member that
        // rejoins meanwhile fails for good (UnreleasedInstanceIdException), which stopped the
        // poller. A dynamic member just gets the partitions once the dead one's session ends.
        poller = new AsyncPoller(AsyncPoller.consumer(broker.bootstrapServers(), Map.of()), processor, timers, clock,
                new AsyncPoller.Options(async.maxRunning(), AsyncPoller.Options.DEFAULT.maxWaiting(),
                        AsyncPoller.Options.DEFAULT.commitInterval()));
        poller.start();
    }

    /** The poller stops first, while the invoker, the queue and the broker still serve it. */
    void stop(@Observes ShutdownEvent stop) throws InterruptedException {
        if (poller != null) {
            poller.close();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        if (sqs != null) {
            sqs.close();
        }
    }
}
