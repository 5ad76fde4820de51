package dev.klambda.invoker.async;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The Kafka topics of the asynchronous invocation queue: new events, and events waiting for a
 * retry. Both keep records of up to {@link #MAX_RECORD_BYTES}, enough for an invocation record
 * that carries a 1 MB event and a 6 MB response.
 */
public final class AsyncTopics {

    /** Events accepted with a 202, not yet attempted. */
    public static final String EVENTS = "klambda-async-events";
    /** Events waiting for their next attempt; each record says when it is due. */
    public static final String RETRIES = "klambda-async-retries";
    /** The largest record the queue and destination topics take. */
    public static final int MAX_RECORD_BYTES = 10 * 1024 * 1024;

    private AsyncTopics() {
    }

    /** Creates both topics when they are missing; existing ones are left as they are. */
    public static void ensure(Admin admin, int partitions, Optional<Short> replicationFactor)
            throws InterruptedException, ExecutionException {
        Map<String, String> configs = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_RECORD_BYTES));
        List<NewTopic> topics = List.of(
                new NewTopic(EVENTS, Optional.of(partitions), replicationFactor).configs(configs),
                new NewTopic(RETRIES, Optional.of(partitions), replicationFactor).configs(configs));
        for (var result : admin.createTopics(topics).values().values()) {
            try {
                result.get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
