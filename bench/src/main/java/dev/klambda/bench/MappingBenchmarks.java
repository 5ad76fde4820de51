package dev.klambda.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import com.sun.net.httpserver.HttpServer;

import dev.klambda.agent.Interpreters;
import dev.klambda.core.net.FreePorts;
import dev.klambda.it.KafkaOffsets;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.EventSourcePosition;

/**
 * Kafka event source mappings on the packaged standalone platform: records per second delivered to
 * a no-op Python function at batch size 100 and 1,000, against a plain KafkaConsumer reading the
 * same topic from the same broker in the same run; and the end-to-end latency of records produced
 * at a steady rate, from the producer's send to the function reading them, with the default 500 ms
 * batching window and with none.
 */
public final class MappingBenchmarks {

    /** BENCH_RECORDS: records in the throughput topic. */
    static final int RECORDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_RECORDS", "300000"));
    /** BENCH_RATE and BENCH_SECONDS: records per second produced for the latency runs, and for how long. */
    static final int RATE = Integer.parseInt(System.getenv().getOrDefault("BENCH_RATE", "1000"));
    static final int SECONDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_SECONDS", "20"));
    static final int WARM_UP_SECONDS = 5;
    static final int PARTITIONS = 8;
    static final int VALUE_BYTES = 100;
    static final Duration POLL = Duration.ofMillis(20);

    private final Path repository;
    private final Path work;
    private final Interpreters interpreters = Interpreters.detect(System.getenv());
    private final BenchProcesses processes = new BenchProcesses(interpreters);
    private final List<Long> latencies = new CopyOnWriteArrayList<>();
    private HttpServer control;
    private Admin admin;
    private LambdaClient lambda;
    private String bootstrap;
    private Process platform;

    MappingBenchmarks(Path repository) throws IOException {
        this.repository = repository;
        this.work = Files.createTempDirectory("klambda-mapping-bench-");
    }

    public static void main(String[] args) throws Exception {
        Path repository = Path.of(System.getProperty("bench.repository", "..")).toAbsolutePath().normalize();
        MappingBenchmarks bench = new MappingBenchmarks(repository);
        try {
            System.out.println(bench.run());
        } finally {
            bench.close();
        }
        System.exit(0);
    }

    String run() throws Exception {
        start();
        String topic = "throughput";
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        fill(topic);
        List<String> rows = new ArrayList<>();
        // Twice each, alternating, so neither side has the warm page cache and JIT alone.
        for (int round = 1; round <= 2; round++) {
            rows.add(plainConsumer(topic, round));
            for (int batchSize : List.of(100, 1_000)) {
                rows.add(mapping(topic, batchSize, round));
            }
        }
        List<String> latencyRows = new ArrayList<>();
        for (Integer window : Arrays.asList(null, 0)) {
            latencyRows.add(latency(window));
        }

        StringBuilder out = new StringBuilder();
        out.append("## Kafka event source mappings: throughput and latency (").append(LocalDate.now()).append(")\n\n");
        out.append(AgentBenchmarks.machine(interpreters)).append('\n');
        out.append("Targets (issue 8): at batch size 1,000, at least 50% of a plain KafkaConsumer's records/s on the ")
                .append("same topic; end-to-end p99 at most the batching window plus 50 ms.\n\n");
        out.append("### Throughput: ").append(String.format(Locale.ROOT, "%,d", RECORDS)).append(" records of ")
                .append(VALUE_BYTES).append(" bytes on ").append(PARTITIONS).append(" partitions\n\n")
                .append("The topic is on the packaged standalone platform's embedded broker. The plain consumer runs in ")
                .append("the benchmark's JVM: assigned all partitions, from the beginning, no group, counting ")
                .append("records (max.poll.records 5,000). A mapping (new consumer group, TRIM_HORIZON, the default ")
                .append("500 ms window) feeds a no-op Python function with Lambda's Kafka event; its rate is records ")
                .append("over the time from the group's first commit to its offsets reaching the end (read every ")
                .append(POLL.toMillis()).append(" ms), so the group's join is left out and every record counted ")
                .append("was invoked and committed. Two rounds, alternating. CPU: cores busy on average over the ")
                .append("run, the platform's JVM (broker, consumer, invoker, agents) and the Python runtimes.\n\n")
                .append("| reader | round | records/s | seconds | join (mapping created to first commit) ")
                .append("| platform JVM CPU | Python CPU |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        rows.forEach(out::append);
        out.append('\n');
        out.append("### End-to-end latency: ").append(RATE).append(" records/s for ").append(SECONDS)
                .append(" s, batch size 100\n\n")
                .append("From the producer's send (the record's CreateTime) to the Python function reading the record ")
                .append("(its clock, the same machine's), for every record. At this rate a partition gathers about ")
                .append(RATE / PARTITIONS / 2).append(" records in 500 ms, so batches are cut by the window, not ")
                .append("by the batch size. The same rate runs ").append(WARM_UP_SECONDS).append(" s first, so the ")
                .append("environments the partitions need at once are started before the measured records.\n\n")
                .append("| batching window | records | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- | --- |\n");
        latencyRows.forEach(out::append);
        return out.toString();
    }

    /** The platform with its broker on a known port, a no-op function and one that reports latencies. */
    private void start() throws Exception {
        control = HttpServer.create(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        control.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                for (String value : new String(in.readAllBytes(), StandardCharsets.UTF_8).split(",")) {
                    if (!value.isBlank()) {
                        latencies.add(Long.parseLong(value.trim()));
                    }
                }
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        control.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        control.start();
        Path manifests = BenchProcesses.noopFunctions(work, "spare", 1);
        Path code = Files.createDirectories(manifests.resolve("latency/src"));
        Files.writeString(code.resolve("handler.py"), """
                import os
                import time
                import urllib.request


                def handler(event, context):
                    now = time.time() * 1000
                    late = [str(int(now - r["timestamp"])) for rs in event["records"].values() for r in rs]
                    urllib.request.urlopen(os.environ["CONTROL"], data=",".join(late).encode(), timeout=10).read()
                """);
        Files.writeString(manifests.resolve("latency/function.yaml"), """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: latency}
                spec:
                  runtime: python3.12
                  handler: handler.handler
                  code: {path: src}
                  timeout: 30
                  environment: {variables: {CONTROL: "http://127.0.0.1:%d/"}}
                """.formatted(control.getAddress().getPort()));
        int port = FreePorts.belowEphemeralRange();
        int kafkaPort = FreePorts.belowEphemeralRange();
        platform = processes.standalone(repository, port, work.resolve("home"), manifests,
                Map.of("KLAMBDA_KAFKA_PORT", Integer.toString(kafkaPort)));
        bootstrap = "127.0.0.1:" + kafkaPort;
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        lambda = LambdaClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG,
                "all", ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void fill(String topic) throws Exception {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'x');
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, null, value));
            }
            producer.flush();
        }
    }

    private String plainConsumer(String topic, int round) throws Exception {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        double[] cpuBefore = cpu();
        long begin = System.nanoTime();
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                all.add(new TopicPartition(topic, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            while (read < RECORDS) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                read += records.count();
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        double[] cpuAfter = cpu();
        return String.format(Locale.ROOT, "| plain KafkaConsumer | %d | **%,.0f** | %.2f | - | %.2f cores | - |%n", round,
                read / seconds, seconds, (cpuAfter[2] - cpuBefore[2]) / seconds);
    }

    private String mapping(String topic, int batchSize, int round) throws Exception {
        double[] cpuBefore = cpu();
        long created = System.nanoTime();
        String uuid = lambda.createEventSourceMapping(r -> r.functionName("noop").topics(topic)
                .startingPosition(EventSourcePosition.TRIM_HORIZON).batchSize(batchSize)
                .selfManagedEventSource(s -> s.endpointsWithStrings(Map.of("KAFKA_BOOTSTRAP_SERVERS", List.of(bootstrap)))))
                .uuid();
        Map<TopicPartition, Long> ends = ends(topic);
        long end = ends.values().stream().mapToLong(Long::longValue).sum();
        long firstAt = 0;
        long firstCommitted = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        long committed = 0;
        while (committed < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("mapping " + uuid + " committed " + committed + " of " + end);
            }
            Thread.sleep(POLL.toMillis());
            committed = committed(uuid);
            if (firstAt == 0 && committed > 0) {
                firstAt = System.nanoTime();
                firstCommitted = committed;
            }
        }
        long doneAt = System.nanoTime();
        double[] cpuAfter = cpu();
        lambda.deleteEventSourceMapping(r -> r.uuid(uuid));
        double seconds = (doneAt - firstAt) / 1e9;
        double all = (doneAt - created) / 1e9;
        return String.format(Locale.ROOT,
                "| mapping, batch size %,d | %d | **%,.0f** | %.2f | %.2f s | %.2f cores | %.2f cores |%n", batchSize,
                round, (end - firstCommitted) / seconds, seconds, (firstAt - created) / 1e9,
                (cpuAfter[0] - cpuBefore[0]) / all, (cpuAfter[1] - cpuBefore[1]) / all);
    }

    /** @param window the batching window in seconds, or null for the default (500 ms) */
    private String latency(Integer window) throws Exception {
        String topic = "latency-" + (window == null ? "default" : window);
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        String uuid = lambda.createEventSourceMapping(r -> r.functionName("latency").topics(topic)
                .startingPosition(EventSourcePosition.LATEST).batchSize(100).maximumBatchingWindowInSeconds(window)
                .selfManagedEventSource(s -> s.endpointsWithStrings(Map.of("KAFKA_BOOTSTRAP_SERVERS", List.of(bootstrap)))))
                .uuid();
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'y');
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // Records until the mapping delivers one: it has joined its group and has every partition.
            long waitUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (latencies.isEmpty()) {
                if (System.nanoTime() > waitUntil) {
                    throw new IllegalStateException("the latency mapping delivered nothing within 60 s");
                }
                producer.send(new ProducerRecord<>(topic, value)).get();
                Thread.sleep(200);
            }
            // The same rate for a while first: the environments the partitions need at once are started.
            produce(producer, topic, value, WARM_UP_SECONDS);
            awaitCommittedToEnd(uuid, topic);
            latencies.clear();
            produce(producer, topic, value, SECONDS);
        }
        int expected = RATE * SECONDS;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (latencies.size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
        }
        lambda.deleteEventSourceMapping(r -> r.uuid(uuid));
        double[] micros = latencies.stream().mapToDouble(ms -> ms * 1000.0).toArray();
        Stats stats = Stats.of(micros);
        return String.format(Locale.ROOT, "| %s | %,d | %s | %s | **%s** | %s |%n",
                window == null ? "500 ms (default)" : window + " s", micros.length, stats.ms(50), stats.ms(90),
                stats.ms(99), stats.ms(100));
    }

    /** RATE records a second for {@code seconds}, spread over the partitions, stamped when sent. */
    private static void produce(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value, int seconds)
            throws InterruptedException {
        long interval = 1_000_000_000L / RATE;
        long start = System.nanoTime();
        for (long i = 0; i < (long) RATE * seconds; i++) {
            long wait = start + i * interval - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            producer.send(new ProducerRecord<>(topic, (int) (i % PARTITIONS), System.currentTimeMillis(), null, value));
        }
        producer.flush();
    }

    private void awaitCommittedToEnd(String uuid, String topic) throws Exception {
        long end = ends(topic).values().stream().mapToLong(Long::longValue).sum();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (committed(uuid) < end && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Records {@code group} has committed, over all partitions. */
    private long committed(String group) throws Exception {
        return KafkaOffsets.committed(admin, group).values().stream().mapToLong(Long::longValue).sum();
    }

    private Map<TopicPartition, Long> ends(String topic) throws Exception {
        return KafkaOffsets.ends(admin, topic, PARTITIONS);
    }

    /** CPU seconds so far: the platform's JVM, its Python runtimes, and this JVM. */
    private double[] cpu() {
        Map<Long, Double> tree = ProcStats.cpuSecondsOfTree(platform.toHandle());
        double jvm = tree.getOrDefault(platform.pid(), 0.0);
        double runtimes = tree.entrySet().stream().filter(e -> e.getKey() != platform.pid())
                .mapToDouble(Map.Entry::getValue).sum();
        return new double[] { jvm, runtimes, ProcStats.cpuSeconds(ProcessHandle.current().pid()) };
    }

    private void close() {
        if (lambda != null) {
            lambda.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (control != null) {
            control.stop(0);
        }
        processes.close();
    }
}
