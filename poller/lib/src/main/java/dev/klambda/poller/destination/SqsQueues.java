package dev.klambda.poller.destination;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.klambda.poller.async.AsyncConfig;

import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * An SQS-compatible service at a configured endpoint (real SQS, or a compatible server), reached
 * with the AWS SDK. Queue URLs are looked up by name and owner once.
 */
public final class SqsQueues implements AutoCloseable {

    private final SqsClient client;
    private final Map<Target.Sqs, String> urls = new ConcurrentHashMap<>();
    // The SDK's synchronous client blocks; each send gets a virtual thread of its own.
    private final ExecutorService sending = Executors.newVirtualThreadPerTaskExecutor();

    public SqsQueues(SqsClient client) {
        this.client = client;
    }

    /** A client for the service {@code config} names, signing with its keys; null when it names none. */
    public static SqsQueues configured(AsyncConfig config, String region) {
        return config.sqsEndpoint().map(endpoint -> new SqsQueues(SqsClient.builder().endpointOverride(endpoint)
                .region(Region.of(region)).credentialsProvider(config.sqsCredentials()).build())).orElse(null);
    }

    CompletionStage<Void> send(Target.Sqs queue, String body, DeadLetter letter) {
        return CompletableFuture.runAsync(() -> {
            String url = urls.computeIfAbsent(queue,
                    q -> client.getQueueUrl(r -> r.queueName(q.name()).queueOwnerAWSAccountId(q.account())).queueUrl());
            client.sendMessage(r -> {
                r.queueUrl(url).messageBody(body);
                if (letter != null) {
                    r.messageAttributes(Map.of(
                            "RequestID", text(letter.requestId()),
                            "ErrorCode", MessageAttributeValue.builder().dataType("Number")
                                    .stringValue(Integer.toString(letter.errorCode())).build(),
                            "ErrorMessage", text(letter.errorMessage().isEmpty() ? " " : letter.errorMessage())));
                }
            });
        }, sending);
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    @Override
    public void close() {
        sending.shutdown();
        client.close();
    }
}
