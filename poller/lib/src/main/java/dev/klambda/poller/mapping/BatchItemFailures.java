package dev.klambda.poller.mapping;

import java.io.IOException;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a function's partial batch response for a Kafka batch of one partition
 * ({@code {"batchItemFailures":[{"itemIdentifier":{"partition":"topic-0","offset":N}}]}}) with
 * Lambda's rules: an empty or null list, or an empty or null response, is a complete success; a
 * response that is not JSON, an item without an identifier, or one that names a record not in the
 * batch fails the whole batch.
 */
public final class BatchItemFailures {

    /** What the response says: everything succeeded, processing resumes at an offset, or the batch failed. */
    public sealed interface Result {
    }

    public record Success() implements Result {
    }

    /** The records from {@code offset} on failed; those before it succeeded. */
    public record FailedFrom(long offset) implements Result {
    }

    public record Invalid(String reason) implements Result {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private BatchItemFailures() {
    }

    /**
     * @param partitionKey the batch's {@code "<topic>-<partition>"}
     * @param firstOffset the batch's first offset
     * @param lastOffset the batch's last offset
     */
    public static Result read(byte[] response, String partitionKey, long firstOffset, long lastOffset) {
        JsonNode document;
        try {
            document = response == null || response.length == 0 ? null : JSON.readTree(response);
        } catch (IOException e) {
            return new Invalid("the response is not JSON");
        }
        if (document == null || document.isNull() || !document.isObject()) {
            return document == null || document.isNull() ? new Success()
                    : new Invalid("the response is not a JSON object");
        }
        JsonNode failures = document.get("batchItemFailures");
        if (failures == null || failures.isNull() || (failures.isArray() && failures.isEmpty())) {
            return new Success();
        }
        if (!failures.isArray()) {
            return new Invalid("batchItemFailures is not a list");
        }
        OptionalLong first = OptionalLong.empty();
        for (JsonNode failure : failures) {
            JsonNode id = failure.get("itemIdentifier");
            if (id == null || !id.isObject() || !id.path("partition").isTextual() || !id.path("offset").canConvertToLong()
                    && !id.path("offset").isTextual()) {
                return new Invalid("an item has no itemIdentifier with partition and offset");
            }
            long offset;
            try {
                offset = Long.parseLong(id.get("offset").asText());
            } catch (NumberFormatException e) {
                return new Invalid("an itemIdentifier's offset is not a number");
            }
            if (!id.get("partition").asText().equals(partitionKey) || offset < firstOffset || offset > lastOffset) {
                return new Invalid("itemIdentifier " + id + " names a record that is not in the batch");
            }
            if (first.isEmpty() || offset < first.getAsLong()) {
                first = OptionalLong.of(offset);
            }
        }
        return new FailedFrom(first.getAsLong());
    }
}
