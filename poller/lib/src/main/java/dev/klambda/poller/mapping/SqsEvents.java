package dev.klambda.poller.mapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Lambda's SQS event: {@code {"Records":[...]}} with one record per message, its system attributes
 * as strings, its message attributes in Lambda's camel case, and the queue's ARN and region.
 */
public final class SqsEvents {

    public static final String EVENT_SOURCE = "aws:sqs";
    public static final EventEnvelope ENVELOPE = new EventEnvelope("{\"Records\":[", "]}");

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lambda's order of the system attributes; others follow by name. */
    private static final List<String> LAMBDA_ORDER = List.of("ApproximateReceiveCount", "SentTimestamp", "SenderId",
            "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageGroupId", "MessageDeduplicationId",
            "AWSTraceHeader");
    private static final Comparator<String> ATTRIBUTE_ORDER = Comparator
            .<String> comparingInt(name -> LAMBDA_ORDER.contains(name) ? LAMBDA_ORDER.indexOf(name) : LAMBDA_ORDER.size())
            .thenComparing(Comparator.naturalOrder());

    private SqsEvents() {
    }

    /** The record of {@code message}, as a tree: {@link #bytes} renders it, {@link #filterView} matches it. */
    public static ObjectNode record(Message message, String queueArn, String region) {
        ObjectNode record = JsonNodeFactory.instance.objectNode();
        record.put("messageId", message.messageId());
        record.put("receiptHandle", message.receiptHandle());
        record.put("body", message.body());
        ObjectNode attributes = record.putObject("attributes");
        Map<String, String> system = message.attributesAsStrings();
        system.keySet().stream().sorted(ATTRIBUTE_ORDER).forEach(name -> attributes.put(name, system.get(name)));
        ObjectNode messageAttributes = record.putObject("messageAttributes");
        for (Map.Entry<String, MessageAttributeValue> attribute : message.messageAttributes().entrySet()) {
            MessageAttributeValue value = attribute.getValue();
            ObjectNode out = messageAttributes.putObject(attribute.getKey());
            out.put("stringValue", value.stringValue());
            out.put("binaryValue", value.binaryValue() == null ? null : base64(value.binaryValue()));
            ArrayNode strings = out.putArray("stringListValues");
            value.stringListValues().forEach(strings::add);
            ArrayNode binaries = out.putArray("binaryListValues");
            value.binaryListValues().forEach(bytes -> binaries.add(base64(bytes)));
            out.put("dataType", value.dataType());
        }
        record.put("md5OfBody", message.md5OfBody());
        // Lambda lists it only for a message that has attributes.
        if (!message.messageAttributes().isEmpty() && message.md5OfMessageAttributes() != null) {
            record.put("md5OfMessageAttributes", message.md5OfMessageAttributes());
        }
        record.put("eventSource", EVENT_SOURCE);
        record.put("eventSourceARN", queueArn);
        record.put("awsRegion", region);
        return record;
    }

    public static byte[] bytes(ObjectNode record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What filter patterns see of a record: the record, with its body as JSON when it is JSON. */
    public static JsonNode filterView(ObjectNode record) {
        ObjectNode view = record.deepCopy();
        String body = record.path("body").asText();
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && !json.isMissingNode()) {
                view.set("body", json);
            }
        } catch (IOException e) {
            // Not JSON: matched as text.
        }
        return view;
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }
}
