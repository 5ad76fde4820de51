package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;

/** Lambda's {@code DeadLetterConfig}: where asynchronous events go when every attempt failed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetterConfig(
        @JsonPropertyDescription("An SQS queue ARN or a Kafka topic as kafka://<topic>; the message is the original event with the RequestID, ErrorCode and ErrorMessage attributes.") @Pattern(Patterns.DESTINATION) @Size(max = 350) String targetArn) {
}
