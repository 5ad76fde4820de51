package dev.klambda.crds.v1alpha1.function;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;

/** Overrides of a container image's settings (Lambda's {@code ImageConfig}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageConfig(
        @JsonPropertyDescription("Replaces the image's ENTRYPOINT.") @Size(max = 1500) List<@Size(max = 1024) String> entryPoint,
        @JsonPropertyDescription("Replaces the image's CMD, usually the handler.") @Size(max = 1500) List<@Size(max = 1024) String> command,
        @JsonPropertyDescription("Replaces the image's WORKDIR.") @Size(max = 1000) String workingDirectory) {
}
