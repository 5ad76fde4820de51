package dev.klambda.invoker.manage;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.error.LambdaException;

/**
 * Lambda's pagination: {@code MaxItems} (1-10,000, capped per operation) and an opaque
 * {@code Marker}/{@code NextMarker}, here the position of the last item returned, so pages stay
 * right while items come and go between calls.
 */
final class Pages {

    private Pages() {
    }

    /**
     * One page of {@code rows}, sorted by {@code position}, as {@code {"<member>": [...], "NextMarker": ...}}.
     *
     * @param cap the most items the operation returns per page, whatever MaxItems says
     */
    static <T> ObjectNode page(List<T> rows, Function<T, String> position, Function<T, JsonNode> render, String member,
            String marker, String maxItems, int cap) {
        int limit = size(maxItems, cap);
        String after = decode(marker);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode page = out.putArray(member);
        T last = null;
        for (T row : rows) {
            if (after != null && position.apply(row).compareTo(after) <= 0) {
                continue;
            }
            if (page.size() == limit) {
                out.put("NextMarker", encode(position.apply(last)));
                break;
            }
            page.add(render.apply(row));
            last = row;
        }
        return out;
    }

    private static int size(String maxItems, int cap) {
        if (maxItems == null) {
            return cap;
        }
        int value;
        try {
            value = Integer.parseInt(maxItems);
        } catch (NumberFormatException e) {
            throw LambdaException.validation("maxItems", maxItems, "Member must be an integer between 1 and 10000");
        }
        if (value < 1) {
            throw LambdaException.validation("maxItems", maxItems, "Member must have value greater than or equal to 1");
        }
        if (value > 10_000) {
            throw LambdaException.validation("maxItems", maxItems, "Member must have value less than or equal to 10000");
        }
        return Math.min(value, cap);
    }

    private static String encode(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String marker) {
        if (marker == null) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(marker), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw LambdaException.invalidParameter("The marker " + marker + " is not one this operation returned.");
        }
    }
}
