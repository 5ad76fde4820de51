package dev.klambda.poller.async;

import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.micrometer.core.instrument.MeterRegistry;

import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.poller.destination.Destinations;
import dev.klambda.poller.destination.SqsQueues;

/**
 * The poller of the asynchronous queue with what it needs (timers, destinations, retry policy,
 * metrics), as standalone and a cluster's invokers run it: one Kafka consumer in group
 * {@code klambda-async}, so that the processes that run it share the partitions.
 */
public final class AsyncDrain implements AutoCloseable {

    private final AsyncPoller poller;
    private final ScheduledExecutorService timers;
    private final SqsQueues sqs;

    private AsyncDrain(AsyncPoller poller, ScheduledExecutorService timers, SqsQueues sqs) {
        this.poller = poller;
        this.timers = timers;
        this.sqs = sqs;
    }

    /**
     * Starts draining the queue at {@code bootstrapServers}, attempting events through
     * {@code functions} and writing retries and function destinations with {@code queue}.
     */
    public static AsyncDrain start(String bootstrapServers, AsyncFunctions functions, KafkaEventQueue queue,
            MeterRegistry registry, AsyncConfig config, String region) {
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("klambda-async-timers").daemon().factory());
        SqsQueues sqs = SqsQueues.configured(config, region);
        Clock clock = Clock.systemUTC();
        AsyncProcessor processor = new AsyncProcessor(functions, queue,
                new Destinations(queue, sqs, HttpClient.newHttpClient(), clock),
                new RetryPolicy(config.retryDelays(), config.firstBackoff(), config.maxBackoff()),
                new AsyncMetrics(registry), timers, clock);
        // A dynamic member, not a static one: after a SIGKILL the broker still holds the dead member
        // until its session ends, and under Kafka 4's group protocol a static member that rejoins
        // meanwhile fails for good (UnreleasedInstanceIdException), which stopped the poller. A
        // dynamic member just gets the partitions once the dead one's session ends.
        AsyncPoller poller = new AsyncPoller(AsyncPoller.consumer(bootstrapServers, Map.of()), processor, timers, clock,
                new AsyncPoller.Options(config.maxRunning(), AsyncPoller.Options.DEFAULT.maxWaiting(),
                        AsyncPoller.Options.DEFAULT.commitInterval()));
        poller.start();
        return new AsyncDrain(poller, timers, sqs);
    }

    /** Stops taking events, lets those under way finish (or come back after a restart), and commits. */
    @Override
    public void close() throws InterruptedException {
        poller.close();
        timers.shutdownNow();
        if (sqs != null) {
            sqs.close();
        }
    }
}
