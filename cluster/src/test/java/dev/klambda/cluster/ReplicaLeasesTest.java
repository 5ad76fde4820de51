package dev.klambda.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

@EnableKubernetesMockClient(crud = true)
class ReplicaLeasesTest {

    static KubernetesClient client;

    ReplicaLeases leases(String namespace, String name, AtomicInteger changes) {
        return new ReplicaLeases(client, namespace, "invoker", name, Duration.ofSeconds(3), Clock.systemUTC(),
                changes::incrementAndGet);
    }

    @Test
    void replicasSeeEachOtherAndALeavingReplicaIsGoneAtOnce() {
        AtomicInteger changes = new AtomicInteger();
        try (ReplicaLeases a = leases("first", "invoker-a", changes)) {
            a.start();
            assertThat(a.members()).containsExactly("invoker-a");
            ReplicaLeases b = leases("first", "invoker-b", new AtomicInteger());
            b.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> a.members().equals(Set.of("invoker-a", "invoker-b")));
            assertThat(changes.get()).as("told when the replicas changed").isPositive();
            await().atMost(Duration.ofSeconds(5)).until(() -> b.members().equals(Set.of("invoker-a", "invoker-b")));

            b.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> a.members().equals(Set.of("invoker-a")));
            assertThat(
                    client.resources(Lease.class).inNamespace("first").withName(ReplicaLeases.leaseName("invoker", "invoker-b"))
                            .get())
                    .isNull();
        }
    }

    @Test
    void aReplicaThatStoppedRenewingNoLongerCounts() {
        client.resources(Lease.class).inNamespace("second").resource(new LeaseBuilder().withNewMetadata()
                .withName(ReplicaLeases.leaseName("invoker", "invoker-dead")).withNamespace("second")
                .addToLabels(ReplicaLeases.label("invoker"), "true").endMetadata()
                .withNewSpec().withHolderIdentity("invoker-dead").withLeaseDurationSeconds(3)
                .withRenewTime(ZonedDateTime.ofInstant(Instant.now().minusSeconds(60), ZoneOffset.UTC)).endSpec().build())
                .create();
        client.resources(Lease.class).inNamespace("second").resource(new LeaseBuilder().withNewMetadata()
                .withName(ReplicaLeases.leaseName("invoker", "invoker-alive")).withNamespace("second")
                .addToLabels(ReplicaLeases.label("invoker"), "true").endMetadata()
                .withNewSpec().withHolderIdentity("invoker-alive").withLeaseDurationSeconds(3600)
                .withRenewTime(ZonedDateTime.ofInstant(Instant.now(), ZoneOffset.UTC)).endSpec().build())
                .create();
        try (ReplicaLeases a = leases("second", "invoker-a", new AtomicInteger())) {
            a.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> a.members().equals(Set.of("invoker-a", "invoker-alive")));
        }
    }
}
