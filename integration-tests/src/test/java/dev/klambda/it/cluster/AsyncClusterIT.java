package dev.klambda.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.klambda.standalone.async.EmbeddedKafka;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Asynchronous invocations in a cluster: the invoker replicas queue Event calls on the Kafka
 * cluster they are given and drain the queue between them, running the function's pods on the fake
 * node; a replica killed with SIGKILL while events are under way loses none of them.
 */
class AsyncClusterIT {

    /** Tells the test which event ran, then answers. */
    static final String HANDLER = """
            import json, os, urllib.request

            def handler(event, context):
                body = json.dumps({"n": event["n"], "id": context.aws_request_id}).encode()
                urllib.request.urlopen(urllib.request.Request(os.environ["CONTROL"], data=body, method="POST"),
                                       timeout=30).read()
                return {"n": event["n"]}
            """;
    static final Duration DRAINED = Duration.ofMinutes(3);

    @TempDir
    static Path kafkaDirectory;
    static EmbeddedKafka kafka;
    static HttpServer control;
    /** How often each event ran, by its number. */
    static final Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
    static ClusterPlatform platform;
    static ServiceProcess second;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(kafkaDirectory, 0, 8);
        control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        control.createContext("/ran", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                Matcher n = Pattern.compile("\"n\": (\\d+)").matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                if (n.find()) {
                    runs.computeIfAbsent(Integer.parseInt(n.group(1)), k -> new AtomicInteger()).incrementAndGet();
                }
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        control.start();
        platform = ClusterPlatform.start(ClusterPlatform.Options.defaults()
                .withInvokerProperty("kafka.bootstrap.servers", kafka.bootstrapServers())
                .withInvokerProperty("klambda.async.retry-delays", "1s,2s")
                .withInvokerProperty("klambda.async.first-backoff", "200ms")
                .withInvokerProperty("klambda.async.max-backoff", "2s"));
        second = platform.startInvoker("invoker-1");

        LambdaClient lambda = platform.lambda();
        PythonFunctions.create(lambda, "drained", HANDLER,
                Map.of("CONTROL", "http://127.0.0.1:" + control.getAddress().getPort() + "/ran"));
        lambda.putFunctionEventInvokeConfig(r -> r.functionName("drained")
                .destinationConfig(d -> d.onSuccess(s -> s.destination("kafka://cluster-async-successes"))));
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
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void bothReplicasDrainTheQueueAndEverySuccessReachesTheDestination() throws Exception {
        Set<String> requestIds = new HashSet<>();
        for (int n = 0; n < 100; n++) {
            LambdaClient via = n % 2 == 0 ? platform.lambda() : platform.lambda(second);
            requestIds.add(event(via, n));
        }

        await().atMost(DRAINED).until(() -> ran(0, 100) == 100);
        assertThat(successRecords(requestIds)).as("a success record for each request id the 202s gave")
                .containsAll(requestIds);
        assertThat(platform.invoker().metric("klambda_async_events_received_total"))
                .as("the first replica drained some").isPositive();
        assertThat(second.metric("klambda_async_events_received_total"))
                .as("the second replica drained some").isPositive();
    }

    @Test
    void aReplicaKilledWhileEventsAreUnderWayLosesNone() throws Exception {
        ServiceProcess doomed = platform.startInvoker("invoker-doomed");
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> doomed.metric("klambda_invoker_replicas") >= 2);
            int first = 1_000;
            int count = 600;
            LambdaClient viaDoomed = platform.lambda(doomed);
            for (int n = first; n < first + count; n++) {
                event(n % 3 == 0 ? viaDoomed : platform.lambda(), n);
            }
            viaDoomed.close();
            // Killed once it took part: a third of the events ran, and it drained some of them.
            await().atMost(DRAINED).until(() -> ran(first, count) >= count / 3);
            assertThat(doomed.metric("klambda_async_events_received_total")).isPositive();
            ProcessHandle.of(doomed.pid()).ifPresent(ProcessHandle::destroyForcibly);
            await().atMost(Duration.ofSeconds(10)).until(() -> !doomed.alive());

            await().atMost(DRAINED).until(() -> ran(first, count) == count);
            int attempts = runs.entrySet().stream().filter(e -> e.getKey() >= first).mapToInt(e -> e.getValue().get())
                    .sum();
            System.out.printf("AsyncClusterIT: %d events, %d runs after a replica's SIGKILL (%d duplicates)%n", count,
                    attempts, attempts - count);
        } finally {
            doomed.close();
        }
    }

    /** Queues {@code {"n": n}} as an Event; its request id. */
    static String event(LambdaClient lambda, int n) {
        InvokeResponse response = lambda.invoke(r -> r.functionName("drained").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{\"n\": " + n + "}")));
        assertThat(response.statusCode()).isEqualTo(202);
        return response.responseMetadata().requestId();
    }

    /** How many of the events {@code first} to {@code first + count - 1} ran at least once. */
    static long ran(int first, int count) {
        return runs.keySet().stream().filter(n -> n >= first && n < first + count).count();
    }

    /** The keys (request ids) of the destination topic's records, once they include {@code expected}. */
    static Set<String> successRecords(Set<String> expected) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "async-cluster-it-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("cluster-async-successes"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(new String(record.value(), StandardCharsets.UTF_8))
                            .contains("\"condition\":\"Success\"");
                    keys.add(record.key());
                }
                return keys.containsAll(expected);
            });
        }
        return keys;
    }
}
