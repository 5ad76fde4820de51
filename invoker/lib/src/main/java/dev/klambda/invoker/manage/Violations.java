package dev.klambda.invoker.manage;

import java.util.ArrayList;
import java.util.List;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

/**
 * The service model's constraints a request breaks, collected so that one
 * {@code ValidationException} names them all, as AWS words it: "2 validation errors detected:
 * Value 'x' at 'memorySize' failed to satisfy constraint: ...; Value ...".
 */
final class Violations {

    private final List<String> found = new ArrayList<>();

    void add(String member, Object value, String constraint) {
        String shown = value == null ? "null" : "'" + value + "'";
        found.add("Value " + shown + " at '" + member + "' failed to satisfy constraint: " + constraint);
    }

    void required(String member, Object value) {
        if (value == null) {
            add(member, null, "Member must not be null");
        }
    }

    void length(String member, String value, int min, int max) {
        if (value == null) {
            return;
        }
        if (value.length() < min) {
            add(member, value, "Member must have length greater than or equal to " + min);
        } else if (value.length() > max) {
            add(member, value, "Member must have length less than or equal to " + max);
        }
    }

    void range(String member, Integer value, int min, int max) {
        if (value == null) {
            return;
        }
        if (value < min) {
            add(member, value, "Member must have value greater than or equal to " + min);
        } else if (value > max) {
            add(member, value, "Member must have value less than or equal to " + max);
        }
    }

    void pattern(String member, String value, String regex) {
        if (value != null && !value.matches(regex)) {
            add(member, value, "Member must satisfy regular expression pattern: " + regex);
        }
    }

    void throwIfAny() {
        if (found.isEmpty()) {
            return;
        }
        String count = found.size() == 1 ? "1 validation error detected: "
                : found.size() + " validation errors detected: ";
        throw new LambdaException(ErrorType.ValidationException, count + String.join("; ", found));
    }
}
