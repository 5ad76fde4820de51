package dev.klambda.poller.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.async.InvocationRecords;

class KafkaEventsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static ConsumerRecord<byte[], byte[]> record(long offset, byte[] key, byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>("orders", 3, offset, 1_545_084_650_987L, TimestampType.LOG_APPEND_TIME, -1, -1, key,
                value, headers, Optional.empty());
    }

    @Test
    void rendersLambdasSelfManagedKafkaEventForOnePartition() throws Exception {
        RecordHeaders headers = new RecordHeaders(List.of(new RecordHeader("h", new byte[] { 1, -36, 127 })));
        byte[] first = KafkaEvents.record(record(15, "k".getBytes(StandardCharsets.UTF_8),
                "{\"a\":1}".getBytes(StandardCharsets.UTF_8), headers));
        byte[] second = KafkaEvents.record(record(16, null, null, new RecordHeaders()));
        String key = KafkaEvents.partitionKey("orders", 3);

        EventEnvelope envelope = KafkaEvents.envelope("b-1:9092,b-2:9092", key);

        byte[] event = envelope.event(List.of(first, second));

        assertThat((long) event.length).isEqualTo(envelope.size(List.of(first, second)));
        assertThat(JSON.readTree(event)).isEqualTo(JSON.readTree("""
                {"eventSource":"SelfManagedKafka","bootstrapServers":"b-1:9092,b-2:9092","records":{"orders-3":[
                  {"topic":"orders","partition":3,"offset":15,"timestamp":1545084650987,"timestampType":"LOG_APPEND_TIME",
                   "key":"aw==","value":"eyJhIjoxfQ==","headers":[{"h":[1,-36,127]}]},
                  {"topic":"orders","partition":3,"offset":16,"timestamp":1545084650987,"timestampType":"LOG_APPEND_TIME",
                   "headers":[]}]}}
                """));
    }

    @Test
    void aKafkaDestinationRecordCarriesTheRecordsOwnEvent() throws Exception {
        byte[] rendered = KafkaEvents.record(record(7, null, "x".getBytes(StandardCharsets.UTF_8), new RecordHeaders()));
        byte[] event = KafkaEvents.envelope("b:9092", "orders-3").event(List.of(rendered));

        JsonNode record = JSON.readTree(FailureRecords.single(Instant.parse("2026-11-23T10:00:00Z"), "req",
                "arn:aws:lambda:us-east-1:000000000000:function:f", FailureRecords.Condition.RetryAttemptsExhausted, 3,
                new InvocationRecords.Response("$LATEST", "Unhandled", new byte[0]), "b:9092",
                new FailureRecords.Failed(7, 1_545_084_650_987L), event));

        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(3);
        assertThat(record.path("responseContext").path("functionError").asText()).isEqualTo("Unhandled");
        assertThat(record.path("timestamp").asText()).isEqualTo("2026-11-23T10:00:00.000Z");
        assertThat(record.path("KafkaBatchInfo").path("recordInfo").path("offset").asText()).isEqualTo("7");
        assertThat(record.path("KafkaBatchInfo").path("recordInfo").path("timestamp").asText())
                .isEqualTo("2018-12-17T22:10:50.987Z");
        assertThat(record.path("payload")).isEqualTo(JSON.readTree(event));
    }

    @Test
    void aBatchRecordNamesTheFirstAndLastRecordOfThePartition() throws Exception {
        JsonNode record = JSON.readTree(FailureRecords.batch(Instant.parse("2026-11-23T10:00:00Z"), "req", "arn",
                FailureRecords.Condition.RecordAgeExceeded, 0, null, "b:9092", "orders-3",
                List.of(new FailureRecords.Failed(4, 1000), new FailureRecords.Failed(9, 2000)), 1234));

        assertThat(record.path("responseContext").isNull()).isTrue();
        JsonNode info = record.path("KafkaBatchInfo");
        assertThat(info.path("batchSize").asInt()).isEqualTo(2);
        assertThat(info.path("payloadSize").asInt()).isEqualTo(1234);
        assertThat(info.path("recordsInfo").path("orders-3").path("firstRecordOffset").asText()).isEqualTo("4");
        assertThat(info.path("recordsInfo").path("orders-3").path("lastRecordOffset").asText()).isEqualTo("9");
        assertThat(info.path("recordsInfo").path("orders-3").path("lastRecordTimestamp").asText())
                .isEqualTo("1970-01-01T00:00:02.000Z");
    }
}
