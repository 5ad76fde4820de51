package dev.klambda.standalone.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

import dev.klambda.core.net.FreePorts;
import dev.klambda.standalone.LambdaClients;
import dev.klambda.standalone.ManifestsResource;
import dev.klambda.standalone.async.EmbeddedKafka;
import dev.klambda.standalone.mapping.BatchControl.Batch;
import dev.klambda.standalone.mapping.BatchControl.Seen;

import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateEventSourceMappingRequest;
import software.amazon.awssdk.services.lambda.model.CreateEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.EventSourcePosition;
import software.amazon.awssdk.services.lambda.model.FunctionResponseType;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * Kafka event source mappings against the packaged standalone platform: mappings made with the AWS
 * SDK, topics on its embedded broker, batches delivered to a real Python function that shows the
 * test what it got. Every test has topics of its own.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "mapping-manifests"))
@WithTestResource(MappingServices.class)
class KafkaMappingsIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DELIVERY = Duration.ofSeconds(90);

    static LambdaClient lambdaClient;
    static Admin admin;
    static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void clients() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, MappingServices.kafkaBootstrap()));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, MappingServices.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void close() {
        if (lambdaClient != null) {
            lambdaClient.close();
        }
        admin.close();
        producer.close();
    }

    /** The SDK client, made once the application's URL is known (not yet in {@code @BeforeAll}). */
    static LambdaClient lambda() {
        if (lambdaClient == null) {
            lambdaClient = LambdaClients.defaultTenant();
        }
        return lambdaClient;
    }

    static String topic(String prefix, int partitions) throws Exception {
        String topic = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        return topic;
    }

    /** A record value: its id, its topic, the control URL, and what else the test sets. */
    static ObjectNode value(String topic, String id) {
        return JSON.createObjectNode().put("id", id).put("topic", topic).put("control", MappingServices.batches().url());
    }

    static void send(String topic, Integer partition, Long timestamp, String key, ObjectNode value) throws Exception {
        producer.send(new ProducerRecord<>(topic, partition, timestamp,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                JSON.writeValueAsBytes(value))).get();
    }

    static String mapping(String topic, Consumer<CreateEventSourceMappingRequest.Builder> settings) {
        CreateEventSourceMappingResponse created = lambda().createEventSourceMapping(request -> {
            request.functionName("batches").topics(topic).startingPosition(EventSourcePosition.TRIM_HORIZON)
                    .selfManagedEventSource(source -> source.endpointsWithStrings(
                            Map.of("KAFKA_BOOTSTRAP_SERVERS", List.of(MappingServices.kafkaBootstrap()))));
            settings.accept(request);
        });
        assertThat(created.state()).isEqualTo("Creating");
        return created.uuid();
    }

    static Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    static Map<TopicPartition, Long> ends(String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(request).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** The failure records a kafka:// destination topic holds once {@code count} have arrived. */
    static List<JsonNode> failureRecords(String topic, int count) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, MappingServices.kafkaBootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<JsonNode> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(DELIVERY).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    records.add(JSON.readTree(record.value()));
                }
                return records.size() >= count;
            });
        }
        return records;
    }

    @Test
    void deliversEveryRecordInLambdasEventKeepingEachPartitionsOrderAndCommitsWhatSucceeded() throws Exception {
        String topic = topic("ordered", 8);
        int count = 1_600;
        for (int i = 0; i < count; i++) {
            send(topic, null, null, "key-" + (i % 37), value(topic, topic + "-" + i).put("n", i));
        }
        producer.send(new ProducerRecord<>(topic, 0, null, null,
                JSON.writeValueAsBytes(value(topic, topic + "-headers")),
                List.of(new org.apache.kafka.common.header.internals.RecordHeader("trace",
                        new byte[] { 104, -36, 0 }))))
                .get();

        String uuid = mapping(topic, r -> r.batchSize(100).maximumBatchingWindowInSeconds(1));

        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.processed(topic).size() >= count + 1);
        List<Batch> batches = control.batches(topic);
        assertThat(batches).allSatisfy(batch -> {
            assertThat(batch.records()).hasSizeBetween(1, 100);
            assertThat(batch.records().stream().map(Seen::partition).distinct()).hasSize(1);
            assertThat(batch.event().path("eventSource").asText()).isEqualTo("SelfManagedKafka");
            assertThat(batch.event().path("bootstrapServers").asText()).isEqualTo(MappingServices.kafkaBootstrap());
        });
        Map<String, List<Long>> offsetsByPartition = control.processed(topic).stream().collect(
                Collectors.groupingBy(Seen::partition, Collectors.mapping(Seen::offset, Collectors.toList())));
        assertThat(offsetsByPartition).hasSize(8);
        offsetsByPartition.forEach((partition, offsets) -> assertThat(offsets).as(partition).isSorted()
                .doesNotHaveDuplicates().first().isEqualTo(0L));
        assertThat(control.processed(topic).stream().map(Seen::id).distinct()).hasSize(count + 1);

        JsonNode first = batches.stream().filter(b -> b.records().getFirst().partition().equals(topic + "-0"))
                .findFirst().orElseThrow().event().path("records").path(topic + "-0").get(0);
        assertThat(first.path("topic").asText()).isEqualTo(topic);
        assertThat(first.path("partition").asInt()).isZero();
        assertThat(first.path("offset").asLong()).isZero();
        assertThat(first.path("timestampType").asText()).isEqualTo("CREATE_TIME");
        assertThat(first.path("timestamp").asLong()).isCloseTo(System.currentTimeMillis(),
                org.assertj.core.data.Offset.offset(300_000L));
        assertThat(new String(Base64.getDecoder().decode(first.path("key").asText()), StandardCharsets.UTF_8))
                .startsWith("key-");
        assertThat(JSON.readTree(Base64.getDecoder().decode(first.path("value").asText())).path("topic").asText())
                .isEqualTo(topic);
        JsonNode withHeader = control.processed(topic).stream().filter(s -> s.id().equals(topic + "-headers"))
                .findFirst().map(seen -> findRecord(batches, seen)).orElseThrow();
        assertThat(withHeader.path("headers").toString()).isEqualTo("[{\"trace\":[104,-36,0]}]");

        Map<TopicPartition, Long> ends = ends(topic, 8);
        await().atMost(DELIVERY).untilAsserted(() -> assertThat(committed(uuid)).isEqualTo(ends));
        GetEventSourceMappingResponse mapping = lambda().getEventSourceMapping(r -> r.uuid(uuid));
        assertThat(mapping.state()).isEqualTo("Enabled");
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
        assertThat(mapping.selfManagedKafkaEventSourceConfig().consumerGroupId()).isEqualTo(uuid);
    }

    static JsonNode findRecord(List<Batch> batches, Seen seen) {
        for (Batch batch : batches) {
            for (JsonNode record : batch.event().path("records").path(seen.partition())) {
                if (record.path("offset").asLong() == seen.offset()) {
                    return record;
                }
            }
        }
        throw new AssertionError("no record " + seen);
    }

    @Test
    void retriesAFailingBatchThenSendsEachRecordToTheKafkaDestinationAndGoesOn() throws Exception {
        String topic = topic("failing", 1);
        String failures = topic("failures", 1);
        send(topic, 0, null, null, value(topic, "poison").put("failTimes", -1));
        send(topic, 0, null, null, value(topic, "after"));
        String uuid = mapping(topic, r -> r.batchSize(1).maximumRetryAttempts(2)
                .destinationConfig(d -> d.onFailure(f -> f.destination("kafka://" + failures))));

        JsonNode record = failureRecords(failures, 1).getFirst();

        BatchControl control = MappingServices.batches();
        assertThat(control.batches(topic).stream().filter(b -> b.records().getFirst().id().equals("poison")))
                .hasSize(3);
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(3);
        assertThat(record.path("requestContext").path("functionArn").asText())
                .isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:batches");
        assertThat(record.path("responseContext").path("functionError").asText()).isEqualTo("Unhandled");
        assertThat(record.path("KafkaBatchInfo").path("batchSize").asInt()).isEqualTo(1);
        assertThat(record.path("KafkaBatchInfo").path("recordInfo").path("offset").asText()).isEqualTo("0");
        JsonNode payload = record.path("payload").path("records").path(topic + "-0").get(0);
        assertThat(JSON.readTree(Base64.getDecoder().decode(payload.path("value").asText())).path("id").asText())
                .isEqualTo("poison");
        await().atMost(DELIVERY).until(() -> control.processed(topic).stream().anyMatch(s -> s.id().equals("after")));
        await().atMost(DELIVERY).untilAsserted(
                () -> assertThat(committed(uuid)).containsEntry(new TopicPartition(topic, 0), 2L));
    }

    @Test
    void aBatchThatFailsTwiceSucceedsOnItsThirdAttempt() throws Exception {
        String topic = topic("flaky", 1);
        send(topic, 0, null, null, value(topic, "flaky").put("failTimes", 2));
        String uuid = mapping(topic, r -> r.batchSize(10).maximumRetryAttempts(2));

        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> !control.processed(topic).isEmpty());
        assertThat(control.batches(topic)).extracting(Batch::failed).containsExactly(true, true, false);
        await().atMost(DELIVERY).untilAsserted(
                () -> assertThat(committed(uuid)).containsEntry(new TopicPartition(topic, 0), 1L));
    }

    @Test
    void bisectsAFailingBatchUntilOnlyTheFailingRecordIsGivenUp() throws Exception {
        String topic = topic("bisect", 1);
        String failures = topic("bisect-failures", 1);
        for (int i = 0; i < 8; i++) {
            send(topic, 0, null, null, value(topic, "r" + i).put("failTimes", i == 5 ? -1 : 0));
        }
        mapping(topic, r -> r.batchSize(8).maximumRetryAttempts(0).bisectBatchOnFunctionError(true)
                .destinationConfig(d -> d.onFailure(f -> f.destination("kafka://" + failures))));

        JsonNode record = failureRecords(failures, 1).getFirst();

        assertThat(record.path("KafkaBatchInfo").path("recordInfo").path("offset").asText()).isEqualTo("5");
        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.processed(topic).size() == 7);
        assertThat(control.processed(topic)).extracting(Seen::id)
                .containsExactly("r0", "r1", "r2", "r3", "r4", "r6", "r7");
        assertThat(control.batches(topic)).extracting(b -> b.records().size()).containsExactly(8, 4, 4, 2, 1, 1, 2);
    }

    @Test
    void resumesAtTheFirstRecordTheFunctionReportsFailed() throws Exception {
        String topic = topic("partial", 1);
        for (int i = 0; i < 6; i++) {
            send(topic, 0, null, null, value(topic, "p" + i).put("reportTimes", i == 3 ? 1 : 0));
        }
        String uuid = mapping(topic,
                r -> r.batchSize(6).functionResponseTypes(FunctionResponseType.REPORT_BATCH_ITEM_FAILURES));

        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.batches(topic).size() == 2);
        assertThat(control.batches(topic).get(0).records()).extracting(Seen::offset).containsExactly(0L, 1L, 2L, 3L, 4L,
                5L);
        assertThat(control.batches(topic).get(1).records()).extracting(Seen::offset).containsExactly(3L, 4L, 5L);
        await().atMost(DELIVERY).untilAsserted(
                () -> assertThat(committed(uuid)).containsEntry(new TopicPartition(topic, 0), 6L));
    }

    @Test
    void skipsAndCommitsRecordsTheFilterDoesNotMatch() throws Exception {
        String topic = topic("filtered", 1);
        for (int i = 0; i < 10; i++) {
            send(topic, 0, null, null, value(topic, "f" + i).put("type", i % 3 == 0 ? "order" : "other"));
        }
        String uuid = mapping(topic, r -> r.batchSize(100).maximumBatchingWindowInSeconds(1)
                .filterCriteria(f -> f.filters(filter -> filter.pattern("{\"value\":{\"type\":[\"order\"]}}"))));

        await().atMost(DELIVERY).untilAsserted(
                () -> assertThat(committed(uuid)).containsEntry(new TopicPartition(topic, 0), 10L));
        assertThat(MappingServices.batches().processed(topic)).extracting(Seen::id).containsExactly("f0", "f3", "f6",
                "f9");
    }

    @Test
    void sendsRecordsOlderThanTheMaximumAgeToTheDestinationWithoutInvoking() throws Exception {
        String topic = topic("aged", 1);
        String failures = topic("aged-failures", 1);
        long old = Instant.now().minus(Duration.ofHours(2)).toEpochMilli();
        send(topic, 0, old, null, value(topic, "old"));
        send(topic, 0, null, null, value(topic, "new"));
        mapping(topic, r -> r.batchSize(10).maximumBatchingWindowInSeconds(1).maximumRecordAgeInSeconds(60)
                .destinationConfig(d -> d.onFailure(f -> f.destination("kafka://" + failures))));

        JsonNode record = failureRecords(failures, 1).getFirst();

        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RecordAgeExceeded");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isZero();
        assertThat(record.path("responseContext").isNull()).isTrue();
        await().atMost(DELIVERY).until(() -> !MappingServices.batches().processed(topic).isEmpty());
        assertThat(MappingServices.batches().batches(topic)).flatExtracting(Batch::records).extracting(Seen::id)
                .containsExactly("new");
    }

    @Test
    void disablingStopsTheMappingAndEnablingResumesWhereItStoppedAndDeletingRemovesItsGroup() throws Exception {
        String topic = topic("lifecycle", 1);
        send(topic, 0, null, null, value(topic, "before"));
        String uuid = mapping(topic, r -> r.batchSize(10).maximumBatchingWindowInSeconds(0));
        BatchControl control = MappingServices.batches();
        await().atMost(DELIVERY).until(() -> control.processed(topic).size() == 1);
        await().atMost(DELIVERY)
                .until(() -> lambda().getEventSourceMapping(r -> r.uuid(uuid)).state().equals("Enabled"));

        assertThat(lambda().updateEventSourceMapping(r -> r.uuid(uuid).enabled(false)).state()).isEqualTo("Updating");
        await().atMost(DELIVERY)
                .until(() -> lambda().getEventSourceMapping(r -> r.uuid(uuid)).state().equals("Disabled"));
        send(topic, 0, null, null, value(topic, "while-disabled"));
        assertThat(committed(uuid)).containsEntry(new TopicPartition(topic, 0), 1L);

        lambda().updateEventSourceMapping(r -> r.uuid(uuid).enabled(true));
        await().atMost(DELIVERY).until(() -> control.processed(topic).size() == 2);
        assertThat(control.processed(topic)).extracting(Seen::id).containsExactly("before", "while-disabled");
        await().atMost(DELIVERY)
                .until(() -> lambda().getEventSourceMapping(r -> r.uuid(uuid)).state().equals("Enabled"));

        lambda().deleteEventSourceMapping(r -> r.uuid(uuid));
        await().atMost(DELIVERY).until(() -> !admin.listConsumerGroups().all().get().stream()
                .anyMatch(group -> group.groupId().equals(uuid)));
        try {
            lambda().getEventSourceMapping(r -> r.uuid(uuid));
            throw new AssertionError("the mapping is still there");
        } catch (ResourceNotFoundException e) {
            assertThat(e.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void anUnreachableSourceIsReportedAndDoesNotStopOtherMappings() throws Exception {
        String unreachable = lambda().createEventSourceMapping(r -> r.functionName("batches").topics("nowhere")
                .startingPosition(EventSourcePosition.TRIM_HORIZON).selfManagedEventSource(source -> source
                        .endpointsWithStrings(Map.of("KAFKA_BOOTSTRAP_SERVERS", List.of("127.0.0.1:1")))))
                .uuid();
        String topic = topic("healthy", 1);
        send(topic, 0, null, null, value(topic, "healthy"));
        mapping(topic, r -> r.batchSize(1));

        await().atMost(DELIVERY).until(() -> lambda().getEventSourceMapping(r -> r.uuid(unreachable))
                .lastProcessingResult().startsWith("PROBLEM: Connection error"));
        await().atMost(DELIVERY).until(() -> !MappingServices.batches().processed(topic).isEmpty());
        lambda().deleteEventSourceMapping(r -> r.uuid(unreachable));
    }

    @Test
    void readsASaslScramClusterWithTheSecretsCredentialsAndReportsWrongOrMissingOnes(@TempDir Path brokerDirectory)
            throws Exception {
        int saslPort = FreePorts.belowEphemeralRange();
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
        try (EmbeddedKafka secured = EmbeddedKafka.start(brokerDirectory, 0, 1, Map.of("SASL_PLAINTEXT", saslPort),
                Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", jaas));
                Admin securedAdmin = Admin.create(
                        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, secured.bootstrapServers()))) {
            securedAdmin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("mapper",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "s3cret \"quoted\""))).all().get();
            String topic = "secured-" + UUID.randomUUID().toString().substring(0, 8);
            securedAdmin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, secured.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                plain.send(new ProducerRecord<>(topic, JSON.writeValueAsBytes(value(topic, "secured")))).get();
            }
            Path manifests = ManifestsResource.manifests();
            Files.writeString(manifests.resolve("secured.yaml"), """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: kafka-login}
                    stringData: {username: mapper, password: 's3cret "quoted"'}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: kafka-wrong}
                    data: {username: bWFwcGVy, password: d3Jvbmc=}
                    """ + securedMapping("secured", saslPort, topic, "kafka-login")
                    + securedMapping("wrong-password", saslPort, topic, "kafka-wrong")
                    + securedMapping("no-secret", saslPort, topic, "kafka-nowhere"));
            try {
                BatchControl control = MappingServices.batches();
                await().atMost(DELIVERY).until(() -> !control.processed(topic).isEmpty());
                assertThat(control.processed(topic)).extracting(Seen::id).containsExactly("secured");

                await().atMost(DELIVERY).untilAsserted(() -> {
                    GetEventSourceMappingResponse wrong = lambda()
                            .getEventSourceMapping(r -> r.uuid(manifestUuid("wrong-password")));
                    assertThat(wrong.stateTransitionReason()).isEqualTo("EVENT_SOURCE_AUTHN_ERROR");
                    assertThat(wrong.lastProcessingResult()).startsWith("PROBLEM: ");
                    GetEventSourceMappingResponse missing = lambda()
                            .getEventSourceMapping(r -> r.uuid(manifestUuid("no-secret")));
                    assertThat(missing.stateTransitionReason()).isEqualTo("EVENT_SOURCE_AUTHN_ERROR");
                    assertThat(missing.lastProcessingResult()).contains("kafka-nowhere").contains("does not exist");
                });
                GetEventSourceMappingResponse secure = lambda().getEventSourceMapping(r -> r.uuid(manifestUuid("secured")));
                assertThat(secure.sourceAccessConfigurations()).extracting(a -> a.typeAsString() + " " + a.uri())
                        .containsExactly("SASL_SCRAM_512_AUTH kafka-login");
            } finally {
                Files.delete(manifests.resolve("secured.yaml"));
            }
        }
    }

    static String securedMapping(String name, int port, String topic, String secret) {
        return """
                ---
                apiVersion: klambda.dev/v1alpha1
                kind: EventSourceMapping
                metadata: {name: %s}
                spec:
                  functionName: batches
                  kafka: {bootstrapServers: ["127.0.0.1:%d"], topics: [%s]}
                  startingPosition: TRIM_HORIZON
                  batchSize: 1
                  sourceAccessConfigurations: [{type: SASL_SCRAM_512_AUTH, uri: %s}]
                """.formatted(name, port, topic, secret);
    }

    /** The UUID standalone gives a mapping from a manifest: derived from its namespace and name. */
    static String manifestUuid(String name) {
        return UUID.nameUUIDFromBytes(("klambda:EventSourceMapping(default/" + name + ")").getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}
