package dev.klambda.core.validation;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One reason a manifest is invalid, worded the way the Kubernetes API server words it
 * ({@code spec.memorySize: Invalid value: 20000: spec.memorySize in body should be less than or
 * equal to 10240}), so that standalone mode and a cluster report the same text.
 *
 * @param path the field, e.g. {@code spec.layers[0].arn}; empty for the object itself
 * @param kind what is wrong
 * @param value the offending value, for kinds that print one
 * @param detail the explanation
 */
public record FieldError(String path, Kind kind, Object value, String detail) {

    /** The kinds of field errors Kubernetes distinguishes. */
    public enum Kind {
        REQUIRED,
        INVALID,
        UNSUPPORTED,
        TOO_LONG,
        TOO_MANY,
        UNKNOWN_FIELD
    }

    public static FieldError required(String path) {
        return new FieldError(path, Kind.REQUIRED, null, null);
    }

    public static FieldError required(String path, String detail) {
        return new FieldError(path, Kind.REQUIRED, null, detail);
    }

    public static FieldError invalid(String path, Object value, String detail) {
        return new FieldError(path, Kind.INVALID, value, detail);
    }

    /** A CEL rule's failure: Kubernetes prints the type of the value ("object", "string", ...), not the value. */
    public static FieldError rule(String path, String valueType, String message) {
        return new FieldError(path, Kind.INVALID, valueType, message);
    }

    public static FieldError unsupported(String path, Object value, List<String> supported) {
        return new FieldError(path, Kind.UNSUPPORTED, value,
                "supported values: " + supported.stream().map(FieldError::quote).collect(Collectors.joining(", ")));
    }

    public static FieldError tooLong(String path, long maxLength) {
        return new FieldError(path, Kind.TOO_LONG, null, "may not be more than " + maxLength + " bytes");
    }

    public static FieldError tooMany(String path, long actual, long max) {
        return new FieldError(path, Kind.TOO_MANY, actual, "must have at most " + max + " items");
    }

    public static FieldError unknownField(String path) {
        return new FieldError(path, Kind.UNKNOWN_FIELD, null, null);
    }

    @Override
    public String toString() {
        String prefix = path.isEmpty() ? "" : path + ": ";
        return switch (kind) {
            case REQUIRED -> prefix + "Required value" + (detail == null ? "" : ": " + detail);
            case INVALID -> prefix + "Invalid value: " + render(value) + ": " + detail;
            case UNSUPPORTED -> prefix + "Unsupported value: " + render(value) + ": " + detail;
            case TOO_LONG -> prefix + "Too long: " + detail;
            case TOO_MANY -> prefix + "Too many: " + render(value) + ": " + detail;
            case UNKNOWN_FIELD -> "unknown field " + quote(path);
        };
    }

    private static String render(Object value) {
        if (value instanceof String s) {
            return quote(s);
        }
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return BigDecimal.valueOf(d).toBigInteger().toString();
        }
        return String.valueOf(value);
    }

    private static String quote(String s) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                default -> quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
