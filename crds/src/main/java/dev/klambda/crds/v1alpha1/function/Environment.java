package dev.klambda.crds.v1alpha1.function;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;

/** The function's environment variables (Lambda's {@code Environment}), literal and from Secrets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.variables) || self.variables.all(k, k.matches('^[a-zA-Z][a-zA-Z0-9_]+$'))", message = Messages.ENVIRONMENT_NAMES)
@ValidationRule(value = "!has(self.secrets) || self.secrets.all(k, k.matches('^[a-zA-Z][a-zA-Z0-9_]+$'))", message = Messages.ENVIRONMENT_NAMES)
@ValidationRule(value = "!has(self.variables) || self.variables.all(k, !(k in " + Environment.RESERVED_CEL
        + "))", message = Messages.ENVIRONMENT_RESERVED)
@ValidationRule(value = "!has(self.secrets) || self.secrets.all(k, !(k in " + Environment.RESERVED_CEL
        + "))", message = Messages.ENVIRONMENT_RESERVED)
@ValidationRule(value = "!has(self.variables) || self.variables.map(k, size(k) + size(self.variables[k]) + 6).sum() <= 4095", message = Messages.ENVIRONMENT_TOO_LARGE)
@ValidationRule(value = "!has(self.variables) || !has(self.secrets) || self.secrets.all(k, !(k in self.variables))", message = Messages.ENVIRONMENT_DUPLICATE)
public record Environment(
        @JsonPropertyDescription("Variables and their values. Together they may take at most 4 KB, measured as compact JSON, as in Lambda.") @Size(max = 1024) Map<String, @Size(max = 4096) String> variables,
        @JsonPropertyDescription("Variables whose values come from keys of Secrets in the function's namespace.") @Size(max = 256) Map<String, SecretKeyRef> secrets) {

    /** Names Lambda reserves for itself; users cannot set them. */
    public static final String[] RESERVED = {
            "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
            "LAMBDA_RUNTIME_DIR" };

    /** {@link #RESERVED} as a CEL list literal; kept equal to it by a test. */
    static final String RESERVED_CEL = "['_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME', "
            + "'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', "
            + "'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', "
            + "'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', "
            + "'LAMBDA_RUNTIME_DIR']";
}
