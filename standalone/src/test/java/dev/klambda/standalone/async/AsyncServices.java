package dev.klambda.standalone.async;

import java.util.Map;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.klambda.core.net.FreePorts;

/**
 * What the asynchronous invocation tests need around the application: a known port for its Kafka
 * broker (so the tests can read destination topics and write queue records), an SQS-compatible
 * server (ElasticMQ, in this JVM), and the {@link FunctionControl} server.
 */
public class AsyncServices implements QuarkusTestResourceLifecycleManager {

    private static int kafkaPort;
    private static SQSRestServer sqs;
    private static int sqsPort;
    private static FunctionControl control;

    public static String kafkaBootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    public static String sqsEndpoint() {
        return "http://127.0.0.1:" + sqsPort;
    }

    public static FunctionControl control() {
        return control;
    }

    @Override
    public Map<String, String> start() {
        kafkaPort = FreePorts.belowEphemeralRange();
        sqs = SQSRestServerBuilder.withPort(0).withInterface("127.0.0.1").start();
        sqsPort = sqs.waitUntilStarted().localAddress().getPort();
        control = new FunctionControl();
        return Map.of("klambda.kafka.port", Integer.toString(kafkaPort), "klambda.async.sqs-endpoint", sqsEndpoint());
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
