package dev.klambda.crds.v1alpha1.alias;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;

/** Lambda's {@code AliasRoutingConfiguration}: extra versions and the share of traffic each gets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.additionalVersionWeights) || self.additionalVersionWeights.all(k, k.matches('^[0-9]+$'))", message = Messages.WEIGHT_KEYS)
@ValidationRule(value = "!has(self.additionalVersionWeights) || self.additionalVersionWeights.all(k, self.additionalVersionWeights[k] >= 0.0 && self.additionalVersionWeights[k] <= 1.0)", message = Messages.WEIGHT_RANGE)
@ValidationRule(value = "!has(self.additionalVersionWeights) || self.additionalVersionWeights.map(k, self.additionalVersionWeights[k]).sum() <= 1.000000001", message = Messages.WEIGHT_SUM)
public record RoutingConfig(
        @JsonPropertyDescription("Version number -> share of invocations (0.0-1.0) routed to it instead of functionVersion, e.g. {\"2\": 0.1} for a 10% canary. Shares sum to at most 1.") @Size(max = 10) Map<String, Double> additionalVersionWeights) {
}
