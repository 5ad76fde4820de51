package dev.klambda.crds.v1alpha1.function;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;

/** One destination an isolated function may connect to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EgressRule(
        @JsonPropertyDescription("Destination addresses as a CIDR block, e.g. 10.0.0.0/8.") @Required @Pattern(Patterns.CIDR) @Size(max = 64) String cidr,
        @JsonPropertyDescription("Destination ports; all ports when empty.") @Size(max = 20) List<@Min(1) @Max(65535) Integer> ports,
        @JsonPropertyDescription("TCP or UDP.") @Default("TCP") Protocol protocol) {

    /** Transport protocol of an egress rule. */
    public enum Protocol {
        TCP,
        UDP
    }
}
