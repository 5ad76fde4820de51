package dev.klambda.standalone.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;

import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.AsyncRecords;
import dev.klambda.invoker.async.AsyncTopics;
import dev.klambda.standalone.LambdaClients;
import dev.klambda.standalone.ManifestsResource;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Lambda's asynchronous invocations against the packaged standalone platform and its embedded
 * Kafka broker: the 202, attempts through real Python runtimes, Lambda's retry rules (delays
 * shortened to 1 and 2 seconds by the test profile), and every destination type with Lambda's
 * invocation record and dead-letter attributes.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "async-manifests"))
@WithTestResource(AsyncServices.class)
class AsyncInvocationsIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:";
    static final Duration DELIVERY = Duration.ofSeconds(60);
    static final ExecutorService CALLERS = Executors.newVirtualThreadPerTaskExecutor();

    static LambdaClient lambda;
    static SqsClient sqs;

    @BeforeAll
    static void clients() {
        sqs = SqsClient.builder().endpointOverride(java.net.URI.create(AsyncServices.sqsEndpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
        sqs.createQueue(r -> r.queueName("async-dlq"));
        sqs.createQueue(r -> r.queueName("async-records"));
    }

    @AfterAll
    static void close() {
        if (lambda != null) {
            lambda.close();
        }
        sqs.close();
    }

    static LambdaClient lambda() {
        if (lambda == null) {
            lambda = LambdaClients.defaultTenant();
        }
        return lambda;
    }

    /** An event for the {@code worker} handler: its id, the control URL, and what its attempts do. */
    static ObjectNode event(String id) {
        return JSON.createObjectNode().put("id", id).put("control", AsyncServices.control().url());
    }

    /** Invokes with InvocationType Event and returns the request id of the 202. */
    static String invokeAsync(String function, ObjectNode event) {
        InvokeResponse response = lambda().invoke(r -> r.functionName(function).invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(event.toString())));
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.payload().asByteArray()).isEmpty();
        return response.responseMetadata().requestId();
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    @Test
    void deliversASuccessToTheOnSuccessDestinationWithTheRequestIdOfThe202() {
        String destination = AsyncServices.control().url() + "/destination/success";
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("worker")
                .destinationConfig(d -> d.onSuccess(s -> s.destination(destination))));
        String id = unique("ok");

        String requestId = invokeAsync("worker", event(id));

        FunctionControl.Delivery delivery = await().atMost(DELIVERY)
                .until(() -> AsyncServices.control().deliveries("success", id), list -> !list.isEmpty()).get(0);
        assertThat(AsyncServices.control().attempts(id)).singleElement()
                .satisfies(attempt -> assertThat(attempt.requestId()).isEqualTo(requestId));
        JsonNode record = delivery.body();
        assertThat(record.path("version").asText()).isEqualTo("1.0");
        assertThat(record.path("requestContext").path("requestId").asText()).isEqualTo(requestId);
        assertThat(record.path("requestContext").path("functionArn").asText()).isEqualTo(ARN + "worker:$LATEST");
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("Success");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(1);
        assertThat(record.path("requestPayload")).isEqualTo(event(id));
        assertThat(record.path("responseContext").path("statusCode").asInt()).isEqualTo(200);
        assertThat(record.path("responseContext").path("executedVersion").asText()).isEqualTo("$LATEST");
        assertThat(record.path("responseContext").has("functionError")).isFalse();
        assertThat(record.path("responsePayload").path("done").asText()).isEqualTo(id);
        assertThat(delivery.headers().get("Content-type")).containsExactly("application/json");
    }

    @Test
    void retriesAFunctionErrorAfterTheConfiguredDelaysWithTheSameRequestId() {
        String destination = AsyncServices.control().url() + "/destination/retried";
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("retrying")
                .destinationConfig(d -> d.onSuccess(s -> s.destination(destination))));
        String id = unique("flaky");

        String requestId = invokeAsync("retrying", event(id).put("failTimes", 2));

        JsonNode record = await().atMost(DELIVERY)
                .until(() -> AsyncServices.control().deliveries("retried", id), list -> !list.isEmpty()).get(0).body();
        List<FunctionControl.Attempt> attempts = AsyncServices.control().attempts(id);
        assertThat(attempts).hasSize(3).allSatisfy(attempt -> assertThat(attempt.requestId()).isEqualTo(requestId));
        assertThat(Duration.between(attempts.get(0).at(), attempts.get(1).at())).as("first retry delay")
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(Duration.between(attempts.get(1).at(), attempts.get(2).at())).as("second retry delay")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("Success");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(3);
    }

    @Test
    void sendsAnEventThatAlwaysFailsToOnFailureAfterExactlyThreeAttempts() throws Exception {
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("failing")
                .destinationConfig(d -> d.onFailure(f -> f.destination("kafka://async-failures"))));
        String id = unique("doomed");

        String requestId = invokeAsync("failing", event(id).put("failTimes", -1));

        JsonNode record = JSON.readTree(awaitKafkaRecord("async-failures", requestId).value());
        assertThat(AsyncServices.control().attempts(id)).hasSize(3);
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(3);
        assertThat(record.path("requestContext").path("functionArn").asText()).isEqualTo(ARN + "failing:$LATEST");
        assertThat(record.path("responseContext").path("functionError").asText()).isEqualTo("Unhandled");
        assertThat(record.path("responsePayload").path("errorType").asText()).isEqualTo("RuntimeError");
        assertThat(record.path("responsePayload").path("errorMessage").asText()).isEqualTo("attempt 3 of " + id + " fails");
        assertThat(record.path("requestPayload").path("id").asText()).isEqualTo(id);
    }

    @Test
    void invokesAFunctionDestinationWithTheRecordAfterTheOnlyAttempt() {
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("once").maximumRetryAttempts(0)
                .destinationConfig(d -> d.onFailure(f -> f.destination(ARN + "collector"))));
        String id = unique("once");

        String requestId = invokeAsync("once", event(id).put("failTimes", -1));

        JsonNode record = await().atMost(DELIVERY)
                .until(() -> AsyncServices.control().deliveries("function", id), list -> !list.isEmpty()).get(0).body();
        assertThat(AsyncServices.control().attempts(id)).hasSize(1);
        assertThat(record.path("requestContext").path("requestId").asText()).isEqualTo(requestId);
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(1);
    }

    @Test
    void sendsTheDeadLetterAndTheFailureRecordToSqsQueues() throws Exception {
        String records = sqs.getQueueUrl(r -> r.queueName("async-records")).queueUrl();
        String deadLetters = sqs.getQueueUrl(r -> r.queueName("async-dlq")).queueUrl();
        lambda().updateFunctionEventInvokeConfig(r -> r.functionName("dead")
                .destinationConfig(d -> d.onFailure(f -> f.destination("arn:aws:sqs:us-east-1:000000000000:async-records"))));
        String id = unique("dead");
        ObjectNode event = event(id).put("failTimes", -1);

        String requestId = invokeAsync("dead", event);

        Message letter = awaitMessage(deadLetters, id);
        assertThat(JSON.readTree(letter.body())).as("the original event").isEqualTo(event);
        assertThat(letter.messageAttributes().get("RequestID").stringValue()).isEqualTo(requestId);
        assertThat(letter.messageAttributes().get("ErrorCode").dataType()).isEqualTo("Number");
        assertThat(letter.messageAttributes().get("ErrorCode").stringValue()).isEqualTo("200");
        assertThat(letter.messageAttributes().get("ErrorMessage").stringValue()).isEqualTo("attempt 1 of " + id + " fails");
        JsonNode record = JSON.readTree(awaitMessage(records, id).body());
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(AsyncServices.control().attempts(id)).as("maximumRetryAttempts 0 in its manifest").hasSize(1);
    }

    @Test
    void retriesAThrottledEventUntilTheFunctionHasRoom() {
        String destination = AsyncServices.control().url() + "/destination/throttled";
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("limited")
                .destinationConfig(d -> d.onSuccess(s -> s.destination(destination))));
        String holder = unique("holder");
        CompletableFuture<InvokeResponse> holding = CompletableFuture.supplyAsync(() -> lambda().invoke(r -> r
                .functionName("limited").payload(SdkBytes.fromUtf8String(event(holder).put("sleepMs", 3000).toString()))),
                CALLERS);
        await().atMost(DELIVERY).until(() -> !AsyncServices.control().attempts(holder).isEmpty());
        String id = unique("throttled");

        invokeAsync("limited", event(id));

        await().atMost(DELIVERY).until(() -> !AsyncServices.control().deliveries("throttled", id).isEmpty());
        Instant released = AsyncServices.control().attempts(holder).get(0).at().plusMillis(3000);
        assertThat(holding.join().statusCode()).isEqualTo(200);
        assertThat(AsyncServices.control().attempts(id)).singleElement()
                .satisfies(attempt -> assertThat(attempt.at()).isAfterOrEqualTo(released.minusMillis(100)));
        assertThat(RestAssured.get("/q/metrics").asString())
                .containsPattern("klambda_async_retries_total\\{function=\"limited\",reason=\"throttle\"\\} [1-9]");
    }

    @Test
    void sendsEventsOfAFunctionWithZeroReservedConcurrencyToOnFailureAtOnce() throws Exception {
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("stopped")
                .destinationConfig(d -> d.onFailure(f -> f.destination("kafka://async-stopped"))));
        String id = unique("stopped");

        String requestId = invokeAsync("stopped", event(id));

        JsonNode record = JSON.readTree(awaitKafkaRecord("async-stopped", requestId).value());
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("ZeroReservedConcurrency");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isZero();
        assertThat(record.has("responseContext")).isFalse();
        assertThat(AsyncServices.control().attempts(id)).isEmpty();
    }

    @Test
    void givesUpAnEventOlderThanItsMaximumAgeWithoutAttemptingIt() throws Exception {
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("aging").maximumEventAgeInSeconds(60)
                .destinationConfig(d -> d.onFailure(f -> f.destination("kafka://async-aged"))));
        String id = unique("old");
        String requestId = UUID.randomUUID().toString();
        // An event accepted 61 seconds ago that waited in the queue since: written as the invoker writes it.
        AsyncEvent event = AsyncEvent.accepted(requestId, "000000000000", ARN + "aging",
                event(id).toString().getBytes(StandardCharsets.UTF_8), Instant.now().minusSeconds(61), null);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, AsyncServices.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(AsyncRecords.toRecord(AsyncTopics.EVENTS, event)).get();
        }

        JsonNode record = JSON.readTree(awaitKafkaRecord("async-aged", requestId).value());
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("EventAgeExceeded");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isZero();
        assertThat(record.path("requestPayload").path("id").asText()).isEqualTo(id);
        assertThat(AsyncServices.control().attempts(id)).isEmpty();
    }

    /** The record with key {@code requestId} on {@code topic}, once it is there. */
    static ConsumerRecord<String, byte[]> awaitKafkaRecord(String topic, String requestId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, AsyncServices.kafkaBootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "async-it-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            return await().atMost(DELIVERY).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (requestId.equals(record.key())) {
                        return record;
                    }
                }
                return null;
            }, record -> record != null);
        }
    }

    /** The message on the queue whose body mentions {@code id}, once it is there. */
    static Message awaitMessage(String queueUrl, String id) {
        return await().atMost(DELIVERY).until(() -> sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(1)
                .maxNumberOfMessages(10).messageAttributeNames("All")).messages().stream()
                .filter(m -> m.body().contains(id)).findFirst().orElse(null), message -> message != null);
    }
}
