package dev.klambda.poller.cluster;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.klambda.cluster.ReplicaLeases;

/** The poller service on the fabric8 mock server: ready, holding its Lease, and serving no Lambda API. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class PollerServiceTest {

    @Inject
    KubernetesClient client;

    @Test
    void isReadyOnceItKnowsTheMappingsAndHoldsItsLease() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                .body(containsString("event-source-mappings")));
        Lease lease = client.resources(Lease.class).inNamespace("klambda")
                .withName(ReplicaLeases.leaseName("poller", "poller-test")).get();
        assertThat(lease).isNotNull();
        assertThat(lease.getMetadata().getLabels()).containsEntry(ReplicaLeases.label("poller"), "true");
        given().get("/q/metrics").then().statusCode(200).body(containsString("klambda_poller_replicas 1.0"));
    }

    @Test
    void servesNoLambdaApi() {
        given().get("/2015-03-31/functions/").then().statusCode(404);
    }
}
