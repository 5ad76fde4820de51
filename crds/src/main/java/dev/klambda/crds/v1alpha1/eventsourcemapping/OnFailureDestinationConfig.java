package dev.klambda.crds.v1alpha1.eventsourcemapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import dev.klambda.crds.v1alpha1.common.Destination;

/** Where an event source mapping sends records it gave up on (mappings have no on-success destination). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OnFailureDestinationConfig(
        @JsonPropertyDescription("Receives Lambda's failure record for each batch (or, for kafka:// destinations, each record) that exhausted its retries or expired.") Destination onFailure) {
}
