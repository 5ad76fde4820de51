package dev.klambda.crds.v1alpha1.eventsourcemapping;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;

/**
 * A Kafka cluster and topics to read: Lambda's self-managed Kafka source
 * ({@code SelfManagedEventSource}, {@code Topics}, {@code SelfManagedKafkaEventSourceConfig}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.bootstrapServers == oldSelf.bootstrapServers && self.topics == oldSelf.topics && has(self.consumerGroupId) == has(oldSelf.consumerGroupId) && (!has(self.consumerGroupId) || self.consumerGroupId == oldSelf.consumerGroupId)", message = Messages.ESM_KAFKA_IMMUTABLE)
public record KafkaSource(
        @JsonPropertyDescription("Bootstrap servers as host:port (Lambda's KAFKA_BOOTSTRAP_SERVERS).") @Required @Size(min = 1, max = 10) List<@Pattern(Patterns.HOST_PORT) @Size(max = 300) String> bootstrapServers,
        @JsonPropertyDescription("Topics to read. Records keep their order within each partition.") @Required @Size(min = 1, max = 10) List<@Pattern(Patterns.KAFKA_TOPIC) @Size(min = 1, max = 249) String> topics,
        @JsonPropertyDescription("Consumer group the mapping commits offsets under. Default: the mapping's UUID. If the group already has offsets they win over startingPosition.") @Pattern(Patterns.CONSUMER_GROUP_ID) @Size(min = 1, max = 200) String consumerGroupId) {
}
