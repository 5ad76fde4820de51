package dev.klambda.core.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.async.InvocationRecords.Condition;
import dev.klambda.core.async.InvocationRecords.Response;

class InvocationRecordsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-11-23T10:15:30.125Z");
    static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:orders:$LATEST";

    static JsonNode parse(byte[] record) throws Exception {
        return JSON.readTree(record);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void recordsAFailureWithTheLastAnswerAsLambdaDoes() throws Exception {
        JsonNode record = parse(InvocationRecords.record(NOW, "req-1", ARN, Condition.RetriesExhausted, 3,
                bytes("{\"order\":7}"), new Response("$LATEST", "Unhandled",
                        bytes("{\"errorMessage\":\"boom\",\"errorType\":\"Exception\"}"))));

        assertThat(record).isEqualTo(JSON.readTree("""
                {"version":"1.0","timestamp":"2026-11-23T10:15:30.125Z",
                 "requestContext":{"requestId":"req-1","functionArn":"%s",
                                   "condition":"RetriesExhausted","approximateInvokeCount":3},
                 "requestPayload":{"order":7},
                 "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
                 "responsePayload":{"errorMessage":"boom","errorType":"Exception"}}""".formatted(ARN)));
    }

    @Test
    void recordsASuccessWithoutFunctionError() throws Exception {
        JsonNode record = parse(InvocationRecords.record(NOW, "req-2", ARN, Condition.Success, 1, bytes("[1,2]"),
                new Response("3", null, bytes("\"done\""))));

        assertThat(record.path("responseContext").has("functionError")).isFalse();
        assertThat(record.path("responseContext").path("executedVersion").asText()).isEqualTo("3");
        assertThat(record.path("responsePayload").asText()).isEqualTo("done");
        assertThat(record.path("requestPayload").isArray()).isTrue();
    }

    @Test
    void leavesOutTheResponseWhenTheFunctionNeverAnswered() throws Exception {
        JsonNode record = parse(InvocationRecords.record(NOW, "req-3", ARN, Condition.ZeroReservedConcurrency, 0,
                bytes("{}"), null));

        assertThat(record.has("responseContext")).isFalse();
        assertThat(record.has("responsePayload")).isFalse();
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isZero();
    }

    @Test
    void keepsAnAnswerThatIsNotJsonAsAString() throws Exception {
        JsonNode record = parse(InvocationRecords.record(NOW, "req-4", ARN, Condition.Success, 1, bytes("{}"),
                new Response("$LATEST", null, bytes("plain text {"))));

        assertThat(record.path("responsePayload").asText()).isEqualTo("plain text {");
    }

    @Test
    void takesTheErrorMessageOfAnErrorDocumentCutToOneKilobyte() {
        assertThat(InvocationRecords.errorMessage(bytes("{\"errorMessage\":\"boom\",\"errorType\":\"E\"}")))
                .isEqualTo("boom");
        assertThat(InvocationRecords.errorMessage(bytes("Task timed out"))).isEqualTo("Task timed out");
        String longMessage = "é".repeat(600);
        String cut = InvocationRecords.errorMessage(bytes("{\"errorMessage\":\"" + longMessage + "\"}"));
        assertThat(cut.getBytes(StandardCharsets.UTF_8)).hasSize(1024);
        assertThat(longMessage).startsWith(cut);
    }
}
