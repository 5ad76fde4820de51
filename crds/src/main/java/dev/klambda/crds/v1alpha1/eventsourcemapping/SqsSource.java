package dev.klambda.crds.v1alpha1.eventsourcemapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;

/** An SQS or SQS-compatible queue to read. Credentials come from a BASIC_AUTH source access configuration. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.queueUrl) != has(self.eventSourceArn)", message = Messages.ESM_SQS_ONE_QUEUE)
public record SqsSource(
        @JsonPropertyDescription("The queue's URL, e.g. http://elasticmq:9324/000000000000/orders.") @Pattern(Patterns.HTTP_URL) @Size(max = 2048) String queueUrl,
        @JsonPropertyDescription("The queue's ARN (Lambda's EventSourceArn), e.g. arn:aws:sqs:us-east-1:123456789012:orders.") @Pattern(Patterns.SQS_ARN) @Size(max = 1024) String eventSourceArn,
        @JsonPropertyDescription("The SQS API endpoint, for SQS-compatible servers; default: AWS's endpoint for the queue's region.") @Pattern(Patterns.HTTP_URL) @Size(max = 2048) String endpoint,
        @JsonPropertyDescription("Region to sign requests for; default: the queue ARN's region, else klambda's.") @Pattern("^[a-z0-9-]+$") @Size(max = 64) String region) {
}
