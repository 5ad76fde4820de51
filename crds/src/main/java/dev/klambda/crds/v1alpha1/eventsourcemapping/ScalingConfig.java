package dev.klambda.crds.v1alpha1.eventsourcemapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Lambda's {@code ScalingConfig} for SQS sources. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScalingConfig(
        @JsonPropertyDescription("Most batches from this queue invoking the function at once (2-1000).") @Min(2) @Max(1000) Integer maximumConcurrency) {
}
