package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;

/** One key of a Kubernetes Secret in the function's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretKeyRef(
        @JsonPropertyDescription("Name of the Secret.") @Required @Pattern(Patterns.KUBERNETES_NAME) @Size(max = 253) String name,
        @JsonPropertyDescription("Key within the Secret.") @Required @Pattern(Patterns.KUBERNETES_DATA_KEY) @Size(max = 253) String key) {
}
