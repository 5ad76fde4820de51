package dev.klambda.standalone.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

import dev.klambda.standalone.LambdaClients;
import dev.klambda.standalone.ManifestsResource;
import dev.klambda.standalone.mapping.BatchControl.Batch;
import dev.klambda.standalone.mapping.BatchControl.Seen;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateEventSourceMappingRequest;
import software.amazon.awssdk.services.lambda.model.CreateEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.FunctionResponseType;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.SourceAccessType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * SQS event source mappings against the packaged standalone platform: queues on ElasticMQ (an
 * SQS-compatible server in the test JVM, the platform's SQS endpoint), mappings made with the AWS
 * SDK, and a real Python function that shows the test what it got. Every test has a queue of its own.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "mapping-manifests"))
@WithTestResource(MappingServices.class)
class SqsMappingsIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DELIVERY = Duration.ofSeconds(90);

    static LambdaClient lambdaClient;
    static SqsClient sqs;

    @BeforeAll
    static void clients() {
        sqs = SqsClient.builder().endpointOverride(URI.create(MappingServices.sqsEndpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
    }

    @AfterAll
    static void close() {
        if (lambdaClient != null) {
            lambdaClient.close();
        }
        sqs.close();
    }

    static LambdaClient lambda() {
        if (lambdaClient == null) {
            lambdaClient = LambdaClients.defaultTenant();
        }
        return lambdaClient;
    }

    /** A queue of the test's own, with the given visibility timeout: its URL and ARN. */
    record Queue(String name, String url, String arn) {
    }

    static Queue queue(String prefix, int visibilitySeconds) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String url = sqs.createQueue(r -> r.queueName(name)
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilitySeconds))))
                .queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        return new Queue(name, url, arn);
    }

    /** A message body: its id, its queue (as the control's "topic"), the control URL, and what else the test sets. */
    static ObjectNode body(Queue queue, String id) {
        return JSON.createObjectNode().put("id", id).put("topic", queue.name()).put("control",
                MappingServices.batches().url());
    }

    static void send(Queue queue, ObjectNode body) throws Exception {
        String text = JSON.writeValueAsString(body);
        sqs.sendMessage(r -> r.queueUrl(queue.url()).messageBody(text));
    }

    static String mapping(Queue queue, Consumer<CreateEventSourceMappingRequest.Builder> settings) {
        CreateEventSourceMappingResponse created = lambda().createEventSourceMapping(request -> {
            request.functionName("batches").eventSourceArn(queue.arn());
            settings.accept(request);
        });
        assertThat(created.state()).isEqualTo("Creating");
        assertThat(created.eventSourceArn()).isEqualTo(queue.arn());
        return created.uuid();
    }

    /** Messages in the queue, visible or in flight. */
    static int left(Queue queue) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queue.url())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    static List<Seen> seen(Queue queue) {
        return MappingServices.batches().batches(queue.name()).stream().flatMap(b -> b.records().stream()).toList();
    }

    @Test
    void deliversEveryMessageInLambdasEventAndDeletesWhatSucceeded() throws Exception {
        Queue queue = queue("orders", 30);
        int count = 60;
        for (int i = 0; i < count; i++) {
            send(queue, body(queue, "m" + i).put("n", i));
        }
        String attributed = JSON.writeValueAsString(body(queue, "attributed"));
        sqs.sendMessage(r -> r.queueUrl(queue.url()).messageBody(attributed).messageAttributes(Map.of("kind",
                MessageAttributeValue.builder().dataType("String").stringValue("audit").build())));

        String uuid = mapping(queue, r -> {
        });

        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.processed(queue.name()).size() >= count + 1);
        assertThat(control.processed(queue.name()).stream().map(Seen::id).distinct()).hasSize(count + 1);
        assertThat(control.batches(queue.name())).allSatisfy(batch -> assertThat(batch.records()).hasSizeBetween(1, 10));
        await().atMost(DELIVERY).until(() -> left(queue) == 0);

        JsonNode record = record(control.batches(queue.name()), "attributed");
        assertThat(record.path("eventSource").asText()).isEqualTo("aws:sqs");
        assertThat(record.path("eventSourceARN").asText()).isEqualTo(queue.arn());
        assertThat(record.path("body").asText()).isEqualTo(attributed);
        assertThat(record.path("md5OfBody").asText()).isEqualTo(HexFormat.of()
                .formatHex(MessageDigest.getInstance("MD5").digest(attributed.getBytes(StandardCharsets.UTF_8))));
        assertThat(record.path("receiptHandle").asText()).isNotEmpty();
        assertThat(record.path("attributes").path("ApproximateReceiveCount").asText()).isEqualTo("1");
        assertThat(record.path("attributes").path("SentTimestamp").asLong()).isPositive();
        assertThat(record.path("messageAttributes").path("kind").toString()).isEqualTo(
                "{\"stringValue\":\"audit\",\"binaryValue\":null,\"stringListValues\":[],\"binaryListValues\":[],\"dataType\":\"String\"}");
        assertThat(record.path("md5OfMessageAttributes").asText()).isNotEmpty();
        assertThat(record(control.batches(queue.name()), "m0").has("md5OfMessageAttributes")).isFalse();

        GetEventSourceMappingResponse mapping = lambda().getEventSourceMapping(r -> r.uuid(uuid));
        assertThat(mapping.state()).isEqualTo("Enabled");
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
        assertThat(mapping.batchSize()).isEqualTo(10);
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    static JsonNode record(List<Batch> batches, String id) {
        for (Batch batch : batches) {
            for (JsonNode record : batch.event().path("Records")) {
                if (record.path("body").asText().contains("\"id\":\"" + id + "\"")) {
                    return record;
                }
            }
        }
        throw new AssertionError("no message " + id);
    }

    @Test
    void aBatchingWindowGathersMoreThanOneReceiveCanBring() throws Exception {
        Queue queue = queue("gathered", 30);
        for (int i = 0; i < 60; i++) {
            send(queue, body(queue, "g" + i));
        }
        String uuid = mapping(queue, r -> r.batchSize(60).maximumBatchingWindowInSeconds(1)
                .scalingConfig(s -> s.maximumConcurrency(2)));

        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.processed(queue.name()).size() >= 60);
        assertThat(control.processed(queue.name()).stream().map(Seen::id).distinct()).hasSize(60);
        assertThat(control.batches(queue.name())).hasSizeLessThanOrEqualTo(6)
                .anySatisfy(batch -> assertThat(batch.records().size()).isGreaterThan(10));
        await().atMost(DELIVERY).until(() -> left(queue) == 0);
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void deletesTheMessagesThatSucceededAndLeavesTheReportedOnesToComeBack() throws Exception {
        Queue queue = queue("partial", 2);
        for (int i = 0; i < 5; i++) {
            send(queue, body(queue, "p" + i).put("reportTimes", i == 2 ? 1 : 0));
        }
        String uuid = mapping(queue, r -> r.batchSize(5).maximumBatchingWindowInSeconds(1)
                .functionResponseTypes(FunctionResponseType.REPORT_BATCH_ITEM_FAILURES)
                .scalingConfig(s -> s.maximumConcurrency(2)));

        await().atMost(DELIVERY).until(() -> left(queue) == 0);
        List<Seen> seen = seen(queue);
        assertThat(seen.stream().filter(s -> s.id().equals("p2"))).extracting(Seen::receiveCount).containsExactly(1, 2);
        assertThat(seen.stream().filter(s -> !s.id().equals("p2"))).extracting(Seen::id)
                .containsExactlyInAnyOrder("p0", "p1", "p3", "p4");
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void aFailedBatchComesBackOnlyAfterTheQueuesVisibilityTimeout() throws Exception {
        Queue queue = queue("visibility", 3);
        send(queue, body(queue, "flaky").put("failTimes", 1));
        String uuid = mapping(queue, r -> r.batchSize(1));

        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.batches(queue.name()).size() == 2);
        List<Batch> batches = control.batches(queue.name());
        assertThat(batches).extracting(Batch::failed).containsExactly(true, false);
        assertThat(batches.get(1).records().getFirst().receiveCount()).isEqualTo(2);
        // The first attempt's receive came before its invocation: 3 s less the time the call took.
        assertThat(Duration.between(batches.get(0).at(), batches.get(1).at())).isGreaterThan(Duration.ofMillis(2_500));
        await().atMost(DELIVERY).until(() -> left(queue) == 0);
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void runsNoMoreBatchesAtOnceThanTheMaximumConcurrency() throws Exception {
        Queue queue = queue("concurrency", 30);
        for (int i = 0; i < 12; i++) {
            send(queue, body(queue, "c" + i).put("holdMillis", 400));
        }
        String uuid = mapping(queue, r -> r.batchSize(1).scalingConfig(s -> s.maximumConcurrency(2)));

        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.processed(queue.name()).size() >= 12);
        assertThat(control.peakConcurrency(queue.name())).isEqualTo(2);
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void deletesMessagesTheFilterDoesNotMatchWithoutInvoking() throws Exception {
        Queue queue = queue("filtered", 30);
        for (int i = 0; i < 9; i++) {
            send(queue, body(queue, "f" + i).put("type", i % 3 == 0 ? "order" : "other"));
        }
        String uuid = mapping(queue, r -> r.batchSize(10).maximumBatchingWindowInSeconds(1)
                .filterCriteria(f -> f.filters(filter -> filter.pattern("{\"body\":{\"type\":[\"order\"]}}"))));

        await().atMost(DELIVERY).until(() -> left(queue) == 0);
        await().atMost(DELIVERY).until(() -> seen(queue).size() >= 3);
        assertThat(seen(queue)).extracting(Seen::id).containsExactlyInAnyOrder("f0", "f3", "f6");
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void aDisabledMappingLeavesTheQueueAloneAndResumesWhenEnabled() throws Exception {
        Queue queue = queue("paused", 30);
        send(queue, body(queue, "before"));
        String uuid = mapping(queue, r -> r.batchSize(1));
        await().atMost(DELIVERY).until(() -> seen(queue).size() == 1);

        lambda().updateEventSourceMapping(r -> r.uuid(uuid).enabled(false));
        await().atMost(DELIVERY)
                .until(() -> lambda().getEventSourceMapping(r -> r.uuid(uuid)).state().equals("Disabled"));
        send(queue, body(queue, "while-disabled"));
        lambda().updateEventSourceMapping(r -> r.uuid(uuid).enabled(true));

        await().atMost(DELIVERY).until(() -> seen(queue).size() == 2);
        // Received once: no poller of the stopped configuration took it and let it go.
        assertThat(seen(queue)).extracting(Seen::id, Seen::receiveCount)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("before", 1),
                        org.assertj.core.groups.Tuple.tuple("while-disabled", 1));
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void aQueueThatDoesNotExistIsReportedInTheStatus() {
        String uuid = lambda().createEventSourceMapping(r -> r.functionName("batches")
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:nowhere-" + UUID.randomUUID())).uuid();

        await().atMost(DELIVERY).until(
                () -> lambda().getEventSourceMapping(r -> r.uuid(uuid)).lastProcessingResult().startsWith("PROBLEM: "));
        assertThat(lambda().getEventSourceMapping(r -> r.uuid(uuid)).state()).isEqualTo("Creating");
        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void signsWithTheKeysOfItsBasicAuthSecretOnceTheSecretExists() throws Exception {
        Queue queue = queue("signed", 30);
        send(queue, body(queue, "signed"));
        String uuid = mapping(queue, r -> r.batchSize(1).sourceAccessConfigurations(
                a -> a.type(SourceAccessType.BASIC_AUTH).uri("sqs-keys")));

        await().atMost(DELIVERY).untilAsserted(() -> {
            GetEventSourceMappingResponse mapping = lambda().getEventSourceMapping(r -> r.uuid(uuid));
            assertThat(mapping.stateTransitionReason()).isEqualTo("EVENT_SOURCE_AUTHN_ERROR");
            assertThat(mapping.lastProcessingResult()).contains("default/sqs-keys").contains("does not exist");
        });
        assertThat(seen(queue)).isEmpty();

        Path secret = ManifestsResource.manifests().resolve("sqs-keys.yaml");
        Files.writeString(secret, """
                apiVersion: v1
                kind: Secret
                metadata: {name: sqs-keys}
                stringData: {username: AKIDSQS, password: sqs-secret}
                """);
        try {
            await().atMost(DELIVERY).until(() -> seen(queue).size() == 1);
            await().atMost(DELIVERY).until(() -> left(queue) == 0);
        } finally {
            Files.delete(secret);
            lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
        }
    }
}
