package dev.klambda.standalone.mapping;

import java.time.Clock;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.poller.destination.SqsQueues;
import dev.klambda.poller.mapping.InvokerMappingFunctions;
import dev.klambda.poller.mapping.MappingRunner;
import dev.klambda.poller.mapping.SqsMappingSettings;
import dev.klambda.standalone.StandaloneConfig;
import dev.klambda.standalone.store.ManifestDirectoryStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Event source mappings in one process: the poller's consumers invoke through the same invoker as
 * API calls, and their statuses are kept by the manifest store, as the API server keeps them in a
 * cluster.
 */
@ApplicationScoped
public class EventSourceMappings {

    private MappingRunner runner;
    private SqsQueues sqs;

    void start(@Observes StartupEvent start, ManifestDirectoryStore store, TenantTable tenants, Invoker invoker,
            KafkaEventQueue events, MeterRegistry registry, StandaloneConfig config) {
        sqs = config.async().sqsEndpoint().map(endpoint -> SqsQueues.connect(endpoint, config.region(),
                config.async().sqsAccessKey(), config.async().sqsSecretKey())).orElse(null);
        // SQS sources are read with the keys of the platform's SQS-compatible service, which they default to.
        SqsMappingSettings.Defaults sqsDefaults = new SqsMappingSettings.Defaults(
                config.async().sqsEndpoint().orElse(null), config.region());
        AwsCredentialsProvider sqsCredentials = StaticCredentialsProvider
                .create(AwsBasicCredentials.create(config.async().sqsAccessKey(), config.async().sqsSecretKey()));
        runner = new MappingRunner(store, tenants, new InvokerMappingFunctions(invoker, tenants, config.region()),
                events, sqs, sqsDefaults, sqsCredentials, store::secret, new MappingRunner.StatusWriter() {
                    @Override
                    public void write(EventSourceMapping mapping, EventSourceMappingStatus status) {
                        store.writeStatus(mapping, status);
                    }

                    @Override
                    public void forget(EventSourceMapping mapping) {
                        store.forgetStatus(mapping);
                    }
                }, registry, Clock.systemUTC(), config.mappings().options());
        runner.start();
    }

    /** The consumers stop (committing what they finished) before the invoker and the broker go. */
    void stop(@Observes @Priority(1) ShutdownEvent stop) throws InterruptedException {
        if (runner != null) {
            runner.close();
        }
        if (sqs != null) {
            sqs.close();
        }
    }
}
