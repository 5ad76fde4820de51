package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Lambda's asynchronous invocation configuration ({@code PutFunctionEventInvokeConfig}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventInvokeConfig(
        @JsonPropertyDescription("How many times a function error is retried (0-2). Lambda waits about 1 minute before the second attempt and 2 minutes before the third.") @Min(0) @Max(2) @Default("2") Integer maximumRetryAttempts,
        @JsonPropertyDescription("How long an event may wait, including retries after throttles and platform errors, before it is discarded or sent to onFailure (60-21600 seconds).") @Min(60) @Max(21600) @Default("21600") Integer maximumEventAgeInSeconds,
        @JsonPropertyDescription("Destinations for the invocation records of asynchronous invocations.") DestinationConfig destinationConfig) {
}
