package dev.klambda.invoker.async;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

/**
 * The event queue on Kafka. A record counts as stored once every in-sync replica has it
 * ({@code acks=all}) and the producer is idempotent, so its own retries never duplicate an event.
 * The poller writes retries and Kafka destinations through the same producer.
 */
public final class KafkaEventQueue implements EventQueue, AutoCloseable {

    /** How long a send may wait for Kafka before the caller gets an error instead of a 202. */
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(10);

    private final Producer<String, byte[]> producer;
    // send() blocks while it fetches a topic's metadata (and while Kafka is away); never on an event loop.
    private final ExecutorService sending = Executors.newSingleThreadExecutor(Thread.ofPlatform()
            .name("klambda-event-queue").daemon().factory());

    public KafkaEventQueue(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /** A queue on the Kafka cluster at {@code bootstrapServers}, with any further client settings. */
    public static KafkaEventQueue connect(String bootstrapServers, Map<String, Object> settings) {
        return new KafkaEventQueue(new KafkaProducer<>(producerConfig(bootstrapServers, settings),
                new StringSerializer(), new ByteArraySerializer()));
    }

    static Map<String, Object> producerConfig(String bootstrapServers, Map<String, Object> settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "klambda-event-queue");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Kafka 4 waits 5 ms for a batch to fill by default; a 202 should not.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        // The key (the request id) orders nothing: fill one partition's batch at a time, so a produce
        // request carries one batch of many events instead of a batch of one or two per partition.
        config.put(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG, true);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, AsyncTopics.MAX_RECORD_BYTES);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis() / 2);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis() / 2);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis());
        config.putAll(settings);
        return config;
    }

    @Override
    public CompletionStage<Void> enqueue(AsyncEvent event) {
        return send(AsyncRecords.toRecord(AsyncTopics.EVENTS, event)).handle((metadata, failure) -> {
            if (failure != null) {
                throw new LambdaException(ErrorType.ServiceException,
                        "The event could not be queued, so it was not accepted: " + failure.getMessage());
            }
            return null;
        });
    }

    /** Stores an event that waits for another attempt. */
    public CompletionStage<Void> retry(AsyncEvent event) {
        return send(AsyncRecords.toRecord(AsyncTopics.RETRIES, event)).thenApply(metadata -> null);
    }

    /** Sends any record; the stage completes when Kafka has stored it. */
    public CompletionStage<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
        try {
            sending.execute(() -> {
                try {
                    producer.send(record, (metadata, failure) -> {
                        if (failure != null) {
                            sent.completeExceptionally(failure);
                        } else {
                            sent.complete(metadata);
                        }
                    });
                } catch (RuntimeException e) {
                    sent.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            sent.completeExceptionally(e);
        }
        return sent;
    }

    @Override
    public void close() {
        sending.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
