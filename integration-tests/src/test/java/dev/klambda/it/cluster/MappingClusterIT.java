package dev.klambda.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.klambda.it.KafkaOffsets;
import dev.klambda.standalone.async.EmbeddedKafka;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.EventSourcePosition;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * Kafka event source mappings in a cluster: the two invoker replicas join the mapping's consumer
 * group and share its partitions, invoke the function's pods on the fake node with each batch, and
 * write the mapping's state to its status subresource.
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
    static final Duration DELIVERED = Duration.ofMinutes(3);
    static final int PARTITIONS = 8;
    static final int RECORDS = 400;

    @TempDir
    static Path kafkaDirectory;
    static EmbeddedKafka kafka;
    static Admin admin;
    static HttpServer control;
    static final Set<String> seen = ConcurrentHashMap.newKeySet();
    static ClusterPlatform platform;
    static ServiceProcess second;

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
        control.start();
        platform = ClusterPlatform.start(ClusterPlatform.Options.defaults()
                .withInvokerProperty("klambda.mappings.first-backoff", "200ms")
                .withInvokerProperty("klambda.mappings.max-backoff", "2s"));
        second = platform.startInvoker("invoker-1");

        LambdaClient lambda = platform.lambda();
        SdkBytes code = SdkBytes.fromByteArray(FakeNodeIT.zip(Map.of("app.py", HANDLER)));
        lambda.createFunction(r -> r.functionName("mapped").runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/mapped").timeout(60).code(c -> c.zipFile(code))
                .environment(e -> e.variables(Map.of("CONTROL",
                        "http://127.0.0.1:" + control.getAddress().getPort() + "/seen"))));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> lambda.getFunction(r -> r.functionName("mapped")).configuration().state() == State.ACTIVE);
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.close();
        }
        if (platform != null) {
            platform.close();
        }
        if (control != null) {
            control.stop(0);
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
        assertThat(group.members()).as("a consumer of each replica").hasSize(2)
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
}
