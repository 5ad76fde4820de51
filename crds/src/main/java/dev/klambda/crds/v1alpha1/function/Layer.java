package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;

/**
 * A layer, extracted into /opt before the function's code runs; later layers overwrite earlier ones.
 * A published Version names its layers by ARN or by SHA-256, so they cannot drift.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.arn) != (has(self.path) || has(self.sha256))", message = Messages.LAYER_ONE_SOURCE)
public record Layer(
        @JsonPropertyDescription("A layer version ARN, as PublishLayerVersion returns it.") @Pattern(Patterns.LAYER_VERSION_ARN) @Size(max = 140) String arn,
        @JsonPropertyDescription("Standalone only: a directory or zip file, relative to the manifest file.") @Size(min = 1, max = 4096) String path,
        @JsonPropertyDescription("SHA-256 of the layer's zip, as hex (sha256sum) or base64. Alone, it names a zip in the code store; with path, the layer must match it.") @Pattern(Patterns.SHA256) String sha256) {
}
