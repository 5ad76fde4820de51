package dev.klambda.crds.v1alpha1.function;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;

/** Which network the function's environments may reach; rendered as a NetworkPolicy in a cluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.mode == 'Isolated' || !has(self.allowedEgress)", message = Messages.EGRESS_NEEDS_ISOLATED)
public record NetworkConfig(
        @JsonPropertyDescription("Public reaches any address; Isolated reaches only DNS and allowedEgress.") @Default("Public") Mode mode,
        @JsonPropertyDescription("With mode Isolated, the destinations the function may connect to.") @Size(max = 50) List<EgressRule> allowedEgress) {

    /** How open the function's network is. */
    public enum Mode {
        Public,
        Isolated
    }
}
