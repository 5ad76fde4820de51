package dev.klambda.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/**
 * A function URL ({@code CreateFunctionUrlConfig}): plain HTTP clients call the function through
 * the ingress and it receives API Gateway HTTP API (payload 2.0) events.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FunctionUrlConfig(
        @JsonPropertyDescription("NONE for a public URL, AWS_IAM for callers that sign requests with SigV4.") @Required AuthType authType,
        @JsonPropertyDescription("Cross-origin resource sharing settings.") Cors cors,
        @JsonPropertyDescription("BUFFERED returns the response when the function finishes; RESPONSE_STREAM streams it.") @Default("BUFFERED") InvokeMode invokeMode) {

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
