package dev.klambda.standalone.mapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * What the event source mapping tests need around the application: a known port for its Kafka
 * broker (the tests create and fill the source topics there), an SQS-compatible server (ElasticMQ,
 * in this JVM) as the platform's SQS endpoint, retries shortened to 100 ms, and the
 * {@link BatchControl} server.
 */
public class MappingServices implements QuarkusTestResourceLifecycleManager {

    private static int kafkaPort;
    private static BatchControl control;
    private static SQSRestServer sqs;
    private static int sqsPort;

    public static String kafkaBootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    public static String sqsEndpoint() {
        return "http://127.0.0.1:" + sqsPort;
    }

    public static BatchControl control() {
        return control;
    }

    @Override
    public Map<String, String> start() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            kafkaPort = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sqs = SQSRestServerBuilder.withPort(0).withInterface("127.0.0.1").start();
        sqsPort = sqs.waitUntilStarted().localAddress().getPort();
        control = new BatchControl();
        return Map.of("klambda.kafka.port", Integer.toString(kafkaPort), "klambda.async.sqs-endpoint", sqsEndpoint(),
                "klambda.mappings.first-backoff", "100ms", "klambda.mappings.max-backoff", "1s",
                "klambda.mappings.drain", "5s");
    }

    @Override
    public void stop() {
        if (control != null) {
            control.close();
        }
        if (sqs != null) {
            sqs.stopAndWait();
        }
    }
}
