package dev.klambda.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Which replicas of one service are alive, so that they can divide work among themselves
 * ({@link Rendezvous}): the invokers divide function pods, the pollers divide SQS mappings. Each
 * replica holds a Lease of its own in the system namespace and renews it every third of its
 * duration; a replica whose Lease was not renewed in time counts as gone, and one that shuts down
 * deletes its Lease so the others take its work over at once.
 */
public final class ReplicaLeases implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReplicaLeases.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String service;
    private final String self;
    private final Duration duration;
    private final Clock clock;
    private final Runnable changed;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("klambda-replica-leases").daemon().factory());
    private SharedIndexInformer<Lease> informer;
    private volatile Set<String> members;

    /**
     * @param service the service whose replicas these are, e.g. {@code invoker}
     * @param self this replica's name
     * @param changed told when the set of live replicas may have changed; called on a background thread
     */
    public ReplicaLeases(KubernetesClient client, String namespace, String service, String self, Duration duration,
            Clock clock, Runnable changed) {
        this.client = client;
        this.namespace = namespace;
        this.service = service;
        this.self = self;
        this.duration = duration;
        this.clock = clock;
        this.changed = changed;
        this.members = Set.of(self);
    }

    /** Takes this replica's Lease and starts renewing it and watching the others'. */
    public void start() {
        renew();
        informer = client.resources(Lease.class).inNamespace(namespace).withLabel(label(service), "true")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Lease lease) {
                        recompute();
                    }

                    @Override
                    public void onUpdate(Lease old, Lease lease) {
                        recompute();
                    }

                    @Override
                    public void onDelete(Lease lease, boolean finalStateUnknown) {
                        recompute();
                    }
                });
        long period = Math.max(100, duration.toMillis() / 3);
        timer.scheduleWithFixedDelay(() -> {
            renew();
            recompute();
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /** The live replicas' names, this one always among them. */
    public Set<String> members() {
        return members;
    }

    /** The label (value {@code "true"}) of {@code service}'s Leases. */
    public static String label(String service) {
        return "klambda.dev/" + service + "-lease";
    }

    /** The name of the Lease of {@code service}'s replica {@code replica}. */
    public static String leaseName(String service, String replica) {
        String name = "klambda-" + service + "-" + replica;
        return name.length() <= 253 ? name : name.substring(0, 253);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (informer != null) {
            informer.close();
        }
        try {
            client.resources(Lease.class).inNamespace(namespace).withName(leaseName(service, self)).delete();
        } catch (KubernetesClientException e) {
            LOG.debugf("could not delete the Lease of %s: %s", self, e.getMessage());
        }
    }

    private void renew() {
        Lease lease = new LeaseBuilder().withNewMetadata().withName(leaseName(service, self)).withNamespace(namespace)
                .addToLabels(label(service), "true").endMetadata()
                .withNewSpec().withHolderIdentity(self)
                .withLeaseDurationSeconds((int) Math.max(1, duration.toSeconds()))
                .withRenewTime(ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)).endSpec()
                .build();
        try {
            client.resources(Lease.class).inNamespace(namespace).resource(lease).createOr(NonDeletingOperation::update);
        } catch (KubernetesClientException e) {
            // the next tick tries again; until the Lease expires the others still count this replica
            LOG.warnf(e, "could not renew the Lease of %s %s", service, self);
        }
    }

    private void recompute() {
        Set<String> live = new TreeSet<>();
        live.add(self);
        Instant now = clock.instant();
        if (informer != null) {
            for (Lease lease : informer.getStore().list()) {
                if (lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null
                        || lease.getSpec().getRenewTime() == null) {
                    continue;
                }
                int seconds = lease.getSpec().getLeaseDurationSeconds() == null ? (int) duration.toSeconds()
                        : lease.getSpec().getLeaseDurationSeconds();
                if (lease.getSpec().getRenewTime().toInstant().plusSeconds(seconds).isAfter(now)) {
                    live.add(lease.getSpec().getHolderIdentity());
                }
            }
        }
        if (!live.equals(members)) {
            LOG.infof("%s replicas: %s", service, live);
            members = Set.copyOf(live);
            changed.run();
        }
    }
}
