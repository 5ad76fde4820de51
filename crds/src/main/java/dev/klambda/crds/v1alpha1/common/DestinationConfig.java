package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Lambda's {@code DestinationConfig} for asynchronous invocations. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DestinationConfig(
        @JsonPropertyDescription("Where the invocation record of a successful asynchronous invocation goes.") Destination onSuccess,
        @JsonPropertyDescription("Where the invocation record of an event that failed every attempt, or grew too old, goes.") Destination onFailure) {
}
