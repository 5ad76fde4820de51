package dev.klambda.invoker.cluster;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.invoker.async.EventQueue;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.poller.mapping.InvokerMappingFunctions;
import dev.klambda.poller.mapping.MappingRunner;
import dev.klambda.poller.mapping.MappingSecrets;
import dev.klambda.poller.mapping.MissingSecretException;

/**
 * In a cluster the invoker replicas run the event source mappings, as they drain the asynchronous
 * queue: every replica consumes every Kafka mapping in the mapping's consumer group, so Kafka spreads
 * the partitions over the replicas and gives a stopped or killed replica's partitions to the others.
 * Batches are ordinary synchronous invocations of the replica's own invoker. The replicas patch the
 * mapping's status subresource with what they see (the last write wins), and read source credentials
 * from Secrets in the mapping's namespace.
 */
@ApplicationScoped
public class ClusterMappings {

    private MappingRunner runner;

    void start(@Observes StartupEvent start, ResourceStore store, TenantTable tenants, Invoker invoker,
            EventQueue events, KubernetesClient client, MeterRegistry registry, ClusterConfig config) {
        runner = new MappingRunner(store, tenants, new InvokerMappingFunctions(invoker, tenants, config.region()),
                events instanceof KafkaEventQueue queue ? queue : null, config.async(), config.region(),
                (namespace, name) -> secret(client, namespace, name), new MappingRunner.StatusWriter() {
                    @Override
                    public void write(EventSourceMapping mapping, EventSourceMappingStatus status) {
                        EventSourceMapping patch = new EventSourceMapping();
                        // Name only: a merge patch without resourceVersion, so replicas never conflict.
                        patch.setMetadata(new ObjectMetaBuilder().withName(mapping.getMetadata().getName())
                                .withNamespace(mapping.getMetadata().getNamespace()).build());
                        patch.setStatus(status);
                        client.resources(EventSourceMapping.class).inNamespace(mapping.getMetadata().getNamespace())
                                .withName(mapping.getMetadata().getName()).patchStatus(patch);
                    }

                    @Override
                    public void forget(EventSourceMapping mapping) {
                        // The resource and its status are gone already.
                    }
                }, registry, Clock.systemUTC(), config.mappings().options());
        runner.start();
    }

    /**
     * A Secret's data as Kubernetes holds it; empty when it does not exist. The chart grants no
     * Secret access (least privilege): to use credentials, grant the invoker's ServiceAccount
     * {@code get} on Secrets in the tenant's namespace; until then the mapping reports that it
     * cannot read them.
     */
    static Optional<Map<String, byte[]>> secret(KubernetesClient client, String namespace, String name) {
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new MissingSecretException("Secret " + namespace + "/" + name + " cannot be read"
                    + (e.getCode() == 403 ? " (grant the invoker's ServiceAccount get on Secrets in " + namespace + ")"
                            : "")
                    + ": " + e.getMessage());
        }
        if (secret == null) {
            return Optional.empty();
        }
        return Optional.of(MappingSecrets.data(secret));
    }

    /** The consumers stop (committing what they finished) while the invoker still serves their batches. */
    void stop(@Observes @Priority(1) ShutdownEvent stop) throws InterruptedException {
        if (runner != null) {
            runner.close();
        }
    }
}
