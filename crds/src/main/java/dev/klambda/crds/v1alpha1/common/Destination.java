package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;

/** Where records go: Lambda's {@code OnSuccess}/{@code OnFailure} destination. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Destination(
        @JsonPropertyDescription("A function ARN, an SQS queue ARN, a Kafka topic as kafka://<topic>, or an http(s):// endpoint.") @Required @Pattern(Patterns.DESTINATION) @Size(max = 350) String destination) {
}
