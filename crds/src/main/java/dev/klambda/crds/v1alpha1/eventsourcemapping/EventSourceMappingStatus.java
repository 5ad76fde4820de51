package dev.klambda.crds.v1alpha1.eventsourcemapping;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import dev.klambda.crds.v1alpha1.common.Condition;

/** What the poller observed of a mapping, in Lambda's terms. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventSourceMappingStatus(
        @JsonPropertyDescription("The metadata.generation this status describes.") Long observedGeneration,
        @JsonPropertyDescription("Ready, SourceReachable and the other conditions.") List<Condition> conditions,
        @JsonPropertyDescription("The mapping's UUID, as Lambda's API reports it; also the default Kafka consumer group.") String uuid,
        @JsonPropertyDescription("Lambda's State: Creating, Enabling, Enabled, Disabling, Disabled, Updating or Deleting.") State state,
        @JsonPropertyDescription("Why the state last changed: USER_INITIATED, or an error code such as EVENT_SOURCE_AUTHN_ERROR.") String stateTransitionReason,
        @JsonPropertyDescription("Outcome of the last batch: No records processed, OK, or PROBLEM: <reason>.") String lastProcessingResult,
        @JsonPropertyDescription("When the mapping last changed, in Unix epoch seconds.") Double lastModified,
        @JsonPropertyDescription("Records waiting to be processed: Kafka offset lag summed over partitions, or approximate queue depth.") Long lag) {

    /** Lambda's event source mapping states. */
    public enum State {
        Creating,
        Enabling,
        Enabled,
        Disabling,
        Disabled,
        Updating,
        Deleting
    }
}
