package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The execution environments of one version's warm pool. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PoolStatus(
        @JsonPropertyDescription("Initialised environments waiting for an invocation.") Integer warm,
        @JsonPropertyDescription("Environments running an invocation.") Integer busy,
        @JsonPropertyDescription("Environments starting or initialising.") Integer starting) {
}
