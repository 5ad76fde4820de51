package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;

/**
 * Where a function's code comes from: a container image, or a zip package from the code store, a
 * URL, a ConfigMap, or (standalone only) a local path.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.imageUri) ? 1 : 0) + (has(self.url) ? 1 : 0) + (has(self.configMap) ? 1 : 0) + (has(self.path) ? 1 : 0) <= 1", message = Messages.CODE_AT_MOST_ONE_SOURCE)
@ValidationRule(value = "has(self.imageUri) || has(self.url) || has(self.configMap) || has(self.path) || has(self.sha256)", message = Messages.CODE_NEEDS_SOURCE)
@ValidationRule(value = "!has(self.imageUri) || !has(self.sha256)", message = Messages.CODE_IMAGE_NOT_HASHED)
public record Code(
        @JsonPropertyDescription("A container image with the function (Lambda's PackageType Image), e.g. registry.example.com/hello@sha256:... It runs with the klambda agent as its entrypoint.") @Size(min = 1, max = 1024) String imageUri,
        @JsonPropertyDescription("SHA-256 of the zip package, as hex (sha256sum) or base64 (Lambda's CodeSha256). Alone, it names a zip in the code store; with url, configMap or path, the code must match it.") @Pattern(Patterns.SHA256) String sha256,
        @JsonPropertyDescription("An http(s) URL of a zip package, fetched when an environment starts.") @Pattern(Patterns.HTTP_URL) @Size(max = 2048) String url,
        @JsonPropertyDescription("A ConfigMap in the function's namespace holding the zip package in binaryData.") ConfigMapCodeRef configMap,
        @JsonPropertyDescription("Standalone only: a directory or zip file, relative to the manifest file, like SAM's CodeUri.") @Size(min = 1, max = 4096) String path) {

    /** Whether this code is a container image rather than a zip package. */
    @JsonIgnore
    public boolean isImage() {
        return imageUri != null;
    }
}
