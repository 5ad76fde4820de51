package dev.klambda.poller.destination;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.KafkaEventQueue;

/**
 * Delivers invocation records and dead letters where a function's settings send them: another
 * function (invoked asynchronously, as Lambda does), a Kafka topic ({@code kafka://<topic>}) on
 * the queue's cluster, an SQS-compatible queue, or an HTTP endpoint (POST, any 2xx is delivered).
 * A stage that fails with {@link UnsupportedDestinationException} can never succeed; any other
 * failure may on a later try.
 */
public final class Destinations {

    static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaEventQueue queue;
    private final KafkaEventQueue topics;
    private final SqsQueues sqs;
    private final HttpClient http;
    private final Clock clock;

    /** @param sqs the SQS-compatible service, or null when none is configured */
    public Destinations(KafkaEventQueue queue, SqsQueues sqs, HttpClient http, Clock clock) {
        this(queue, queue, sqs, http, clock);
    }

    /**
     * @param queue the asynchronous event queue, through which function destinations are invoked
     * @param topics the producer for {@code kafka://} destinations, on the cluster they name
     */
    public Destinations(KafkaEventQueue queue, KafkaEventQueue topics, SqsQueues sqs, HttpClient http, Clock clock) {
        this.queue = queue;
        this.topics = topics;
        this.sqs = sqs;
        this.http = http;
        this.clock = clock;
    }

    /**
     * Sends an invocation record.
     *
     * @param account the account of the function whose record it is; a function destination is
     *        invoked as that account
     */
    public CompletionStage<Void> record(String destination, String account, String requestId, byte[] record) {
        try {
            return switch (Target.of(destination)) {
                case Target.Kafka kafka -> topics.send(new ProducerRecord<>(kafka.topic(), requestId, record))
                        .thenApply(sent -> null);
                case Target.Function function -> queue.enqueue(AsyncEvent.accepted(UUID.randomUUID().toString(),
                        account, function.arn(), record, clock.instant(), null));
                case Target.Sqs queueArn -> sqs().send(queueArn, new String(record, StandardCharsets.UTF_8), null);
                case Target.Http endpoint -> post(endpoint.uri(), record, null);
            };
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Sends a dead letter: the original event, with Lambda's {@code RequestID}, {@code ErrorCode}
     * and {@code ErrorMessage} attributes (message attributes on SQS, headers on Kafka and HTTP).
     */
    public CompletionStage<Void> deadLetter(String target, AsyncEvent event, int errorCode, String errorMessage) {
        DeadLetter letter = new DeadLetter(event.requestId(), errorCode, errorMessage);
        try {
            return switch (Target.of(target)) {
                case Target.Kafka kafka -> {
                    RecordHeaders headers = new RecordHeaders();
                    letter.attributes().forEach((name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
                    yield topics.send(new ProducerRecord<>(kafka.topic(), null, event.requestId(), event.payload(), headers))
                            .thenApply(sent -> null);
                }
                case Target.Sqs queueArn -> sqs().send(queueArn, new String(event.payload(), StandardCharsets.UTF_8),
                        letter);
                case Target.Http endpoint -> post(endpoint.uri(), event.payload(), letter);
                case Target.Function function -> throw new UnsupportedDestinationException(
                        "A dead-letter target must be an SQS queue, a Kafka topic or an HTTP endpoint, not a function: "
                                + target);
            };
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private SqsQueues sqs() {
        if (sqs == null) {
            throw new IllegalStateException("No SQS-compatible endpoint is configured for SQS destinations");
        }
        return sqs;
    }

    private CompletionStage<Void> post(URI uri, byte[] body, DeadLetter letter) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (letter != null) {
            letter.attributes().forEach((name, value) -> request.header("X-Amz-Lambda-" + name,
                    value.replaceAll("[\\r\\n]", " ")));
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).thenApply(response -> {
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(uri + " answered " + response.statusCode());
            }
            return null;
        });
    }
}
