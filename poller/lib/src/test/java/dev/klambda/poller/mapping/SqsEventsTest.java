package dev.klambda.poller.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

class SqsEventsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ARN = "arn:aws:sqs:us-east-2:123456789012:my-queue";

    static Message message(Map<String, MessageAttributeValue> attributes) {
        return Message.builder().messageId("059f36b4-87a3-44ab-83d2-661975830a7d").receiptHandle("AQEBwJnKyrHigUMZ")
                .body("{\"type\":\"order\",\"n\":3}").md5OfBody("e4e68fb7bd0e697a0ae8f1bb342846b3")
                .md5OfMessageAttributes(attributes.isEmpty() ? null : "00484c68...59e48f06")
                .attributes(Map.of(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1",
                        MessageSystemAttributeName.SENT_TIMESTAMP, "1545082649183"))
                .messageAttributes(attributes).build();
    }

    @Test
    void rendersAMessageAsLambdasSqsRecord() throws Exception {
        ObjectNode record = SqsEvents.record(message(Map.of()), ARN, "us-east-2");

        JsonNode parsed = JSON.readTree(SqsEvents.bytes(record));
        assertThat(parsed.toString()).isEqualTo("{\"messageId\":\"059f36b4-87a3-44ab-83d2-661975830a7d\","
                + "\"receiptHandle\":\"AQEBwJnKyrHigUMZ\",\"body\":\"{\\\"type\\\":\\\"order\\\",\\\"n\\\":3}\","
                + "\"attributes\":{\"ApproximateReceiveCount\":\"1\",\"SentTimestamp\":\"1545082649183\"},"
                + "\"messageAttributes\":{},\"md5OfBody\":\"e4e68fb7bd0e697a0ae8f1bb342846b3\",\"eventSource\":\"aws:sqs\","
                + "\"eventSourceARN\":\"" + ARN + "\",\"awsRegion\":\"us-east-2\"}");
    }

    @Test
    void rendersMessageAttributesInLambdasCamelCaseWithBinariesInBase64() {
        ObjectNode record = SqsEvents.record(message(Map.of(
                "text", MessageAttributeValue.builder().dataType("String").stringValue("x").build(),
                "blob", MessageAttributeValue.builder().dataType("Binary")
                        .binaryValue(SdkBytes.fromString("hi", StandardCharsets.UTF_8)).build())),
                ARN, "us-east-2");

        assertThat(record.path("messageAttributes").path("text").toString()).isEqualTo(
                "{\"stringValue\":\"x\",\"binaryValue\":null,\"stringListValues\":[],\"binaryListValues\":[],\"dataType\":\"String\"}");
        assertThat(record.path("messageAttributes").path("blob").path("binaryValue").asText()).isEqualTo("aGk=");
        assertThat(record.path("md5OfMessageAttributes").asText()).isEqualTo("00484c68...59e48f06");
    }

    @Test
    void filterPatternsSeeAJsonBodyAsJsonAndOtherBodiesAsText() {
        EventFilter orders = EventFilter.of(List.of("{\"body\":{\"type\":[\"order\"]}}"));
        assertThat(orders.matches(SqsEvents.filterView(SqsEvents.record(message(Map.of()), ARN, "us-east-2"))))
                .isTrue();

        ObjectNode text = SqsEvents.record(message(Map.of()).toBuilder().body("plain order").build(), ARN, "us-east-2");
        assertThat(orders.matches(SqsEvents.filterView(text))).isFalse();
        assertThat(EventFilter.of(List.of("{\"body\":[{\"prefix\":\"plain\"}]}")).matches(SqsEvents.filterView(text)))
                .isTrue();
    }

    @Test
    void anEventIsTheRecordsUnderRecords() throws Exception {
        byte[] one = SqsEvents.bytes(SqsEvents.record(message(Map.of()), ARN, "us-east-2"));

        byte[] event = SqsEvents.ENVELOPE.event(List.of(one, one));

        assertThat(JSON.readTree(event).path("Records")).hasSize(2);
        assertThat((long) event.length).isEqualTo(SqsEvents.ENVELOPE.size(List.of(one, one)));
    }
}
