package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/**
 * A function URL ({@code CreateFunctionUrlConfig}): plain HTTP clients call the function through
 * the ingress and it receives API Gateway HTTP API (payload 2.0) events, or, as a klambda
 * extension, Application Load Balancer target events.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FunctionUrlConfig(
        @JsonPropertyDescription("NONE for a public URL, AWS_IAM for callers that sign requests with SigV4.") @Required AuthType authType,
        @JsonPropertyDescription("Cross-origin resource sharing settings.") Cors cors,
        @JsonPropertyDescription("BUFFERED returns the response when the function finishes; RESPONSE_STREAM streams it.") @Default("BUFFERED") InvokeMode invokeMode,
        @JsonPropertyDescription("The event the function receives (klambda extension): API_GATEWAY_V2, payload format 2.0 as Lambda function URLs send it; ALB, an Application Load Balancer target's; ALB_MULTI_VALUE, the same with multiValueHeaders and multiValueQueryStringParameters.") @Default("API_GATEWAY_V2") EventFormat eventFormat) {

    /** The event format a function URL hands to the function. */
    public enum EventFormat {
        API_GATEWAY_V2,
        ALB,
        ALB_MULTI_VALUE
    }

    /** Who may call a function URL. */
    public enum AuthType {
        NONE,
        AWS_IAM
    }

    /** How a function URL returns the response. */
    public enum InvokeMode {
        BUFFERED,
        RESPONSE_STREAM
    }
}
