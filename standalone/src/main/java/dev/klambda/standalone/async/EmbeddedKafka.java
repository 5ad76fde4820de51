package dev.klambda.standalone.async;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import dev.klambda.core.net.FreePorts;
import dev.klambda.invoker.async.AsyncTopics;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A single-node Kafka (KRaft, one process acting as broker and controller) inside the standalone
 * process, with its log under {@code KLAMBDA_HOME}, so queued events survive a restart, even one by
 * SIGKILL. It listens on loopback only.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String CONTROLLER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts the broker, formatting {@code directory} first when it is new, and waits until it
     * serves requests with the queue's topics in place.
     *
     * @param port the client port; 0 takes a free one
     */
    public static EmbeddedKafka start(Path directory, int port, int partitions) throws Exception {
        return start(directory, port, partitions, Map.of(), Map.of());
    }

    /**
     * Starts the broker with further listeners, e.g. one that asks for SASL.
     *
     * @param listeners further listeners: their security protocol (also their name) and port
     * @param settings further broker settings, e.g. for those listeners' mechanisms
     */
    public static EmbeddedKafka start(Path directory, int port, int partitions, Map<String, Integer> listeners,
            Map<String, String> settings) throws Exception {
        Files.createDirectories(directory);
        int clientPort = port == 0 ? FreePorts.belowEphemeralRange() : requireFree(port);
        int controllerPort = FreePorts.belowEphemeralRange();
        String logs = directory.toAbsolutePath().toString();
        Properties config = new Properties();
        config.put("node.id", "1");
        config.put("process.roles", "broker,controller");
        config.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + "," + CONTROLLER + "://127.0.0.1:" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
        config.put("controller.listener.names", CONTROLLER);
        config.put("inter.broker.listener.name", "PLAINTEXT");
        // A static voter set: the controller's port may change from one start to the next.
        config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.put("log.dirs", logs);
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "4");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        // One process on a developer's machine, not a server's cores: 2 request handlers (Kafka's default
        // is 8) and 1 network thread (3) do the same work with fewer threads taking turns.
        config.put("num.io.threads", "2");
        config.put("num.network.threads", "1");
        // One process is the only consumer: after a crash its partitions should come back soon.
        config.put("group.consumer.min.session.timeout.ms", "6000");
        config.put("group.consumer.session.timeout.ms", "6000");
        config.put("message.max.bytes", Integer.toString(AsyncTopics.MAX_RECORD_BYTES));
        // Destinations and event sources may name topics nobody created yet.
        config.put("auto.create.topics.enable", "true");
        listeners.forEach((protocol, listenerPort) -> {
            String at = protocol + "://127.0.0.1:" + listenerPort;
            config.put("listeners", config.getProperty("listeners") + "," + at);
            config.put("advertised.listeners", config.getProperty("advertised.listeners") + "," + at);
            config.put("listener.security.protocol.map",
                    config.getProperty("listener.security.protocol.map") + "," + protocol + ":" + protocol);
        });
        config.putAll(settings);
        KafkaConfig kafkaConfig = KafkaConfig.fromProps(config, false);
        if (!Files.exists(directory.resolve("meta.properties"))) {
            format(logs);
        }
        KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
        server.startup();
        EmbeddedKafka kafka = new EmbeddedKafka(server, "127.0.0.1:" + clientPort);
        try {
            kafka.awaitTopics(partitions);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    private static void format(String logs) throws Exception {
        new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logs))
                .setMetadataLogDirectory(logs)
                .setControllerListenerName(CONTROLLER)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setFeatureLevel("kraft.version", (short) 0)
                .run();
    }

    private void awaitTopics(int partitions) throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
            AsyncTopics.ensure(admin, partitions, Optional.of((short) 1));
        }
    }

    /** Where clients reach the broker, {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Fails with a message users can act on, before the broker fails with a stack trace. */
    private static int requireFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("Port " + port + " for the embedded Kafka broker is taken (another Kafka"
                    + " or klambda?); set KLAMBDA_KAFKA_PORT to another port, or 0 for any free one", e);
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
