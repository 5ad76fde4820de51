package dev.klambda.poller.async;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.WithDefault;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * How the asynchronous queue is drained ({@code klambda.async.*}), the same in standalone and in a
 * cluster's invokers.
 */
public interface AsyncConfig {

    /** The waits before the second and third attempt after function errors (Lambda: about 1 and 2 minutes). */
    @WithDefault("1m,2m")
    List<Duration> retryDelays();

    /** The first wait after a throttle or platform error; each further one doubles. */
    @WithDefault("1s")
    Duration firstBackoff();

    /** The longest wait after throttles and platform errors (Lambda: 5 minutes). */
    @WithDefault("5m")
    Duration maxBackoff();

    /** Events attempted at once by one process; more wait in Kafka. */
    @WithDefault("64")
    int maxRunning();

    /** The SQS-compatible service that SQS destinations and dead-letter queues are sent to (KLAMBDA_SQS_ENDPOINT). */
    Optional<URI> sqsEndpoint();

    /** The access key id for the SQS-compatible service. */
    @WithDefault("klambda")
    String sqsAccessKey();

    /** The secret key for the SQS-compatible service. */
    @WithDefault("klambda")
    String sqsSecretKey();

    /** The keys above, as the AWS SDK takes them. */
    default AwsCredentialsProvider sqsCredentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(sqsAccessKey(), sqsSecretKey()));
    }
}
