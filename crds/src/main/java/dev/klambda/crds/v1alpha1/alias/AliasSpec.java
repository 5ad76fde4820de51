package dev.klambda.crds.v1alpha1.alias;

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
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;

/** A movable name for a version of a function, optionally splitting traffic with other versions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.functionName == oldSelf.functionName", message = Messages.FUNCTION_NAME_IMMUTABLE)
@ValidationRule(value = "has(self.name) == has(oldSelf.name) && (!has(self.name) || self.name == oldSelf.name)", message = Messages.ALIAS_NAME_IMMUTABLE)
@ValidationRule(value = "!has(self.name) || !self.name.matches('^[0-9]+$')", message = Messages.ALIAS_NAME_NOT_NUMBER)
@ValidationRule(value = "!has(self.routingConfig) || !has(self.routingConfig.additionalVersionWeights) || !(self.functionVersion in self.routingConfig.additionalVersionWeights)", message = Messages.ALIAS_WEIGHTS_OWN_VERSION)
@ValidationRule(value = "self.functionVersion != '$LATEST' || !has(self.routingConfig) || !has(self.routingConfig.additionalVersionWeights) || size(self.routingConfig.additionalVersionWeights) == 0", message = Messages.ALIAS_LATEST_NOT_WEIGHTED)
public record AliasSpec(
        @JsonPropertyDescription("The Lambda name of the function the alias belongs to.") @Required @Pattern(Patterns.FUNCTION_NAME) @Size(min = 1, max = 64) String functionName,
        @JsonPropertyDescription("The alias name callers use as qualifier, e.g. prod. Default: metadata.name.") @Pattern(Patterns.ALIAS_NAME) @Size(min = 1, max = 128) String name,
        @JsonPropertyDescription("The version the alias points to: a version number, or $LATEST.") @Required @Pattern(Patterns.FUNCTION_VERSION) @Size(max = 1024) String functionVersion,
        @JsonPropertyDescription("What the alias is for.") @Size(max = 256) String description,
        @JsonPropertyDescription("Shares of traffic sent to other versions, for canary and blue/green releases.") RoutingConfig routingConfig,
        @JsonPropertyDescription("Provisioned concurrency: environments of the alias's version kept initialised at all times.") @Min(1) Integer provisionedConcurrentExecutions,
        @JsonPropertyDescription("A function URL for this alias.") FunctionUrlConfig functionUrlConfig,
        @JsonPropertyDescription("Asynchronous invocation settings for invocations through this alias; the function's apply when absent.") EventInvokeConfig eventInvokeConfig) {

    /** This spec with another provisioned concurrency (null for none). */
    public AliasSpec withProvisionedConcurrentExecutions(Integer count) {
        return new AliasSpec(functionName, name, functionVersion, description, routingConfig, count, functionUrlConfig,
                eventInvokeConfig);
    }

    /** This spec with another function URL (null for none). */
    public AliasSpec withFunctionUrlConfig(FunctionUrlConfig config) {
        return new AliasSpec(functionName, name, functionVersion, description, routingConfig,
                provisionedConcurrentExecutions, config, eventInvokeConfig);
    }

    /** This spec with other asynchronous invocation settings (null for the function's). */
    public AliasSpec withEventInvokeConfig(EventInvokeConfig config) {
        return new AliasSpec(functionName, name, functionVersion, description, routingConfig,
                provisionedConcurrentExecutions, functionUrlConfig, config);
    }
}
