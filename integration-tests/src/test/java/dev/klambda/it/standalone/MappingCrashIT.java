package dev.klambda.it.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.klambda.core.net.FreePorts;
import dev.klambda.it.KafkaOffsets;
import dev.klambda.it.cluster.ClusterPlatform;
import dev.klambda.standalone.async.EmbeddedKafka;

/**
 * At-least-once across crashes: the packaged platform reads 50,000 records from 8 partitions of a
 * broker the test runs, and is killed with SIGKILL (with its runtimes) three times while a batch is
 * in the function, then started again on the same home. Every record must reach the function, each
 * partition's records in order with no gap (a restart resumes at or before where the killed run got
 * to), and the group's offsets must reach the end. The duplicates, records the function saw again
 * after a restart, are counted and printed.
 */
class MappingCrashIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int RECORDS = 50_000;
    static final int PARTITIONS = 8;
    static final int BATCH_SIZE = 500;
    /** The platform is killed during the 10th batch of each of its first three runs. */
    static final int KILL_AT = 10;
    static final int KILLS = 3;
    static final String TOPIC = "crash";
    static final String GROUP = "crash-group";
    static final Duration START = Duration.ofSeconds(120);
    /** Tells the test each record of the batch: its partition, offset and id. */
    static final String HANDLER = """
            import base64, json, os, urllib.request

            def handler(event, context):
                seen = [{"partition": key, "offset": r["offset"], "id": json.loads(base64.b64decode(r["value"]))["id"]}
                        for key, records in event["records"].items() for r in records]
                urllib.request.urlopen(urllib.request.Request(os.environ["CONTROL"], data=json.dumps(seen).encode(),
                                                              method="POST"), timeout=60).read()
            """;

    @TempDir
    static Path work;

    static EmbeddedKafka broker;
    static Admin admin;
    static HttpServer control;

    /** One batch as the function reported it, with the run of the platform that was up when it came. */
    record Batch(int run, String partition, List<Long> offsets, List<Integer> ids) {
    }

    static final List<Batch> batches = new CopyOnWriteArrayList<>();
    /** The platform's run: 0 for the first start, one more after each kill (its runtimes are dead by then). */
    static volatile int run;
    /** Counted down when the batch to kill at has come; the batch waits until the platform is dead. */
    static final List<CountDownLatch> killRequests = Stream.generate(() -> new CountDownLatch(1)).limit(KILLS).toList();
    static final List<CountDownLatch> killed = Stream.generate(() -> new CountDownLatch(1)).limit(KILLS).toList();
    /** Batches each run reported so far; guarded by {@link #batches}. */
    static final int[] perRun = new int[KILLS + 1];

    @BeforeAll
    static void brokerAndRecords() throws Exception {
        broker = EmbeddedKafka.start(work.resolve("broker"), 0, 1);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        control.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        control.createContext("/batch", MappingCrashIT::handle);
        control.start();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG,
                        "all", ProducerConfig.LINGER_MS_CONFIG, 20),
                new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "key-" + i, "{\"id\": " + i + "}")));
            }
            for (Future<RecordMetadata> future : sent) {
                future.get();
            }
        }
    }

    @AfterAll
    static void stop() {
        if (control != null) {
            control.stop(0);
        }
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** The function's report of a batch; the one a run is killed at waits until the platform is dead. */
    static void handle(HttpExchange exchange) throws IOException {
        JsonNode seen;
        try (InputStream in = exchange.getRequestBody()) {
            seen = JSON.readTree(in.readAllBytes());
        }
        List<Long> offsets = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        seen.forEach(record -> {
            offsets.add(record.path("offset").asLong());
            ids.add(record.path("id").asInt());
        });
        int kill = run;
        boolean killNow;
        synchronized (batches) {
            batches.add(new Batch(kill, seen.get(0).path("partition").asText(), offsets, ids));
            killNow = kill < KILLS && ++perRun[kill] == KILL_AT;
        }
        if (killNow) {
            killRequests.get(kill).countDown();
            try {
                killed.get(kill).await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
    }

    @Test
    void noRecordIsLostAndEachPartitionKeepsItsOrderAcrossKills() throws Exception {
        StandaloneProcess.Settings settings = new StandaloneProcess.Settings(
                ClusterPlatform.repositoryRoot().resolve("standalone/target/quarkus-app/quarkus-run.jar"),
                work.resolve("home"), manifests(), FreePorts.belowEphemeralRange(), FreePorts.belowEphemeralRange(),
                List.of("-Xmx512m", "-Dklambda.mappings.session-timeout=6s", "-Dklambda.mappings.first-backoff=100ms",
                        "-Dklambda.mappings.max-backoff=1s"));
        StandaloneProcess platform = StandaloneProcess.start(settings, work.resolve("standalone-0.log"), START);
        try {
            for (int kill = 0; kill < KILLS; kill++) {
                assertThat(killRequests.get(kill).await(180, TimeUnit.SECONDS)).as("kill %d requested", kill).isTrue();
                platform.kill();
                run = kill + 1;
                killed.get(kill).countDown();
                platform = StandaloneProcess.start(settings, work.resolve("standalone-" + (kill + 1) + ".log"), START);
            }
            Map<TopicPartition, Long> end = KafkaOffsets.ends(admin, TOPIC, PARTITIONS);
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(KafkaOffsets.committed(admin, GROUP)).isEqualTo(end));
        } finally {
            platform.close();
        }

        assertThat(batches.stream().map(Batch::run).distinct()).as("the runs the batches came in")
                .containsExactly(0, 1, 2, 3);
        Set<Integer> seen = new HashSet<>();
        batches.forEach(b -> seen.addAll(b.ids()));
        assertThat(seen).as("every record reached the function").hasSize(RECORDS);

        Map<TopicPartition, Long> ends = KafkaOffsets.ends(admin, TOPIC, PARTITIONS);
        Map<String, List<Batch>> byPartition = batches.stream().collect(Collectors.groupingBy(Batch::partition));
        assertThat(byPartition).hasSize(PARTITIONS);
        byPartition.forEach((partition, list) -> {
            long next = 0;
            int lastRun = 0;
            for (Batch batch : list) {
                List<Long> offsets = batch.offsets();
                for (int i = 1; i < offsets.size(); i++) {
                    assertThat(offsets.get(i)).as("%s: offsets within a batch", partition).isEqualTo(offsets.get(i - 1) + 1);
                }
                if (batch.run() == lastRun) {
                    assertThat(offsets.getFirst()).as("%s: a batch starts where the last one of its run ended", partition)
                            .isEqualTo(next);
                } else {
                    assertThat(offsets.getFirst()).as("%s: a restart resumes at or before where the last run got to",
                            partition).isLessThanOrEqualTo(next);
                }
                lastRun = batch.run();
                next = offsets.getLast() + 1;
            }
            assertThat(next).as("%s: read to the end", partition)
                    .isEqualTo(ends.get(new TopicPartition(TOPIC, Integer.parseInt(partition.substring(TOPIC.length() + 1)))));
        });

        long delivered = batches.stream().mapToLong(b -> b.ids().size()).sum();
        long duplicates = delivered - RECORDS;
        System.out.printf("MappingCrashIT: %d records, %d kills, %d deliveries, %d duplicates (%.2f%%)%n", RECORDS,
                KILLS, delivered, duplicates, 100.0 * duplicates / RECORDS);
        // The batches under way at each kill came again; at most one per partition was under way.
        assertThat(duplicates).isPositive().isLessThanOrEqualTo((long) KILLS * PARTITIONS * BATCH_SIZE * 2);
    }

    /** The function, and a mapping that feeds it the topic with a consumer group of its own. */
    static Path manifests() throws IOException {
        Path manifests = Files.createDirectories(work.resolve("manifests"));
        Files.writeString(Files.createDirectories(manifests.resolve("src")).resolve("handler.py"), HANDLER);
        Files.writeString(manifests.resolve("mapping.yaml"), """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: batches}
                spec:
                  runtime: python3.12
                  handler: handler.handler
                  code: {path: src}
                  timeout: 90
                  environment: {variables: {CONTROL: "http://127.0.0.1:%d/batch"}}
                ---
                apiVersion: klambda.dev/v1alpha1
                kind: EventSourceMapping
                metadata: {name: crash}
                spec:
                  functionName: batches
                  kafka:
                    bootstrapServers: [%s]
                    topics: [%s]
                    consumerGroupId: %s
                  startingPosition: TRIM_HORIZON
                  batchSize: %d
                """.formatted(control.getAddress().getPort(), broker.bootstrapServers(), TOPIC, GROUP, BATCH_SIZE));
        return manifests;
    }
}
