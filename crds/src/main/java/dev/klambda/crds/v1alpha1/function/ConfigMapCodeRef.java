package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;

/** A zip package kept in a ConfigMap (packages up to about 1 MiB). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConfigMapCodeRef(
        @JsonPropertyDescription("Name of the ConfigMap, in the function's namespace.") @Required @Pattern(Patterns.KUBERNETES_NAME) @Size(max = 253) String name,
        @JsonPropertyDescription("Key in the ConfigMap's binaryData that holds the zip.") @Pattern(Patterns.KUBERNETES_DATA_KEY) @Size(max = 253) @Default("code.zip") String key) {
}
