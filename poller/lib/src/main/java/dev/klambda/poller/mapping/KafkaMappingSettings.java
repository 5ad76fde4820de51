package dev.klambda.poller.mapping;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec.FunctionResponseType;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec.StartingPosition;
import dev.klambda.crds.v1alpha1.eventsourcemapping.FilterCriteria;
import dev.klambda.crds.v1alpha1.eventsourcemapping.KafkaSource;
import dev.klambda.crds.v1alpha1.eventsourcemapping.SourceAccessConfiguration;

/**
 * What a Kafka event source mapping asks for, with Lambda's defaults filled in: batch size 100, a
 * 500 ms batching window, retries until the records expire (at most 10 when an on-failure
 * destination is set, as Lambda caps them), records that never expire.
 *
 * @param namespace the mapping's namespace, whose account invokes the function
 * @param function the function as the mapping names it: name or name:qualifier
 * @param maxRetries retries of a failed batch; -1 for no limit
 * @param maxRecordAge how old a record may be when its turn comes; null for no limit
 * @param onFailure where given-up records go, or null
 * @param access the credentials and TLS material to reach the cluster with ({@link KafkaSecurity})
 */
public record KafkaMappingSettings(String namespace, String uuid, String function, List<String> bootstrapServers,
        List<String> topics, String consumerGroup, StartingPosition startingPosition, Instant startingTimestamp,
        int batchSize, Duration batchingWindow, int maxRetries, Duration maxRecordAge, boolean bisect,
        boolean reportItemFailures, String onFailure, EventFilter filter, List<SourceAccessConfiguration> access) {

    public static final int DEFAULT_BATCH_SIZE = 100;
    public static final Duration DEFAULT_BATCHING_WINDOW = Duration.ofMillis(500);
    /** Lambda's cap on retries when they are unlimited and an on-failure destination is set. */
    public static final int RETRIES_WITH_DESTINATION = 10;

    /**
     * The settings of a Kafka mapping.
     *
     * @throws InvalidMappingException when the filter patterns are not valid, the on-failure
     *         destination is one of the source topics, or the source access configurations do not fit Kafka
     */
    public static KafkaMappingSettings of(EventSourceMapping mapping, String uuid) {
        EventSourceMappingSpec spec = mapping.getSpec();
        KafkaSource kafka = spec.kafka();
        KafkaSecurity.check(spec.sourceAccessConfigurations());
        String onFailure = spec.destinationConfig() == null || spec.destinationConfig().onFailure() == null ? null
                : spec.destinationConfig().onFailure().destination();
        if (onFailure != null && onFailure.startsWith("kafka://")
                && kafka.topics().contains(onFailure.substring("kafka://".length()))) {
            throw new InvalidMappingException("The on-failure destination " + onFailure
                    + " is a source topic of the mapping: records would come back forever");
        }
        EventFilter filter = filter(spec);
        int retries = spec.maximumRetryAttempts() == null ? -1 : spec.maximumRetryAttempts();
        if (retries == -1 && onFailure != null) {
            retries = RETRIES_WITH_DESTINATION;
        }
        Integer age = spec.maximumRecordAgeInSeconds();
        return new KafkaMappingSettings(mapping.getMetadata().getNamespace(), uuid, spec.functionName(),
                List.copyOf(kafka.bootstrapServers()), List.copyOf(kafka.topics()),
                kafka.consumerGroupId() != null ? kafka.consumerGroupId() : uuid,
                spec.startingPosition() == null ? StartingPosition.LATEST : spec.startingPosition(),
                spec.startingPositionTimestamp() == null ? null : Instant.ofEpochSecond(spec.startingPositionTimestamp()),
                spec.batchSize() == null ? DEFAULT_BATCH_SIZE : spec.batchSize(),
                spec.maximumBatchingWindowInSeconds() == null ? DEFAULT_BATCHING_WINDOW
                        : Duration.ofSeconds(spec.maximumBatchingWindowInSeconds()),
                retries, age == null || age == -1 ? null : Duration.ofSeconds(age),
                Boolean.TRUE.equals(spec.bisectBatchOnFunctionError()),
                spec.functionResponseTypes() != null
                        && spec.functionResponseTypes().contains(FunctionResponseType.ReportBatchItemFailures),
                onFailure, filter,
                spec.sourceAccessConfigurations() == null ? List.of() : List.copyOf(spec.sourceAccessConfigurations()));
    }

    /** The bootstrap servers as Kafka clients and Lambda's event write them. */
    public String bootstrap() {
        return String.join(",", bootstrapServers);
    }

    /** Whether a batch that has been attempted {@code attempts} times has used up its retries. */
    public boolean exhausted(int attempts) {
        return maxRetries >= 0 && attempts > maxRetries;
    }

    /** The mapping's filter patterns. */
    static EventFilter filter(EventSourceMappingSpec spec) {
        try {
            return EventFilter.of(spec.filterCriteria() == null || spec.filterCriteria().filters() == null ? null
                    : spec.filterCriteria().filters().stream().map(FilterCriteria.Filter::pattern).toList());
        } catch (EventFilter.InvalidPatternException e) {
            throw new InvalidMappingException(e.getMessage());
        }
    }

}
