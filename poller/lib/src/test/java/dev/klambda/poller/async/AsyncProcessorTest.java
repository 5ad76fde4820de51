package dev.klambda.poller.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.LambdaException;
import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.AsyncRecords;
import dev.klambda.invoker.async.AsyncTopics;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.poller.destination.Destinations;

/** The decisions after each attempt, with Kafka's own MockProducer standing in for the broker. */
class AsyncProcessorTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:orders";
    static final RetryPolicy POLICY = new RetryPolicy(List.of(Duration.ofSeconds(60), Duration.ofSeconds(120)),
            Duration.ofSeconds(1), Duration.ofSeconds(300));

    /** Answers attempts from a script; settings as a test sets them. */
    static final class ScriptedFunctions implements AsyncFunctions {
        AsyncSettings settings = AsyncProcessorTest.settings("kafka://failures", null);
        LambdaException gone;
        final Queue<CompletionStage<InvocationRecords.Response>> answers = new ArrayDeque<>();
        int attempts;

        @Override
        public AsyncSettings settings(AsyncEvent event) {
            if (gone != null) {
                throw gone;
            }
            return settings;
        }

        @Override
        public CompletionStage<InvocationRecords.Response> invoke(AsyncEvent event) {
            attempts++;
            return answers.remove();
        }
    }

    static AsyncSettings settings(String onFailure, String onSuccess) {
        return new AsyncSettings(ARN + ":$LATEST", 2, Duration.ofHours(6), onSuccess, onFailure, null, false);
    }

    static CompletionStage<InvocationRecords.Response> error() {
        return CompletableFuture.completedFuture(new InvocationRecords.Response("$LATEST", "Unhandled",
                "{\"errorMessage\":\"boom\",\"errorType\":\"E\"}".getBytes(StandardCharsets.UTF_8)));
    }

    static CompletionStage<InvocationRecords.Response> throttled() {
        return CompletableFuture.failedFuture(LambdaException.throttled("ReservedFunctionConcurrentInvocationLimitExceeded"));
    }

    final MockProducer<String, byte[]> kafka = new MockProducer<>(true, null, new StringSerializer(),
            new ByteArraySerializer());
    final KafkaEventQueue queue = new KafkaEventQueue(kafka);
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ScriptedFunctions functions = new ScriptedFunctions();
    final AsyncProcessor processor = new AsyncProcessor(functions, queue,
            new Destinations(queue, null, HttpClient.newHttpClient(), Clock.fixed(NOW, ZoneOffset.UTC)), POLICY,
            new AsyncMetrics(registry), timers, Clock.fixed(NOW, ZoneOffset.UTC));

    @AfterEach
    void stop() {
        timers.shutdownNow();
        queue.close();
    }

    static AsyncEvent event(Instant enqueuedAt, int attempts, int backoffs) {
        return new AsyncEvent("req-1", "000000000000", ARN, "{\"n\":1}".getBytes(StandardCharsets.UTF_8), enqueuedAt,
                attempts, backoffs, null, null);
    }

    void process(AsyncEvent event) throws Exception {
        processor.process(event).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    AsyncEvent retried() {
        ProducerRecord<String, byte[]> sent = kafka.history().stream()
                .filter(r -> r.topic().equals(AsyncTopics.RETRIES)).findFirst().orElseThrow();
        return AsyncRecords.fromRecord(new ConsumerRecord<>(sent.topic(), 0, 0, 0, TimestampType.CREATE_TIME, 0, 0,
                sent.key(), sent.value(), sent.headers(), Optional.empty()));
    }

    JsonNode sentTo(String topic) throws Exception {
        ProducerRecord<String, byte[]> sent = kafka.history().stream().filter(r -> r.topic().equals(topic)).findFirst()
                .orElseThrow();
        return JSON.readTree(sent.value());
    }

    double counter(String name, String tag, String value) {
        var counter = registry.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void storesAFunctionErrorWithRetriesLeftForLambdasFirstDelay() throws Exception {
        functions.answers.add(error());

        process(event(NOW.minusSeconds(5), 0, 0));

        AsyncEvent retry = retried();
        assertThat(retry.attempts()).isEqualTo(1);
        assertThat(retry.due()).isEqualTo(NOW.plusSeconds(60));
        assertThat(retry.enqueuedAt()).as("its age still counts from the 202").isEqualTo(NOW.minusSeconds(5));
        assertThat(counter("klambda.async.retries", "reason", "function_error")).isEqualTo(1);
    }

    @Test
    void sendsTheThirdFailedAttemptToOnFailureWithTheLastAnswer() throws Exception {
        functions.answers.add(error());

        process(event(NOW.minusSeconds(200), 2, 0));

        JsonNode record = sentTo("failures");
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(3);
        assertThat(record.path("responsePayload").path("errorMessage").asText()).isEqualTo("boom");
        assertThat(kafka.history()).noneMatch(r -> r.topic().equals(AsyncTopics.RETRIES));
    }

    @Test
    void backsOffAfterAThrottleWithoutCountingAnAttempt() throws Exception {
        functions.answers.add(throttled());

        process(event(NOW.minusSeconds(5), 1, 3));

        AsyncEvent retry = retried();
        assertThat(retry.attempts()).isEqualTo(1);
        assertThat(retry.backoffs()).isEqualTo(4);
        assertThat(retry.due()).isEqualTo(NOW.plusSeconds(8));
        assertThat(counter("klambda.async.retries", "reason", "throttle")).isEqualTo(1);
    }

    @Test
    void givesUpAThrottledEventWhoseNextTryWouldComeAfterItsMaximumAge() throws Exception {
        functions.settings = new AsyncSettings(ARN + ":$LATEST", 2, Duration.ofSeconds(60), null, "kafka://failures",
                null, false);
        functions.answers.add(throttled());

        process(event(NOW.minusSeconds(50), 0, 4));

        assertThat(sentTo("failures").path("requestContext").path("condition").asText()).isEqualTo("EventAgeExceeded");
    }

    @Test
    void dropsEventsOfDeletedFunctionsAndCountsThem() throws Exception {
        functions.gone = LambdaException.functionNotFound(ARN);

        process(event(NOW, 0, 0));

        assertThat(functions.attempts).isZero();
        assertThat(kafka.history()).isEmpty();
        assertThat(counter("klambda.async.events.dropped", "reason", "function_gone")).isEqualTo(1);
    }

    @Test
    void countsAnExhaustedEventWithoutDestinationsAsDropped() throws Exception {
        functions.settings = settings(null, null);
        functions.answers.add(error());

        process(event(NOW, 2, 0));

        assertThat(kafka.history()).isEmpty();
        assertThat(counter("klambda.async.events.dropped", "reason", "RetriesExhausted")).isEqualTo(1);
    }

    @Test
    void retriesAFailedDeliveryUntilItWorksAndCountsEachFailure() throws Exception {
        MockProducer<String, byte[]> flaky = new MockProducer<>(false, null, new StringSerializer(),
                new ByteArraySerializer());
        try (KafkaEventQueue flakyQueue = new KafkaEventQueue(flaky)) {
            AsyncProcessor delivering = new AsyncProcessor(functions, flakyQueue,
                    new Destinations(flakyQueue, null, HttpClient.newHttpClient(), Clock.systemUTC()),
                    new RetryPolicy(List.of(Duration.ofSeconds(1)), Duration.ofMillis(10), Duration.ofMillis(10)),
                    new AsyncMetrics(registry), timers, Clock.fixed(NOW, ZoneOffset.UTC));
            functions.answers.add(error());

            CompletableFuture<Void> done = delivering.process(event(NOW, 2, 0)).toCompletableFuture();
            org.awaitility.Awaitility.await().until(() -> flaky.history().size() == 1);
            flaky.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker away"));
            assertThat(done).as("kept until delivered").isNotDone();
            org.awaitility.Awaitility.await().until(() -> flaky.history().size() == 2);
            flaky.completeNext();

            done.get(5, TimeUnit.SECONDS);
            assertThat(counter("klambda.async.destination.delivery.failures", "function", "orders")).isEqualTo(1);
        }
    }

    @Test
    void sendsEventsOfAFunctionThatMayNotRunStraightToOnFailure() throws Exception {
        functions.settings = new AsyncSettings(ARN + ":$LATEST", 2, Duration.ofHours(6), null, "kafka://failures", null,
                true);

        process(event(NOW, 0, 0));

        assertThat(functions.attempts).isZero();
        JsonNode record = sentTo("failures");
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("ZeroReservedConcurrency");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isZero();
    }
}
