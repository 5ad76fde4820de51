package dev.klambda.crds.v1alpha1.function;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import dev.klambda.crds.v1alpha1.common.Condition;

/** What klambda observed of a function, in Lambda's terms. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FunctionStatus(
        @JsonPropertyDescription("The metadata.generation this status describes.") Long observedGeneration,
        @JsonPropertyDescription("Ready, CodeAvailable and the other conditions.") List<Condition> conditions,
        @JsonPropertyDescription("Lambda's State: Pending, Active, Inactive or Failed.") State state,
        @JsonPropertyDescription("Why the function is in its state.") String stateReason,
        @JsonPropertyDescription("Lambda's StateReasonCode, e.g. Creating, Idle, InvalidCode.") String stateReasonCode,
        @JsonPropertyDescription("Lambda's LastUpdateStatus: InProgress, Successful or Failed.") LastUpdateStatus lastUpdateStatus,
        @JsonPropertyDescription("Why the last update ended as it did.") String lastUpdateStatusReason,
        @JsonPropertyDescription("Lambda's LastUpdateStatusReasonCode.") String lastUpdateStatusReasonCode,
        @JsonPropertyDescription("Base64 SHA-256 of the zip package of $LATEST (Lambda's CodeSha256).") String codeSha256,
        @JsonPropertyDescription("Size of the zip package of $LATEST in bytes.") Long codeSize,
        @JsonPropertyDescription("When the code or configuration last changed, as Lambda prints it (2019-10-01T16:47:28.490+0000).") String lastModified,
        @JsonPropertyDescription("Changes whenever the function changes; Lambda's RevisionId for optimistic concurrency.") String revisionId,
        @JsonPropertyDescription("The highest version number ever assigned to this function; numbers are never reused.") Integer lastVersionNumber) {

    /** Lambda's function states. */
    public enum State {
        Pending,
        Active,
        Inactive,
        Failed
    }

    /** Lambda's last update states. */
    public enum LastUpdateStatus {
        InProgress,
        Successful,
        Failed
    }
}
