package dev.klambda.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.klambda.it.KafkaOffsets;
import dev.klambda.standalone.async.EmbeddedKafka;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.EventSourcePosition;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Event source mappings in a cluster, run by two poller replicas that invoke through the invoker's
 * Lambda API: both join a Kafka mapping's consumer group and share its partitions, and write the
 * mapping's state to its status subresource; an SQS mapping is polled by one of them at a time, so
 * its maximum concurrency holds for the mapping, and the other takes it over when that one stops.
 */
class MappingClusterIT {

    /** Tells the test which records it got. */
    static final String HANDLER = """
            import base64, json, os, urllib.request

            def handler(event, context):
                ids = [base64.b64decode(r["value"]).decode() for rs in event["records"].values() for r in rs]
                urllib.request.urlopen(urllib.request.Request(os.environ["CONTROL"], data=json.dumps(ids).encode(),
                                                              method="POST"), timeout=30).read()
            """;
    /** Holds each message half a second, telling the test when it starts and ends. */
    static final String QUEUE_HANDLER = """
            import json, os, time, urllib.request

            def post(path, ids):
                urllib.request.urlopen(urllib.request.Request(os.environ["CONTROL"] + path, data=json.dumps(ids).encode(),
                                                              method="POST"), timeout=30).read()

            def handler(event, context):
                ids = [r["body"] for r in event["Records"]]
                post("/start", ids)
                time.sleep(0.5)
                post("/end", ids)
            """;
    static final Duration DELIVERED = Duration.ofMinutes(3);
    static final int PARTITIONS = 8;
    static final int RECORDS = 400;

    @TempDir
    static Path kafkaDirectory;
    static EmbeddedKafka kafka;
    static Admin admin;
    static HttpServer control;
    static final Set<String> seen = ConcurrentHashMap.newKeySet();
    static final Set<String> ended = ConcurrentHashMap.newKeySet();
    static final AtomicInteger running = new AtomicInteger();
    static final AtomicInteger peak = new AtomicInteger();
    static SQSRestServer sqsServer;
    static SqsClient sqs;
    static ClusterPlatform platform;
    static final Map<String, ServiceProcess> pollers = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(kafkaDirectory, 0, 1);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        control.createContext("/seen", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                Matcher id = Pattern.compile("\"(r-\\d+)\"").matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                while (id.find()) {
                    seen.add(id.group(1));
                }
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        control.createContext("/start", exchange -> {
            int now = running.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        control.createContext("/end", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                Matcher id = Pattern.compile("\"(m-\\d+)\"").matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                while (id.find()) {
                    ended.add(id.group(1));
                }
            }
            running.decrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        control.start();
        sqsServer = SQSRestServerBuilder.withPort(0).withInterface("127.0.0.1").start();
        String sqsEndpoint = "http://127.0.0.1:" + sqsServer.waitUntilStarted().localAddress().getPort();
        sqs = SqsClient.builder().endpointOverride(URI.create(sqsEndpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
        platform = ClusterPlatform.start(ClusterPlatform.Options.defaults());
        Map<String, String> pollerProperties = Map.of("klambda.mappings.first-backoff", "200ms",
                "klambda.mappings.max-backoff", "2s", "klambda.async.sqs-endpoint", sqsEndpoint,
                "klambda.poller.lease-duration", "3s");
        for (String name : List.of("poller-0", "poller-1")) {
            pollers.put(name, platform.startPoller(name, pollerProperties));
        }

        String controlUrl = "http://127.0.0.1:" + control.getAddress().getPort();
        PythonFunctions.create(platform.lambda(), "mapped", HANDLER, Map.of("CONTROL", controlUrl + "/seen"));
        PythonFunctions.create(platform.lambda(), "queued", QUEUE_HANDLER, Map.of("CONTROL", controlUrl));
    }

    @AfterAll
    static void stop() {
        pollers.values().forEach(ServiceProcess::close);
        if (platform != null) {
            platform.close();
        }
        if (control != null) {
            control.stop(0);
        }
        if (sqs != null) {
            sqs.close();
        }
        if (sqsServer != null) {
            sqsServer.stopAndWait();
        }
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theReplicasShareTheMappingsPartitionsAndReportItsState() throws Exception {
        String topic = "cluster-mapped";
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, "r-" + i)).get();
            }
        }

        LambdaClient lambda = platform.lambda();
        String uuid = lambda.createEventSourceMapping(r -> r.functionName("mapped").topics(topic)
                .startingPosition(EventSourcePosition.TRIM_HORIZON).batchSize(20)
                .selfManagedEventSource(s -> s.endpointsWithStrings(
                        Map.of("KAFKA_BOOTSTRAP_SERVERS", List.of(kafka.bootstrapServers())))))
                .uuid();

        await().atMost(DELIVERED).until(() -> seen.size() == RECORDS);
        Map<TopicPartition, Long> ends = KafkaOffsets.ends(admin, topic, PARTITIONS);
        await().atMost(DELIVERED).untilAsserted(() -> assertThat(KafkaOffsets.committed(admin, uuid)).isEqualTo(ends));

        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(uuid)).all().get().get(uuid);
        assertThat(group.members()).as("a consumer of each poller replica").hasSize(2)
                .allSatisfy(member -> assertThat(member.assignment().topicPartitions()).isNotEmpty());
        assertThat(group.members().stream().flatMap(m -> m.assignment().topicPartitions().stream())
                .collect(Collectors.toSet())).hasSize(PARTITIONS);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            GetEventSourceMappingResponse mapping = lambda.getEventSourceMapping(r -> r.uuid(uuid));
            assertThat(mapping.state()).isEqualTo("Enabled");
            assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
        });
        lambda.deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    @Test
    void oneReplicaPollsAQueueAtItsMaximumConcurrencyAndTheOtherTakesOverWhenItStops() throws Exception {
        String url = sqs.createQueue(r -> r.queueName("cluster-queued")
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "60"))).queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        int messages = 24;
        for (int i = 0; i < messages; i++) {
            String body = "m-" + i;
            sqs.sendMessage(r -> r.queueUrl(url).messageBody(body));
        }

        for (ServiceProcess poller : pollers.values()) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> poller.metric("klambda_poller_replicas") == 2);
        }
        LambdaClient lambda = platform.lambda();
        String uuid = lambda.createEventSourceMapping(r -> r.functionName("queued").eventSourceArn(arn).batchSize(1)
                .scalingConfig(c -> c.maximumConcurrency(2))).uuid();

        await().atMost(DELIVERED).until(() -> ended.size() >= messages / 3);
        Map<String, Double> batches = batchesByReplica(uuid);
        assertThat(batches.values().stream().filter(count -> count > 0)).as("replicas that polled: %s", batches)
                .hasSize(1);
        String owner = batches.entrySet().stream().filter(e -> e.getValue() > 0).findFirst().orElseThrow().getKey();

        // A replica that stops lets its Lease go: the other polls the queue from then on.
        pollers.remove(owner).close();
        await().atMost(DELIVERED).until(() -> ended.size() == messages);
        Map<String, Double> survivor = batchesByReplica(uuid);
        assertThat(survivor).as("the other replica polled the rest").hasSize(1)
                .allSatisfy((name, count) -> assertThat(count).isPositive());
        assertThat(peak.get()).as("invocations under way at once, across both replicas").isEqualTo(2);
        lambda.deleteEventSourceMapping(r -> r.uuid(uuid));
    }

    /**
     * Each running poller's count of batches invoked for mapping {@code uuid}, from its metrics (a
     * replica that never ran the mapping has no such series: 0).
     */
    static Map<String, Double> batchesByReplica(String uuid) throws Exception {
        Map<String, Double> counts = new TreeMap<>();
        for (Map.Entry<String, ServiceProcess> poller : pollers.entrySet()) {
            counts.put(poller.getKey(), poller.getValue().metric("klambda_mapping_batches_invoked_total", uuid));
        }
        return counts;
    }
}
