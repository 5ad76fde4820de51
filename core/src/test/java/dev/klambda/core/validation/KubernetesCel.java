package dev.klambda.core.validation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;

/**
 * Evaluates a CRD's {@code x-kubernetes-validations} rules the way the API server does: each rule
 * at the schema node it is declared on, with {@code self} (and {@code oldSelf} for transition
 * rules on updates) typed by the schema, plus Kubernetes' list library's {@code sum()}.
 */
final class KubernetesCel {

    private final Cel cel = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .addFunctionDeclarations(CelFunctionDecl.newFunctionDeclaration("sum",
                    CelOverloadDecl.newMemberOverload("list_sum", SimpleType.DYN, ListType.create(SimpleType.DYN))))
            .addFunctionBindings(CelFunctionBinding.from("list_sum", List.class, KubernetesCel::sum))
            .build();
    private final Map<String, CelRuntime.Program> programs = new HashMap<>();

    /** The rules {@code value} breaks; {@code old} is the previous object for an update, else null. */
    List<FieldError> violations(JsonNode schema, JsonNode value, JsonNode old) {
        List<FieldError> violations = new ArrayList<>();
        walk(schema, value, old, "", violations);
        return violations;
    }

    private void walk(JsonNode schema, JsonNode value, JsonNode old, String path, List<FieldError> out) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            String expression = rule.get("rule").asText();
            boolean transition = expression.contains("oldSelf");
            if (transition && old == null) {
                continue; // transition rules only run on updates, where the old value exists
            }
            Map<String, Object> variables = new HashMap<>();
            variables.put("self", toCel(schema, value));
            if (transition) {
                variables.put("oldSelf", toCel(schema, old));
            }
            Object result;
            try {
                result = program(expression).eval(variables);
            } catch (CelEvaluationException e) {
                throw new AssertionError("rule failed to evaluate at " + path + ": " + expression, e);
            }
            if (!Boolean.TRUE.equals(result)) {
                out.add(FieldError.rule(path, schema.path("type").asText("object"), rule.get("message").asText()));
            }
        }
        if (value.isObject()) {
            JsonNode properties = schema.path("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode childSchema = properties.get(field.getKey());
                JsonNode childOld = old == null ? null : old.get(field.getKey());
                if (childSchema != null) {
                    walk(childSchema, field.getValue(), childOld, StructuralSchema.child(path, field.getKey()), out);
                } else if (schema.path("additionalProperties").isObject()) {
                    walk(schema.get("additionalProperties"), field.getValue(), childOld,
                            path + "[" + field.getKey() + "]", out);
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                // atomic lists: old items are not correlated with new ones
                walk(schema.get("items"), value.get(i), null, path + "[" + i + "]", out);
            }
        }
    }

    private CelRuntime.Program program(String expression) {
        return programs.computeIfAbsent(expression, e -> {
            try {
                CelAbstractSyntaxTree ast = cel.compile(e).getAst();
                return cel.createProgram(ast);
            } catch (CelValidationException | CelEvaluationException ex) {
                throw new AssertionError("CEL rule does not compile: " + e, ex);
            }
        });
    }

    /** JSON to CEL values, numbers typed by the schema as the API server types them. */
    private static Object toCel(JsonNode schema, JsonNode value) {
        if (value.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode childSchema = properties.has(field.getKey()) ? properties.get(field.getKey()) : additional;
                map.put(field.getKey(), toCel(childSchema, field.getValue()));
            }
            return map;
        }
        if (value.isArray()) {
            List<Object> list = new ArrayList<>();
            value.forEach(item -> list.add(toCel(schema.path("items"), item)));
            return list;
        }
        if (value.isNumber()) {
            return "integer".equals(schema.path("type").asText()) ? (Object) value.asLong() : (Object) value.asDouble();
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        return value.asText();
    }

    private static Object sum(List<?> list) {
        if (list.stream().allMatch(Long.class::isInstance)) {
            return list.stream().mapToLong(Long.class::cast).sum();
        }
        return list.stream().mapToDouble(n -> ((Number) n).doubleValue()).sum();
    }
}
