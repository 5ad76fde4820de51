package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * One observation of a resource's state, shaped like Kubernetes' own conditions: Ready and the
 * kind-specific ones (CodeAvailable, PoolAvailable, RoutingResolved, ...).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
        @JsonPropertyDescription("Condition type in CamelCase, e.g. Ready, CodeAvailable, PoolAvailable, RoutingResolved.") @Required String type,
        @JsonPropertyDescription("True, False or Unknown.") @Required ConditionStatus status,
        @JsonPropertyDescription("Why the condition last changed, one CamelCase word.") @Pattern("^([A-Za-z]([A-Za-z0-9]*))?$") String reason,
        @JsonPropertyDescription("What happened, for people.") String message,
        @JsonPropertyDescription("When status or message last changed (RFC 3339).") String lastTransitionTime,
        @JsonPropertyDescription("The metadata.generation this condition was computed from; a condition counts only when it equals the resource's generation.") Long observedGeneration) {

    /** The three values a condition's status takes. */
    public enum ConditionStatus {
        True,
        False,
        Unknown
    }
}
