package dev.klambda.crds.v1alpha1.alias;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One entry of an alias's resolved routing table. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Route(
        @JsonPropertyDescription("Version number, or $LATEST.") String version,
        @JsonPropertyDescription("Share of invocations it receives (0.0-1.0).") Double weight) {
}
