package dev.klambda.poller.mapping;

import java.net.URI;
import java.time.Duration;

import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec.FunctionResponseType;
import dev.klambda.crds.v1alpha1.eventsourcemapping.SourceAccessConfiguration;
import dev.klambda.crds.v1alpha1.eventsourcemapping.SqsSource;

/**
 * What an SQS event source mapping asks for, with Lambda's defaults filled in: batch size 10, no
 * batching window, and up to 1,000 batches at once unless {@code scalingConfig} says fewer.
 *
 * @param queueUrl the queue's URL when the mapping gives it; else it is looked up by name and owner
 * @param queueArn the queue's ARN as the mapping gives it or its URL implies (the queue's own
 *        {@code QueueArn} attribute wins once it is read)
 * @param endpoint the SQS API endpoint; null for AWS's endpoint of {@code region}
 * @param region the region requests are signed for
 * @param maxConcurrency the most batches of this mapping invoking the function at once
 * @param credentialsSecret the BASIC_AUTH Secret with the keys to sign with, or null for the platform's keys
 */
public record SqsMappingSettings(String namespace, String uuid, String function, String queueUrl, String queueName,
        String queueOwner, String queueArn, URI endpoint, String region, int batchSize, Duration batchingWindow,
        boolean reportItemFailures, int maxConcurrency, EventFilter filter, String credentialsSecret) {

    public static final int DEFAULT_BATCH_SIZE = 10;
    /** Lambda's ceiling on an SQS mapping's concurrent batches when ScalingConfig sets none. */
    public static final int DEFAULT_MAX_CONCURRENCY = 1_000;

    /**
     * Where queues are when a mapping does not say: the platform's SQS-compatible endpoint (null for
     * AWS), and the region of the platform.
     */
    public record Defaults(URI endpoint, String region) {
    }

    /**
     * The settings of an SQS mapping.
     *
     * @throws InvalidMappingException when the filter patterns are not valid or the mapping needs credentials
     */
    public static SqsMappingSettings of(EventSourceMapping mapping, String uuid, Defaults defaults) {
        EventSourceMappingSpec spec = mapping.getSpec();
        SqsSource sqs = spec.sqs();
        String credentialsSecret = null;
        if (spec.sourceAccessConfigurations() != null && !spec.sourceAccessConfigurations().isEmpty()) {
            if (spec.sourceAccessConfigurations().size() > 1 || spec.sourceAccessConfigurations().getFirst()
                    .type() != SourceAccessConfiguration.Type.BASIC_AUTH) {
                throw new InvalidMappingException("an SQS source takes one source access configuration, BASIC_AUTH "
                        + "(a Secret with the access key id as username and the secret access key as password)");
            }
            credentialsSecret = spec.sourceAccessConfigurations().getFirst().uri();
        }
        EventFilter filter = KafkaMappingSettings.filter(spec);
        String url = sqs.queueUrl();
        String arnRegion = null;
        String name;
        String owner;
        URI endpoint;
        if (url != null) {
            URI parsed = URI.create(url);
            String[] path = parsed.getPath().replaceAll("^/+", "").split("/");
            owner = path.length == 2 ? path[0] : null;
            name = path[path.length - 1];
            endpoint = sqs.endpoint() != null ? URI.create(sqs.endpoint())
                    : URI.create(parsed.getScheme() + "://" + parsed.getRawAuthority());
        } else {
            // arn:<partition>:sqs:<region>:<account>:<name>, as the resource's pattern makes sure.
            String[] arn = sqs.eventSourceArn().split(":");
            arnRegion = arn[3];
            owner = arn[4];
            name = arn[5];
            endpoint = sqs.endpoint() != null ? URI.create(sqs.endpoint()) : defaults.endpoint();
        }
        String region = sqs.region() != null ? sqs.region() : arnRegion != null ? arnRegion : defaults.region();
        String arn = sqs.eventSourceArn() != null ? sqs.eventSourceArn()
                : "arn:aws:sqs:" + region + ":" + (owner == null ? "000000000000" : owner) + ":" + name;
        int concurrency = spec.scalingConfig() != null && spec.scalingConfig().maximumConcurrency() != null
                ? spec.scalingConfig().maximumConcurrency()
                : DEFAULT_MAX_CONCURRENCY;
        return new SqsMappingSettings(mapping.getMetadata().getNamespace(), uuid, spec.functionName(), url, name, owner,
                arn, endpoint, region, spec.batchSize() == null ? DEFAULT_BATCH_SIZE : spec.batchSize(),
                Duration.ofSeconds(
                        spec.maximumBatchingWindowInSeconds() == null ? 0 : spec.maximumBatchingWindowInSeconds()),
                spec.functionResponseTypes() != null
                        && spec.functionResponseTypes().contains(FunctionResponseType.ReportBatchItemFailures),
                concurrency, filter, credentialsSecret);
    }

    /** A FIFO queue: its name ends in {@code .fifo}. */
    public boolean fifo() {
        return queueName.endsWith(".fifo");
    }
}
