package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The size of the function's writable /tmp (Lambda's {@code EphemeralStorage}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EphemeralStorage(
        @JsonPropertyDescription("Size of /tmp in MB (512-10240).") @Min(512) @Max(10240) @Default("512") Integer size) {
}
