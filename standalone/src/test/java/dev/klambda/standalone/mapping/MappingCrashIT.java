package dev.klambda.standalone.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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

import dev.klambda.standalone.StandaloneProcess;
import dev.klambda.standalone.async.EmbeddedKafka;
import dev.klambda.standalone.async.FunctionControl;

/**
 * At-least-once across crashes: the packaged platform reads 50,000 records from 8 partitions of a
 * broker the test runs, and is killed with SIGKILL three times while a batch is in the function.
 * Every record must reach the function, each partition's records in order with no gap (a restart
 * resumes at or before where the killed process got to), and the group's offsets must reach the end.
 * The duplicates, records the function saw again after a restart, are counted and printed.
 */
class MappingCrashIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int RECORDS = 50_000;
    static final int PARTITIONS = 8;
    static final int BATCH_SIZE = 500;
    /** The batches (counted over all runs) during which the platform is killed. */
    static final List<Integer> KILL_AT = List.of(8, 30, 55);
    /** The run of the platform a function belongs to: the state directory its code is in. */
    static final Pattern RUN = Pattern.compile("home-(\\d+)");
    static final String TOPIC = "crash";
    static final String GROUP = "crash-group";

    @TempDir
    static Path work;

    static EmbeddedKafka broker;
    static Admin admin;
    static HttpServer control;

    /** One batch as the function reported it, with the run of the platform that invoked it. */
    record Batch(int run, String partition, List<Long> offsets, List<Integer> ids) {
    }

    static final List<Batch> batches = new CopyOnWriteArrayList<>();
    /** Counted down when the batch to kill at has come; the batch waits until the platform is dead. */
    static final List<CountDownLatch> killRequests = KILL_AT.stream().map(k -> new CountDownLatch(1)).toList();
    static final List<CountDownLatch> killed = KILL_AT.stream().map(k -> new CountDownLatch(1)).toList();

    @BeforeAll
    static void brokerAndRecords() throws Exception {
        broker = EmbeddedKafka.start(work.resolve("broker"), 0, 1);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        control = FunctionControl.loopbackServer(MappingCrashIT::handle);
        String url = "http://127.0.0.1:" + control.getAddress().getPort();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG,
                        "all", ProducerConfig.LINGER_MS_CONFIG, 20),
                new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                String value = JSON.createObjectNode().put("id", i).put("topic", TOPIC).put("control", url).toString();
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "key-" + i, value)));
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

    /** The function's report of a batch; the batches in {@link #KILL_AT} wait until the platform is dead. */
    static void handle(HttpExchange exchange) throws IOException {
        JsonNode body;
        try (InputStream in = exchange.getRequestBody()) {
            body = JSON.readTree(in.readAllBytes());
        }
        List<Long> offsets = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        body.path("seen").forEach(seen -> {
            offsets.add(seen.path("offset").asLong());
            ids.add(seen.path("value").path("id").asInt());
        });
        Matcher run = RUN.matcher(body.path("taskRoot").asText());
        Batch batch = new Batch(run.find() ? Integer.parseInt(run.group(1)) : -1,
                body.path("seen").get(0).path("partition").asText(), offsets, ids);
        int number;
        synchronized (batches) {
            batches.add(batch);
            number = batches.size();
        }
        int kill = KILL_AT.indexOf(number);
        if (kill >= 0) {
            killRequests.get(kill).countDown();
            try {
                killed.get(kill).await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    @Test
    void noRecordIsLostAndEachPartitionKeepsItsOrderAcrossKills() throws Exception {
        Path manifests = manifests();
        Map<String, String> settings = Map.of("KLAMBDA_MAPPINGS_SESSION_TIMEOUT", "6s",
                "KLAMBDA_MAPPINGS_FIRST_BACKOFF", "100ms", "KLAMBDA_MAPPINGS_MAX_BACKOFF", "1s");
        StandaloneProcess platform = StandaloneProcess.start(work.resolve("home-0"), manifests, settings);
        try {
            for (int kill = 0; kill < KILL_AT.size(); kill++) {
                assertThat(killRequests.get(kill).await(180, TimeUnit.SECONDS)).as("kill %d requested", kill).isTrue();
                platform.kill();
                killed.get(kill).countDown();
                platform = StandaloneProcess.start(work.resolve("home-" + (kill + 1)), manifests, settings);
            }
            Map<TopicPartition, Long> end = ends();
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(committed()).isEqualTo(end));
        } finally {
            platform.kill();
        }

        assertThat(batches.stream().map(Batch::run).distinct()).as("the runs the batches came in (task roots in a run's home)")
                .containsExactly(0, 1, 2, 3);
        Set<Integer> seen = new HashSet<>();
        batches.forEach(b -> seen.addAll(b.ids()));
        assertThat(seen).as("every record reached the function").hasSize(RECORDS);

        Map<TopicPartition, Long> ends = ends();
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
                KILL_AT.size(), delivered, duplicates, 100.0 * duplicates / RECORDS);
        // The batches under way at each kill came again; at most one per partition was under way.
        assertThat(duplicates).isPositive().isLessThanOrEqualTo((long) KILL_AT.size() * PARTITIONS * BATCH_SIZE * 2);
    }

    /** The batches function and a mapping that feeds it the topic, with its own consumer group. */
    static Path manifests() throws IOException {
        Path manifests = work.resolve("manifests");
        Path resources = Path.of("src", "test", "resources", "mapping-manifests");
        Files.createDirectories(manifests.resolve("src"));
        Files.copy(resources.resolve("functions.yaml"), manifests.resolve("functions.yaml"));
        Files.copy(resources.resolve("src").resolve("handler.py"), manifests.resolve("src").resolve("handler.py"));
        Files.writeString(manifests.resolve("mapping.yaml"), """
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
                """.formatted(broker.bootstrapServers(), TOPIC, GROUP, BATCH_SIZE));
        return manifests;
    }

    static Map<TopicPartition, Long> committed() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            if (offset != null) {
                out.put(partition, offset.offset());
            }
        });
        return out;
    }

    static Map<TopicPartition, Long> ends() throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            request.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
        }
        return admin.listOffsets(request).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
