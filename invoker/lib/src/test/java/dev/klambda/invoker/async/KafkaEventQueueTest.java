package dev.klambda.invoker.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

/** The 202 waits for Kafka's acknowledgement; a failed write is an error, never a lost event. */
class KafkaEventQueueTest {

    final MockProducer<String, byte[]> kafka = new MockProducer<>(false, null, new StringSerializer(),
            new ByteArraySerializer());

    static AsyncEvent event() {
        return AsyncEvent.accepted("req-1", "000000000000", "arn:aws:lambda:us-east-1:000000000000:function:f",
                "{}".getBytes(StandardCharsets.UTF_8), Instant.EPOCH, null);
    }

    @Test
    void completesOnlyOnceKafkaAcknowledgedTheEvent() throws Exception {
        try (KafkaEventQueue queue = new KafkaEventQueue(kafka)) {
            CompletableFuture<Void> stored = queue.enqueue(event()).toCompletableFuture();
            org.awaitility.Awaitility.await().until(() -> kafka.history().size() == 1);

            assertThat(stored).isNotDone();
            kafka.completeNext();

            stored.get(5, TimeUnit.SECONDS);
            assertThat(kafka.history().get(0).topic()).isEqualTo(AsyncTopics.EVENTS);
        }
    }

    @Test
    void failsWithAServiceExceptionWhenKafkaCannotStoreTheEvent() {
        try (KafkaEventQueue queue = new KafkaEventQueue(kafka)) {
            CompletableFuture<Void> stored = queue.enqueue(event()).toCompletableFuture();
            org.awaitility.Awaitility.await().until(() -> kafka.history().size() == 1);

            kafka.errorNext(new TimeoutException("Expiring 1 record(s): 10000 ms has passed since batch creation"));

            assertThat(stored).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(Exception.class)
                    .havingCause().isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.type()).isEqualTo(ErrorType.ServiceException);
                        assertThat(e.getMessage()).startsWith("The event could not be queued, so it was not accepted")
                                .contains("10000 ms has passed");
                    });
        }
    }
}
