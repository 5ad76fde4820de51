package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;

/** Lambda's {@code TracingConfig}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TracingConfig(
        @JsonPropertyDescription("Active samples and traces every invocation; PassThrough traces only when the caller's trace context asks for it.") @Default("PassThrough") Mode mode) {

    /** Lambda's tracing modes. */
    public enum Mode {
        Active,
        PassThrough
    }
}
