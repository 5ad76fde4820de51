package dev.klambda.standalone.mapping;

import java.util.HashMap;
import java.util.Map;

import dev.klambda.standalone.async.AsyncServices;

/**
 * What the event source mapping tests need around the application: what the asynchronous
 * invocation tests have (a known port for its Kafka broker, where the tests create and fill the
 * source topics; ElasticMQ as the platform's SQS endpoint), retries shortened to 100 ms, and the
 * {@link BatchControl} server.
 */
public class MappingServices extends AsyncServices {

    private static BatchControl batches;

    public static BatchControl batches() {
        return batches;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> settings = new HashMap<>(super.start());
        batches = new BatchControl();
        settings.putAll(Map.of("klambda.mappings.first-backoff", "100ms", "klambda.mappings.max-backoff", "1s",
                "klambda.mappings.drain", "5s"));
        return settings;
    }

    @Override
    public void stop() {
        if (batches != null) {
            batches.close();
        }
        super.stop();
    }
}
