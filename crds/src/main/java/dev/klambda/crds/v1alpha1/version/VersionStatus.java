package dev.klambda.crds.v1alpha1.version;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.common.PoolStatus;
import dev.klambda.crds.v1alpha1.common.ProvisionedConcurrencyStatus;

/** What klambda observed of a version and its warm pool. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VersionStatus(
        @JsonPropertyDescription("The metadata.generation this status describes.") Long observedGeneration,
        @JsonPropertyDescription("Ready, Published, PoolAvailable and the other conditions.") List<Condition> conditions,
        @JsonPropertyDescription("The version's execution environments.") PoolStatus pool,
        @JsonPropertyDescription("Progress of the version's provisioned concurrency.") ProvisionedConcurrencyStatus provisionedConcurrency) {
}
