package dev.klambda.poller.mapping;

import java.io.IOException;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a function's partial batch response, for a Kafka batch of one partition
 * ({@code {"batchItemFailures":[{"itemIdentifier":{"partition":"topic-0","offset":N}}]}}) or an SQS
 * batch (message ids as identifiers), with Lambda's rules: an empty or null list, or an empty or null response, is a complete
 * success; a
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

    /** Failed messages, named by the message ids in the SQS batch's {@code itemIdentifier}s. */
    public record FailedIds(Set<String> ids) implements Result {
    }

    public record Invalid(String reason) implements Result {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private BatchItemFailures() {
    }

    /**
     * Reads the response to a Kafka batch of one partition.
     *
     * @param partitionKey the batch's {@code "<topic>-<partition>"}
     * @param firstOffset the batch's first offset
     * @param lastOffset the batch's last offset
     */
    public static Result read(byte[] response, String partitionKey, long firstOffset, long lastOffset) {
        return readItems(response, failures -> {
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
        });
    }

    /**
     * Reads the response to an SQS batch ({@code {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]}}).
     *
     * @param batch the message ids of the batch
     */
    public static Result readIds(byte[] response, Set<String> batch) {
        return readItems(response, failures -> {
            Set<String> failed = new HashSet<>();
            for (JsonNode failure : failures) {
                JsonNode id = failure.get("itemIdentifier");
                if (id == null || !id.isTextual() || id.asText().isEmpty()) {
                    return new Invalid("an item has no itemIdentifier with a message id");
                }
                if (!batch.contains(id.asText())) {
                    return new Invalid("itemIdentifier " + id + " names a message that is not in the batch");
                }
                failed.add(id.asText());
            }
            return new FailedIds(Set.copyOf(failed));
        });
    }

    /** Success or Invalid as the response's shape says, else what {@code failed} makes of its item list. */
    private static Result readItems(byte[] response, Function<JsonNode, Result> failed) {
        JsonNode failures;
        try {
            failures = items(response);
        } catch (InvalidResponse e) {
            return new Invalid(e.getMessage());
        }
        return failures == null ? new Success() : failed.apply(failures);
    }

    /** The response's non-empty list of item failures, or null when it reports complete success. */
    private static JsonNode items(byte[] response) throws InvalidResponse {
        JsonNode document;
        try {
            document = response == null || response.length == 0 ? null : JSON.readTree(response);
        } catch (IOException e) {
            throw new InvalidResponse("the response is not JSON");
        }
        if (document == null || document.isNull()) {
            return null;
        }
        if (!document.isObject()) {
            throw new InvalidResponse("the response is not a JSON object");
        }
        JsonNode failures = document.get("batchItemFailures");
        if (failures == null || failures.isNull() || (failures.isArray() && failures.isEmpty())) {
            return null;
        }
        if (!failures.isArray()) {
            throw new InvalidResponse("batchItemFailures is not a list");
        }
        return failures;
    }

    private static final class InvalidResponse extends Exception {
        InvalidResponse(String reason) {
            super(reason, null, false, false);
        }
    }
}
