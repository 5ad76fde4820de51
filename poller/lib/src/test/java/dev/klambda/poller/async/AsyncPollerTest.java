package dev.klambda.poller.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.AsyncRecords;
import dev.klambda.invoker.async.AsyncTopics;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.poller.destination.Destinations;

/** The poller's reading and committing, with Kafka's own MockConsumer standing in for the broker. */
class AsyncPollerTest {

    static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:orders";
    static final TopicPartition EVENTS = new TopicPartition(AsyncTopics.EVENTS, 0);

    /** Attempts that end when the test says so. */
    static final class HeldFunctions implements AsyncFunctions {
        final List<CompletableFuture<InvocationRecords.Response>> attempts = new CopyOnWriteArrayList<>();
        /** The most attempts that were unfinished at one time. */
        volatile long mostAtOnce;

        @Override
        public AsyncSettings settings(AsyncEvent event) {
            return new AsyncSettings(ARN + ":$LATEST", 2, Duration.ofHours(6), null, null, null, false);
        }

        @Override
        public CompletionStage<InvocationRecords.Response> invoke(AsyncEvent event) {
            CompletableFuture<InvocationRecords.Response> attempt = new CompletableFuture<>();
            attempts.add(attempt);
            mostAtOnce = Math.max(mostAtOnce, attempts.stream().filter(a -> !a.isDone()).count());
            return attempt;
        }

        /** Ends every attempt started so far with a success. */
        void finishAll() {
            attempts.forEach(a -> a.complete(new InvocationRecords.Response("$LATEST", null, new byte[0])));
        }
    }

    final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    final KafkaEventQueue queue = new KafkaEventQueue(
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()));
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final HeldFunctions functions = new HeldFunctions();
    final AsyncPoller poller = new AsyncPoller(consumer,
            new AsyncProcessor(functions, queue,
                    new Destinations(queue, null, HttpClient.newHttpClient(), Clock.systemUTC()),
                    new RetryPolicy(List.of(Duration.ofSeconds(1)), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                    new AsyncMetrics(new SimpleMeterRegistry()), timers, Clock.systemUTC()),
            timers, Clock.systemUTC(), new AsyncPoller.Options(4, 100, Duration.ofMillis(10)));

    @AfterEach
    void stop() throws InterruptedException {
        functions.finishAll();
        poller.close();
        timers.shutdownNow();
        queue.close();
    }

    /**
     * Finishes the running attempts and waits for the next four (max-running) to start, until
     * {@code events} started; then finishes those too.
     */
    void finishFourAtATime(int events) {
        for (int started = 8; started <= events; started += 4) {
            functions.finishAll();
            int next = started;
            await().atMost(Duration.ofSeconds(5)).until(() -> functions.attempts.size() == next);
        }
        functions.finishAll();
    }

    /** At the next poll: the queue's partition assigned, holding events 0 up to {@code until}. */
    void assignedWithEvents(long until) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(EVENTS));
            consumer.updateBeginningOffsets(Map.of(EVENTS, 0L));
            addEvents(0, until);
        });
    }

    /** Events {@code from} up to {@code until} appended to the queue's partition. */
    void addEvents(long from, long until) {
        for (long offset = from; offset < until; offset++) {
            consumer.addRecord(record(offset));
        }
    }

    /** Event {@code offset} of the queue, as the invoker writes it. */
    static ConsumerRecord<String, byte[]> record(long offset) {
        AsyncEvent event = AsyncEvent.accepted("req-" + offset, "000000000000", ARN,
                "{}".getBytes(StandardCharsets.UTF_8), Instant.now(), null);
        ProducerRecord<String, byte[]> sent = AsyncRecords.toRecord(AsyncTopics.EVENTS, event);
        return new ConsumerRecord<>(EVENTS.topic(), EVENTS.partition(), offset, 0, TimestampType.CREATE_TIME, 0, 0,
                sent.key(), sent.value(), sent.headers(), Optional.empty());
    }

    @Test
    void attemptsNoMoreThanMaxRunningEventsAtOnceWhenOnePollReturnsMore() {
        assignedWithEvents(20);
        poller.start();

        // The first poll returns all 20; four start, the rest wait until those finish.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> functions.attempts.size() == 4);
        finishFourAtATime(20);

        await().atMost(Duration.ofSeconds(5)).until(() -> new OffsetAndMetadata(20)
                .equals(consumer.committed(Set.of(EVENTS)).get(EVENTS)));
        assertThat(functions.mostAtOnce).isEqualTo(4);
    }

    @Test
    void readsAheadAsManyEventsAsMayRunWhileThoseRunThenWaitsInKafka() {
        assignedWithEvents(4);
        // Read by a later poll, while the first four still run.
        consumer.schedulePollTask(() -> addEvents(4, 12));
        poller.start();

        await().atMost(Duration.ofSeconds(5)).until(() -> functions.attempts.size() == 4
                && consumer.paused().contains(EVENTS) && consumer.position(EVENTS) == 12);
        assertThat(functions.attempts).hasSize(4);
        finishFourAtATime(12);

        await().atMost(Duration.ofSeconds(5)).until(() -> new OffsetAndMetadata(12)
                .equals(consumer.committed(Set.of(EVENTS)).get(EVENTS)) && consumer.paused().isEmpty());
        assertThat(functions.mostAtOnce).isEqualTo(4);
    }
}
