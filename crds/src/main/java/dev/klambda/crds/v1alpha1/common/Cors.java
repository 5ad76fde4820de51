package dev.klambda.crds.v1alpha1.common;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/** Cross-origin resource sharing settings of a function URL (Lambda's {@code Cors}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Cors(
        @JsonPropertyDescription("Whether cookies and other credentials may be sent (Access-Control-Allow-Credentials).") Boolean allowCredentials,
        @JsonPropertyDescription("Headers a browser may send (Access-Control-Allow-Headers).") @Size(max = 100) List<@Size(max = 1024) String> allowHeaders,
        @JsonPropertyDescription("HTTP methods allowed, or *.") @Size(max = 6) List<@Size(max = 6) String> allowMethods,
        @JsonPropertyDescription("Origins allowed, e.g. https://www.example.com, or *.") @Size(max = 100) List<@Size(min = 1, max = 253) String> allowOrigins,
        @JsonPropertyDescription("Response headers exposed to the browser (Access-Control-Expose-Headers).") @Size(max = 100) List<@Size(max = 1024) String> exposeHeaders,
        @JsonPropertyDescription("Seconds a browser may cache the preflight result (0-86400).") @Min(0) @Max(86400) Integer maxAge) {
}
