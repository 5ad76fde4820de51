package dev.klambda.invoker.manage;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.invoker.http.InvokerRoutes;

/**
 * A management operation's JSON body, read member by member with the types the service model
 * gives them. A body that is not a JSON object, or a member of the wrong type, is refused with
 * {@code InvalidRequestContentException}, before any of it is used.
 */
final class RequestBody {

    /** Jackson's default cap on a string (20 M characters) is below a 50 MB zip in base64. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(InvokerRoutes.MAX_API_REQUEST).build())
            .build());

    private final ObjectNode node;

    private RequestBody(ObjectNode node) {
        this.node = node;
    }

    /** Parses {@code bytes}; an empty body is an empty object, as the SDKs send for operations without members. */
    static RequestBody parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return new RequestBody(JSON.createObjectNode());
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(bytes);
        } catch (IOException e) {
            throw unreadable(e.getMessage() == null ? "not JSON" : e.getMessage().lines().findFirst().orElse("not JSON"));
        }
        if (parsed == null || parsed.isMissingNode()) {
            return new RequestBody(JSON.createObjectNode());
        }
        if (!(parsed instanceof ObjectNode object)) {
            throw unreadable("the body must be a JSON object");
        }
        return new RequestBody(object);
    }

    static RequestBody of(ObjectNode node) {
        return new RequestBody(node);
    }

    boolean has(String member) {
        return node.hasNonNull(member);
    }

    String string(String member) {
        JsonNode value = member(member, JsonNode::isTextual, "a string");
        return value == null ? null : value.asText();
    }

    Integer integer(String member) {
        JsonNode value = member(member, v -> v.isIntegralNumber() && v.canConvertToInt(), "an integer");
        return value == null ? null : value.intValue();
    }

    Double number(String member) {
        JsonNode value = member(member, JsonNode::isNumber, "a number");
        return value == null ? null : value.doubleValue();
    }

    Boolean bool(String member) {
        JsonNode value = member(member, JsonNode::isBoolean, "true or false");
        return value == null ? null : value.booleanValue();
    }

    RequestBody object(String member) {
        JsonNode value = member(member, JsonNode::isObject, "an object");
        return value == null ? null : new RequestBody((ObjectNode) value);
    }

    /** The member if present and not null, refused when {@code typed} says it has the wrong type. */
    private JsonNode member(String member, Predicate<JsonNode> typed, String expected) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!typed.test(value)) {
            throw wrongType(member, expected);
        }
        return value;
    }

    List<String> strings(String member) {
        JsonNode value = member(member, v -> v.isArray() && v.valueStream().allMatch(JsonNode::isTextual),
                "a list of strings");
        return value == null ? null : value.valueStream().map(JsonNode::asText).toList();
    }

    Map<String, String> stringMap(String member) {
        JsonNode value = member(member, v -> v.isObject() && v.valueStream().allMatch(JsonNode::isTextual),
                "a map of strings");
        if (value == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        value.properties().forEach(entry -> out.put(entry.getKey(), entry.getValue().asText()));
        return out;
    }

    /** The raw member, for the few that are passed on as they are. */
    JsonNode raw(String member) {
        return node.get(member);
    }

    private static LambdaException wrongType(String member, String expected) {
        return unreadable(member + " must be " + expected);
    }

    private static LambdaException unreadable(String detail) {
        return new LambdaException(ErrorType.InvalidRequestContentException,
                "Could not parse request body into json: " + detail);
    }
}
