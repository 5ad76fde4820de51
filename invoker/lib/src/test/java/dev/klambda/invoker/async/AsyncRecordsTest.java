package dev.klambda.invoker.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class AsyncRecordsTest {

    static ConsumerRecord<String, byte[]> consumed(ProducerRecord<String, byte[]> sent) {
        return new ConsumerRecord<>(sent.topic(), 0, 7, 0, TimestampType.CREATE_TIME, 0, 0, sent.key(), sent.value(),
                sent.headers(), Optional.empty());
    }

    @Test
    void anEventSurvivesTheTripThroughKafkaUnchanged() {
        AsyncEvent event = new AsyncEvent("req-1", "000000000000", "arn:aws:lambda:us-east-1:000000000000:function:f:prod",
                "{\"a\":1}".getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(1_700_000_000_123L), 2, 3,
                Instant.ofEpochMilli(1_700_000_060_000L), "Root=1-abc");

        ProducerRecord<String, byte[]> record = AsyncRecords.toRecord(AsyncTopics.RETRIES, event);
        AsyncEvent back = AsyncRecords.fromRecord(consumed(record));

        assertThat(record.topic()).isEqualTo(AsyncTopics.RETRIES);
        assertThat(record.key()).as("the request id spreads events over partitions").isEqualTo("req-1");
        assertThat(record.value()).as("the payload is the value, untouched").isSameAs(event.payload());
        assertThat(back).usingRecursiveComparison().isEqualTo(event);
    }

    @Test
    void aNewEventHasNoAttemptsNoDueTimeAndNoTrace() {
        AsyncEvent event = AsyncEvent.accepted("req-2", "000000000000", "arn:aws:lambda:us-east-1:000000000000:function:f",
                new byte[0], Instant.ofEpochMilli(5), null);

        AsyncEvent back = AsyncRecords.fromRecord(consumed(AsyncRecords.toRecord(AsyncTopics.EVENTS, event)));

        assertThat(back).usingRecursiveComparison().isEqualTo(event);
        assertThat(event.afterFunctionError(Instant.ofEpochMilli(9))).satisfies(retry -> {
            assertThat(retry.attempts()).isEqualTo(1);
            assertThat(retry.backoffs()).isZero();
            assertThat(retry.due()).isEqualTo(Instant.ofEpochMilli(9));
        });
        assertThat(event.afterBackoff(Instant.ofEpochMilli(9)).backoffs()).isEqualTo(1);
    }

    @Test
    void refusesRecordsThatAreNotEventsOfTheQueue() {
        ConsumerRecord<String, byte[]> foreign = new ConsumerRecord<>(AsyncTopics.EVENTS, 0, 0, 0,
                TimestampType.CREATE_TIME, 0, 0, "key", new byte[0], new RecordHeaders(), Optional.empty());

        assertThatThrownBy(() -> AsyncRecords.fromRecord(foreign)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("klambda-caller");
    }
}
