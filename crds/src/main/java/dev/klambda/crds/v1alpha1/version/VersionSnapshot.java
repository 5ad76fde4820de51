package dev.klambda.crds.v1alpha1.version;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

import dev.klambda.crds.v1alpha1.Patterns;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;

/** A function's code and configuration as they were when a version was published; never changes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VersionSnapshot(
        @JsonPropertyDescription("Base64 SHA-256 of the version's zip package (Lambda's CodeSha256); absent for container images.") @Pattern(Patterns.SHA256_BASE64) String codeSha256,
        @JsonPropertyDescription("Size of the version's zip package in bytes.") @Min(0) Long codeSize,
        @JsonPropertyDescription("The frozen configuration. Its code and layers point at the code store (sha256) or at an image by digest, so it cannot drift.") @Required FunctionConfiguration configuration,
        @JsonPropertyDescription("When the version was published, as Lambda prints it (2019-10-01T16:47:28.490+0000).") String publishedAt) {
}
