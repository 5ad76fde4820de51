package dev.klambda.invoker.cluster.pods;

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
 * Which invoker replicas are alive, so that they can divide the function pods among themselves
 * ({@link PodAssignment}). Each replica holds a Lease of its own in the system namespace and renews
 * it every third of its duration; a replica whose Lease was not renewed in time counts as gone, and
 * one that shuts down deletes its Lease so the others take its pods over at once.
 */
public final class InvokerLeases implements AutoCloseable {

    /** Label (value {@code "true"}) of the invokers' Leases. */
    public static final String LABEL = "klambda.dev/invoker-lease";

    private static final Logger LOG = Logger.getLogger(InvokerLeases.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String self;
    private final Duration duration;
    private final Clock clock;
    private final Runnable changed;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "klambda-invoker-leases");
        thread.setDaemon(true);
        return thread;
    });
    private SharedIndexInformer<Lease> informer;
    private volatile Set<String> members;

    /**
     * @param self this replica's name
     * @param changed told when the set of live replicas may have changed; called on a background thread
     */
    public InvokerLeases(KubernetesClient client, String namespace, String self, Duration duration, Clock clock,
            Runnable changed) {
        this.client = client;
        this.namespace = namespace;
        this.self = self;
        this.duration = duration;
        this.clock = clock;
        this.changed = changed;
        this.members = Set.of(self);
    }

    /** Takes this replica's Lease and starts renewing it and watching the others'. */
    public void start() {
        renew();
        informer = client.resources(Lease.class).inNamespace(namespace).withLabel(LABEL, "true")
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

    /** The name of the Lease of the replica {@code replica}. */
    public static String leaseName(String replica) {
        String name = "klambda-invoker-" + replica;
        return name.length() <= 253 ? name : name.substring(0, 253);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (informer != null) {
            informer.close();
        }
        try {
            client.resources(Lease.class).inNamespace(namespace).withName(leaseName(self)).delete();
        } catch (KubernetesClientException e) {
            LOG.debugf("could not delete the Lease of %s: %s", self, e.getMessage());
        }
    }

    private void renew() {
        Lease lease = new LeaseBuilder().withNewMetadata().withName(leaseName(self)).withNamespace(namespace)
                .addToLabels(LABEL, "true").endMetadata()
                .withNewSpec().withHolderIdentity(self)
                .withLeaseDurationSeconds((int) Math.max(1, duration.toSeconds()))
                .withRenewTime(ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)).endSpec()
                .build();
        try {
            client.resources(Lease.class).inNamespace(namespace).resource(lease).createOr(NonDeletingOperation::update);
        } catch (KubernetesClientException e) {
            // the next tick tries again; until the Lease expires the others still count this replica
            LOG.warnf(e, "could not renew the Lease of invoker %s", self);
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
            LOG.infof("invoker replicas: %s", live);
            members = Set.copyOf(live);
            changed.run();
        }
    }
}
