package dev.klambda.core.validation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The OpenAPI v3 schema of one generated CRD, applied the way the Kubernetes API server applies a
 * structural schema: defaults first, then types, bounds, patterns, enums and required fields,
 * with unknown fields reported as strict field validation reports them. CEL rules are not
 * evaluated here; {@link Rules} mirrors them in code.
 */
public final class StructuralSchema {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode root;
    private final Map<String, Pattern> patterns = new HashMap<>();

    StructuralSchema(JsonNode root) {
        this.root = root;
    }

    /** Loads the schema of the first version of the CRD in the classpath resource {@code resource}. */
    public static StructuralSchema fromCrdResource(String resource) {
        try (InputStream in = StructuralSchema.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("CRD resource " + resource + " is not on the classpath");
            }
            JsonNode crd = YAML.readTree(in);
            return new StructuralSchema(crd.at("/spec/versions/0/schema/openAPIV3Schema"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema as JSON, for tools that want to walk it. */
    public JsonNode json() {
        return root;
    }

    /** Fills absent properties that declare a default, recursively, as the API server does before validating. */
    public void applyDefaults(JsonNode value) {
        applyDefaults(root, value);
    }

    private void applyDefaults(JsonNode schema, JsonNode value) {
        if (value instanceof ObjectNode object) {
            JsonNode properties = schema.get("properties");
            if (properties != null) {
                for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> property = it.next();
                    JsonNode present = object.get(property.getKey());
                    if ((present == null || present.isNull()) && property.getValue().has("default")) {
                        object.set(property.getKey(), property.getValue().get("default").deepCopy());
                    }
                    JsonNode child = object.get(property.getKey());
                    if (child != null) {
                        applyDefaults(property.getValue(), child);
                    }
                }
            }
            JsonNode additional = schema.get("additionalProperties");
            if (additional != null && additional.isObject()) {
                object.forEach(child -> applyDefaults(additional, child));
            }
        } else if (value instanceof ArrayNode array && schema.has("items")) {
            array.forEach(item -> applyDefaults(schema.get("items"), item));
        }
    }

    /** Everything about {@code value} that breaks the schema, metadata excepted. */
    public List<FieldError> validate(JsonNode value) {
        List<FieldError> errors = new ArrayList<>();
        validateObjectProperties(root, value, "", errors, true);
        return errors;
    }

    private void validate(JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                errors.add(FieldError.invalid(path, "null", path + " in body must be of type " + type(schema) + ": \"null\""));
            }
            return;
        }
        String type = type(schema);
        if (!hasType(value, type)) {
            errors.add(FieldError.invalid(path, jsonType(value),
                    path + " in body must be of type " + type + ": " + quoted(jsonType(value))));
            return;
        }
        switch (type) {
            case "object" -> validateObject(schema, value, path, errors);
            case "array" -> validateArray(schema, value, path, errors);
            case "string" -> validateString(schema, value.asText(), path, errors);
            case "integer", "number" -> validateNumber(schema, value, path, errors);
            default -> {
            }
        }
    }

    private void validateObject(JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
        int size = value.size();
        if (schema.has("maxProperties") && size > schema.get("maxProperties").asLong()) {
            errors.add(FieldError.tooMany(path, size, schema.get("maxProperties").asLong()));
        }
        if (schema.has("minProperties") && size < schema.get("minProperties").asLong()) {
            errors.add(FieldError.invalid(path, size,
                    path + " in body should have at least " + schema.get("minProperties").asLong() + " properties"));
        }
        validateObjectProperties(schema, value, path, errors, false);
    }

    private void validateObjectProperties(JsonNode schema, JsonNode value, String path, List<FieldError> errors,
            boolean root) {
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        for (JsonNode required : schema.path("required")) {
            JsonNode present = value.get(required.asText());
            if (present == null || present.isNull()) {
                errors.add(FieldError.required(child(path, required.asText())));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (root && (name.equals("metadata") || name.equals("apiVersion") || name.equals("kind"))) {
                continue;
            }
            JsonNode propertySchema = properties.get(name);
            if (propertySchema != null) {
                validate(propertySchema, field.getValue(), child(path, name), errors);
            } else if (additional != null && additional.isObject()) {
                validate(additional, field.getValue(), path + "[" + name + "]", errors);
            } else if (!preserveUnknown) {
                errors.add(FieldError.unknownField(child(path, name)));
            }
        }
    }

    private void validateArray(JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
        int size = value.size();
        if (schema.has("maxItems") && size > schema.get("maxItems").asLong()) {
            errors.add(FieldError.tooMany(path, size, schema.get("maxItems").asLong()));
        }
        if (schema.has("minItems") && size < schema.get("minItems").asLong()) {
            errors.add(FieldError.invalid(path, size,
                    path + " in body should have at least " + schema.get("minItems").asLong() + " items"));
        }
        JsonNode items = schema.get("items");
        if (items != null) {
            for (int i = 0; i < size; i++) {
                validate(items, value.get(i), path + "[" + i + "]", errors);
            }
        }
    }

    private void validateString(JsonNode schema, String value, String path, List<FieldError> errors) {
        long length = value.codePointCount(0, value.length());
        if (schema.has("maxLength") && length > schema.get("maxLength").asLong()) {
            errors.add(FieldError.tooLong(path, schema.get("maxLength").asLong()));
        }
        if (schema.has("minLength") && length < schema.get("minLength").asLong()) {
            errors.add(FieldError.invalid(path, value,
                    path + " in body should be at least " + schema.get("minLength").asLong() + " chars long"));
        }
        if (schema.has("pattern")) {
            String regex = schema.get("pattern").asText();
            if (!patterns.computeIfAbsent(regex, Pattern::compile).matcher(value).find()) {
                errors.add(FieldError.invalid(path, value, path + " in body should match '" + regex + "'"));
            }
        }
        if (schema.has("enum")) {
            List<String> allowed = new ArrayList<>();
            schema.get("enum").forEach(e -> allowed.add(e.asText()));
            if (!allowed.contains(value)) {
                errors.add(FieldError.unsupported(path, value, allowed));
            }
        }
    }

    private void validateNumber(JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
        double number = value.asDouble();
        Object shown = value.isIntegralNumber() ? (Object) value.asLong() : (Object) number;
        if (schema.has("maximum") && number > schema.get("maximum").asDouble()) {
            errors.add(FieldError.invalid(path, shown,
                    path + " in body should be less than or equal to " + bound(schema.get("maximum"))));
        }
        if (schema.has("minimum") && number < schema.get("minimum").asDouble()) {
            errors.add(FieldError.invalid(path, shown,
                    path + " in body should be greater than or equal to " + bound(schema.get("minimum"))));
        }
    }

    private static String bound(JsonNode bound) {
        double value = bound.asDouble();
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static String type(JsonNode schema) {
        return schema.path("type").asText("object");
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.asDouble() == Math.rint(value.asDouble()));
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }

    private static String jsonType(JsonNode value) {
        if (value.isObject()) {
            return "object";
        }
        if (value.isArray()) {
            return "array";
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        return "null";
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
