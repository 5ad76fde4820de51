package dev.klambda.crds.v1alpha1.version;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;
import dev.klambda.crds.v1alpha1.common.EventInvokeConfig;

/**
 * A published version. Apply one that names only its function and klambda freezes the function's
 * $LATEST into {@code snapshot} and assigns {@code version}; both never change afterwards.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.functionName == oldSelf.functionName", message = Messages.FUNCTION_NAME_IMMUTABLE)
@ValidationRule(value = "!has(oldSelf.version) || (has(self.version) && self.version == oldSelf.version)", message = Messages.VERSION_NUMBER_SET_ONCE)
@ValidationRule(value = "!has(oldSelf.snapshot) || (has(self.snapshot) && self.snapshot == oldSelf.snapshot)", message = Messages.VERSION_SNAPSHOT_FROZEN)
public record VersionSpec(
        @JsonPropertyDescription("The Lambda name of the function this is a version of.") @Required @Pattern(Patterns.FUNCTION_NAME) @Size(min = 1, max = 64) String functionName,
        @JsonPropertyDescription("The version number (1, 2, 3, ... per function). Leave it out to get the next unused number; set it to keep numbers stable across clusters (GitOps). Set once.") @Min(1) Integer version,
        @JsonPropertyDescription("What this version is.") @Size(max = 256) String description,
        @JsonPropertyDescription("Publish only if $LATEST's code has this SHA-256 (hex or base64), as PublishVersion's CodeSha256 does.") @Pattern(Patterns.SHA256) String codeSha256,
        @JsonPropertyDescription("The frozen code and configuration. Written once, by klambda, when the version is published.") VersionSnapshot snapshot,
        @JsonPropertyDescription("Provisioned concurrency: environments kept initialised for this version at all times.") @Min(1) Integer provisionedConcurrentExecutions,
        @JsonPropertyDescription("Asynchronous invocation settings for this version; the function's apply when absent.") EventInvokeConfig eventInvokeConfig) {

    /** This spec with another provisioned concurrency (null for none). */
    public VersionSpec withProvisionedConcurrentExecutions(Integer count) {
        return new VersionSpec(functionName, version, description, codeSha256, snapshot, count, eventInvokeConfig);
    }

    /** This spec with other asynchronous invocation settings (null for the function's). */
    public VersionSpec withEventInvokeConfig(EventInvokeConfig config) {
        return new VersionSpec(functionName, version, description, codeSha256, snapshot, provisionedConcurrentExecutions,
                config);
    }
}
