package dev.klambda.crds.v1alpha1.alias;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.common.ProvisionedConcurrencyStatus;

/** What klambda resolved for an alias. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AliasStatus(
        @JsonPropertyDescription("The metadata.generation this status describes.") Long observedGeneration,
        @JsonPropertyDescription("Ready, RoutingResolved and the other conditions.") List<Condition> conditions,
        @JsonPropertyDescription("The resolved routing table: each version and its share of invocations.") List<Route> routes,
        @JsonPropertyDescription("Changes whenever the alias changes; Lambda's RevisionId.") String revisionId,
        @JsonPropertyDescription("Progress of the alias's provisioned concurrency.") ProvisionedConcurrencyStatus provisionedConcurrency) {
}
