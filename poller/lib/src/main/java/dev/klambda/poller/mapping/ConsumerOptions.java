package dev.klambda.poller.mapping;

import java.time.Duration;

/**
 * How a mapping's consumer runs, whatever its source.
 *
 * @param firstBackoff wait before retrying a failed batch the first time; doubles up to maxBackoff
 * @param drain how long a consumer handing work to another waits for its batches under way (closing
 *        waits at most {@link #SHUTDOWN_DRAIN})
 * @param maxPayload the most bytes one event may have (the invocation limit)
 * @param sessionTimeout how long a Kafka consumer that stopped answering (a crashed poller) keeps its
 *        partitions before the group gives them to the others
 */
public record ConsumerOptions(Duration firstBackoff, Duration maxBackoff, Duration drain, int maxPayload,
        Duration sessionTimeout) {

    public static final ConsumerOptions DEFAULT = new ConsumerOptions(Duration.ofMillis(500), Duration.ofSeconds(30),
            Duration.ofSeconds(30), 6_291_456, Duration.ofSeconds(10));

    /** How long a closing consumer waits for batches under way; what they did not finish is read again later. */
    public static final Duration SHUTDOWN_DRAIN = Duration.ofSeconds(5);

    /** The wait for batches under way when the consumer closes. */
    public Duration shutdownDrain() {
        return SHUTDOWN_DRAIN.compareTo(drain) < 0 ? SHUTDOWN_DRAIN : drain;
    }
}
