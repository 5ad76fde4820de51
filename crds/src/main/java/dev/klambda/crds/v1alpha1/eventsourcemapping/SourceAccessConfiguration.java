package dev.klambda.crds.v1alpha1.eventsourcemapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;

/** How the poller authenticates to a source (Lambda's {@code SourceAccessConfiguration}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SourceAccessConfiguration(
        @JsonPropertyDescription("BASIC_AUTH (Secret with username and password; SASL/PLAIN for Kafka, access key and secret key for SQS), SASL_SCRAM_256_AUTH or SASL_SCRAM_512_AUTH (Secret with username and password), CLIENT_CERTIFICATE_TLS_AUTH (Secret with tls.crt and tls.key), SERVER_ROOT_CA_CERTIFICATE (Secret with ca.crt), or VIRTUAL_HOST (RabbitMQ).") @Required Type type,
        @JsonPropertyDescription("The name of a Secret in the mapping's namespace, or for VIRTUAL_HOST the virtual host.") @Required @Pattern(Patterns.SOURCE_ACCESS_URI) @Size(min = 1, max = 200) String uri) {

    /** Lambda's source access types that klambda supports. */
    public enum Type {
        BASIC_AUTH,
        SASL_SCRAM_256_AUTH,
        SASL_SCRAM_512_AUTH,
        CLIENT_CERTIFICATE_TLS_AUTH,
        SERVER_ROOT_CA_CERTIFICATE,
        VIRTUAL_HOST
    }
}
