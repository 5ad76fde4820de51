package dev.klambda.crds.v1alpha1.eventsourcemapping;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;

/**
 * A RabbitMQ queue to read, as Lambda's Amazon MQ for RabbitMQ source. Credentials (BASIC_AUTH)
 * and the virtual host (VIRTUAL_HOST) come from source access configurations.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RabbitMqSource(
        @JsonPropertyDescription("The broker, e.g. amqps://rabbitmq.messaging:5671.") @Required @Pattern(Patterns.AMQP_URL) @Size(max = 2048) String endpoint,
        @JsonPropertyDescription("The queue to read (Lambda's Queues, exactly one).") @Required @Size(min = 1, max = 1) List<@Size(min = 1, max = 1000) String> queues) {
}
