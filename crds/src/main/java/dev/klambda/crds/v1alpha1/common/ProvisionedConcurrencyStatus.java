package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Progress of a version's or alias's provisioned concurrency (Lambda's {@code ProvisionedConcurrencyConfig}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProvisionedConcurrencyStatus(
        @JsonPropertyDescription("Environments requested.") Integer requested,
        @JsonPropertyDescription("Environments initialised and able to take an invocation now.") Integer available,
        @JsonPropertyDescription("Environments allocated, initialised or initialising.") Integer allocated,
        @JsonPropertyDescription("IN_PROGRESS, READY or FAILED.") Status status,
        @JsonPropertyDescription("Why allocation failed, when it did.") String statusReason,
        @JsonPropertyDescription("When the configuration last changed (RFC 3339).") String lastModified) {

    /** Lambda's provisioned concurrency states. */
    public enum Status {
        IN_PROGRESS,
        READY,
        FAILED
    }
}
