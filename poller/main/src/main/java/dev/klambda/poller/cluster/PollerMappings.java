package dev.klambda.poller.cluster;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.klambda.cluster.Rendezvous;
import dev.klambda.cluster.ReplicaLeases;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.config.TenantConfig;
import dev.klambda.poller.mapping.MappingRunner;
import dev.klambda.poller.mapping.MappingSecrets;
import dev.klambda.poller.mapping.MissingSecretException;

/**
 * The poller replicas run the event source mappings of the EventSourceMapping resources. Every
 * replica consumes every Kafka mapping in the mapping's consumer group, so Kafka spreads the
 * partitions over the replicas and gives a stopped or killed replica's partitions to the others. An
 * SQS mapping is polled by one replica, chosen by rendezvous hashing over the replicas' Leases, so
 * its {@code MaximumConcurrency} holds for the mapping; when that replica goes, another takes the
 * mapping over. Batches are synchronous invocations through the invoker's Lambda API. The replicas
 * patch the mapping's status subresource with what they see (the last write wins), and read source
 * credentials from Secrets in the mapping's namespace.
 */
@ApplicationScoped
public class PollerMappings {

    private static final Logger LOG = Logger.getLogger(PollerMappings.class);

    private SharedIndexInformer<EventSourceMapping> informer;
    private ReplicaLeases leases;
    private HttpMappingFunctions functions;
    private KafkaEventQueue events;
    private MappingRunner runner;

    void start(@Observes StartupEvent start, KubernetesClient client, MeterRegistry registry, PollerConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        TenantTable tenants = TenantConfig.table(config.tenants());
        PollerConfig.Replica replica = config.poller();
        leases = new ReplicaLeases(client, config.systemNamespace(), "poller", replica.name(), replica.leaseDuration(),
                Clock.systemUTC(), () -> {
                });
        Gauge.builder("klambda_poller_replicas", leases, l -> l.members().size())
                .description("Poller replicas this one sees alive, itself included").register(registry);
        functions = new HttpMappingFunctions(replica.invokerUrl(), tenants, config.region(), replica.maxConnections());
        // Function destinations are queued as asynchronous invocations, as the invoker queues them.
        events = bootstrapServers.filter(servers -> !servers.isBlank())
                .map(servers -> KafkaEventQueue.connect(servers, Map.of())).orElse(null);
        informer = client.resources(EventSourceMapping.class).inAnyNamespace().runnableInformer(0);
        // As the invoker's caches: keep trying while the API server (or the CRD) is not there yet.
        informer.exceptionHandler((started, failure) -> !ExceptionHandler.isDeserializationException(failure));
        runner = new MappingRunner(
                namespace -> informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace),
                uuids -> polledHere(uuids, replica.name()), tenants, functions, events, config.async(),
                config.region(), (namespace, name) -> secret(client, namespace, name),
                new MappingRunner.StatusWriter() {
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
        leases.start();
        // A runner that started on an empty cache would take every mapping for deleted.
        informer.start().whenComplete((synced, failure) -> {
            if (failure != null) {
                LOG.error("The EventSourceMapping informer stopped", failure);
            } else {
                runner.start();
            }
        });
    }

    /** The SQS mappings this replica owns among the live replicas. */
    private Set<String> polledHere(Collection<String> uuids, String self) {
        return Rendezvous.assign(uuids, leases.members()).entrySet().stream()
                .filter(owner -> owner.getValue().equals(self)).map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /** Ready once the informer holds every mapping the API server had when it started. */
    boolean synced() {
        return informer != null && informer.hasSynced();
    }

    /**
     * A Secret's data as Kubernetes holds it; empty when it does not exist. The chart grants no
     * Secret access (least privilege): to use credentials, grant the poller's ServiceAccount
     * {@code get} on Secrets in the tenant's namespace; until then the mapping reports that it
     * cannot read them.
     */
    static Optional<Map<String, byte[]>> secret(KubernetesClient client, String namespace, String name) {
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new MissingSecretException("Secret " + namespace + "/" + name + " cannot be read"
                    + (e.getCode() == 403 ? " (grant the poller's ServiceAccount get on Secrets in " + namespace + ")"
                            : "")
                    + ": " + e.getMessage());
        }
        if (secret == null) {
            return Optional.empty();
        }
        return Optional.of(MappingSecrets.data(secret));
    }

    /**
     * The consumers stop first, committing what they finished, while the invoker still serves their
     * batches; then the Lease goes, so the others take this replica's SQS mappings over at once.
     */
    void stop(@Observes ShutdownEvent stop) throws InterruptedException {
        if (runner != null) {
            runner.close();
        }
        if (informer != null) {
            informer.close();
        }
        if (leases != null) {
            leases.close();
        }
        if (functions != null) {
            functions.close();
        }
        if (events != null) {
            events.close();
        }
    }
}
