package dev.klambda.poller.mapping;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Lambda's event filtering (the EventBridge pattern language): a record passes when it matches any
 * of the mapping's patterns. A pattern is an object whose fields name fields of the record; a nested
 * object descends, an array lists the acceptable values: literals (strings, numbers compared by
 * value, booleans, null) and the operators {@code prefix}, {@code suffix},
 * {@code equals-ignore-case}, {@code anything-but}, {@code numeric} and {@code exists}. A field
 * holding an array matches when any element does. {@code $or} takes a list of patterns.
 */
public final class EventFilter {

    /** A pattern that is not valid; Lambda calls this a FilterCriteriaError. */
    public static final class InvalidPatternException extends IllegalArgumentException {
        InvalidPatternException(String message) {
            super(message);
        }
    }

    /** Matches everything: no filter criteria. */
    public static final EventFilter NONE = new EventFilter(List.of());

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JsonNode> patterns;

    private EventFilter(List<JsonNode> patterns) {
        this.patterns = patterns;
    }

    /**
     * The filter of {@code patterns} (JSON texts).
     *
     * @throws InvalidPatternException naming the first pattern that is not valid, and why
     */
    public static EventFilter of(List<String> patterns) {
        if (patterns == null || patterns.isEmpty()) {
            return NONE;
        }
        List<JsonNode> parsed = new ArrayList<>();
        for (String text : patterns) {
            JsonNode pattern;
            try {
                pattern = text == null ? null : JSON.readTree(text);
            } catch (IOException e) {
                throw new InvalidPatternException("Invalid filter pattern definition: " + text + " is not JSON");
            }
            if (pattern == null || !pattern.isObject()) {
                throw new InvalidPatternException("Invalid filter pattern definition: " + text + " is not a JSON object");
            }
            check(pattern, text);
            parsed.add(pattern);
        }
        return new EventFilter(List.copyOf(parsed));
    }

    /** Whether there are patterns at all. */
    public boolean filters() {
        return !patterns.isEmpty();
    }

    public boolean matches(JsonNode event) {
        if (patterns.isEmpty()) {
            return true;
        }
        for (JsonNode pattern : patterns) {
            if (matchesObject(pattern, event)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesObject(JsonNode pattern, JsonNode event) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = pattern.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals("$or")) {
                boolean any = false;
                for (JsonNode alternative : field.getValue()) {
                    any |= matchesObject(alternative, event);
                }
                if (!any) {
                    return false;
                }
                continue;
            }
            JsonNode value = event == null || !event.isObject() ? null : event.get(field.getKey());
            JsonNode expected = field.getValue();
            boolean ok = expected.isObject() ? value != null && value.isObject() && matchesObject(expected, value)
                    : matchesValues(expected, value);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code value} (null when the field is missing) matches one of {@code matchers}. */
    private static boolean matchesValues(JsonNode matchers, JsonNode value) {
        for (JsonNode matcher : matchers) {
            if (matcher.isObject() && matcher.has("exists")) {
                if (matcher.get("exists").asBoolean() == (value != null)) {
                    return true;
                }
                continue;
            }
            if (value == null) {
                continue;
            }
            if (value.isArray()) {
                for (JsonNode element : value) {
                    if (matchesOne(matcher, element)) {
                        return true;
                    }
                }
            } else if (matchesOne(matcher, value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesOne(JsonNode matcher, JsonNode value) {
        if (!matcher.isObject()) {
            return equal(matcher, value);
        }
        Map.Entry<String, JsonNode> operator = matcher.fields().next();
        JsonNode argument = operator.getValue();
        return switch (operator.getKey()) {
            case "prefix" -> value.isTextual() && value.asText().startsWith(argument.asText());
            case "suffix" -> value.isTextual() && value.asText().endsWith(argument.asText());
            case "equals-ignore-case" -> value.isTextual() && value.asText().equalsIgnoreCase(argument.asText());
            case "anything-but" -> !anyOf(argument, value);
            case "numeric" -> value.isNumber() && numeric(argument, value.decimalValue());
            default -> false;
        };
    }

    /** anything-but's argument: a value, a list of values, or a prefix/suffix operator. */
    private static boolean anyOf(JsonNode argument, JsonNode value) {
        if (argument.isArray()) {
            for (JsonNode candidate : argument) {
                if (equal(candidate, value)) {
                    return true;
                }
            }
            return false;
        }
        return argument.isObject() ? matchesOne(argument, value) : equal(argument, value);
    }

    private static boolean numeric(JsonNode conditions, BigDecimal number) {
        for (int i = 0; i + 1 < conditions.size(); i += 2) {
            int compared = number.compareTo(conditions.get(i + 1).decimalValue());
            boolean ok = switch (conditions.get(i).asText()) {
                case "=" -> compared == 0;
                case "<" -> compared < 0;
                case "<=" -> compared <= 0;
                case ">" -> compared > 0;
                case ">=" -> compared >= 0;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean equal(JsonNode expected, JsonNode value) {
        if (expected.isNumber() && value.isNumber()) {
            return expected.decimalValue().compareTo(value.decimalValue()) == 0;
        }
        return expected.equals(value);
    }

    /** Refuses what the matcher would otherwise quietly never match. */
    private static void check(JsonNode pattern, String text) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = pattern.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (field.getKey().equals("$or")) {
                if (!value.isArray() || value.size() < 2) {
                    throw invalid(text, "$or takes a list of at least two patterns");
                }
                for (JsonNode alternative : value) {
                    if (!alternative.isObject()) {
                        throw invalid(text, "$or takes a list of patterns");
                    }
                    check(alternative, text);
                }
            } else if (value.isObject()) {
                check(value, text);
            } else if (!value.isArray() || value.isEmpty()) {
                throw invalid(text, "the value of \"" + field.getKey() + "\" must be an object or a non-empty list");
            } else {
                for (JsonNode matcher : value) {
                    checkMatcher(matcher, text);
                }
            }
        }
    }

    private static void checkMatcher(JsonNode matcher, String text) {
        if (!matcher.isObject()) {
            if (matcher.isContainerNode()) {
                throw invalid(text, "lists cannot be nested");
            }
            return;
        }
        if (matcher.size() != 1) {
            throw invalid(text, "an operator object has exactly one operator");
        }
        Map.Entry<String, JsonNode> operator = matcher.fields().next();
        JsonNode argument = operator.getValue();
        boolean ok = switch (operator.getKey()) {
            case "prefix", "suffix", "equals-ignore-case" -> argument.isTextual();
            case "exists" -> argument.isBoolean();
            case "anything-but" -> !argument.isObject() || (argument.size() == 1
                    && (argument.has("prefix") || argument.has("suffix")) && argument.elements().next().isTextual());
            case "numeric" -> numericConditions(argument);
            default -> false;
        };
        if (!ok) {
            throw invalid(text, "unsupported or malformed operator " + operator.getKey().toLowerCase(Locale.ROOT));
        }
    }

    private static boolean numericConditions(JsonNode argument) {
        if (!argument.isArray() || argument.isEmpty() || argument.size() % 2 != 0 || argument.size() > 4) {
            return false;
        }
        for (int i = 0; i < argument.size(); i += 2) {
            if (!List.of("=", "<", "<=", ">", ">=").contains(argument.get(i).asText())
                    || !argument.get(i + 1).isNumber()) {
                return false;
            }
        }
        return true;
    }

    private static InvalidPatternException invalid(String text, String why) {
        return new InvalidPatternException("Invalid filter pattern definition: " + text + ": " + why);
    }
}
