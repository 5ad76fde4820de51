package dev.klambda.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;

import dev.klambda.core.pool.PoolNames;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Two invoker replicas in front of one pool: they divide its pods between them (no pod ever refuses
 * a call because the other replica's call runs there), and when one replica leaves, the other takes
 * its pods over.
 */
class InvokerReplicasIT {

    static final String HANDLER = """
            import os, time

            def handler(event, context):
                time.sleep(event.get("sleep", 0))
                return {"runtime_pid": os.getpid()}
            """;
    static final int PODS = 4;

    static ClusterPlatform platform;
    static ServiceProcess second;
    static LambdaClient viaSecond;
    static final ExecutorService callers = Executors.newFixedThreadPool(2 * PODS);

    @BeforeAll
    static void start() throws Exception {
        platform = ClusterPlatform.start(ClusterPlatform.Options.defaults());
        second = platform.startInvoker("invoker-1");
        viaSecond = platform.lambda(second);
    }

    @AfterAll
    static void stop() {
        callers.shutdownNow();
        if (viaSecond != null) {
            viaSecond.close();
        }
        if (second != null) {
            second.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    static Set<Object> runtimes(List<CompletableFuture<InvokeResponse>> calls) throws Exception {
        Set<Object> pids = new HashSet<>();
        for (CompletableFuture<InvokeResponse> call : calls) {
            InvokeResponse response = call.get(120, TimeUnit.SECONDS);
            assertThat(response.functionError()).as(response.payload().asUtf8String()).isNull();
            pids.add(response.payload().asUtf8String());
        }
        return pids;
    }

    static List<CompletableFuture<InvokeResponse>> calls(LambdaClient lambda, int count) {
        List<CompletableFuture<InvokeResponse>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> lambda.invoke(r -> r.functionName("shared:1")
                    .payload(SdkBytes.fromUtf8String("{\"sleep\": 2}"))), callers));
        }
        return calls;
    }

    @Test
    void replicasDivideThePodsAndTheOneThatStaysTakesThemAllOver() throws Exception {
        LambdaClient viaFirst = platform.lambda();
        PythonFunctions.create(viaFirst, "shared", HANDLER, Map.of());
        viaFirst.publishVersion(r -> r.functionName("shared"));
        viaFirst.putProvisionedConcurrencyConfig(r -> r.functionName("shared").qualifier("1")
                .provisionedConcurrentExecutions(PODS));
        await().atMost(Duration.ofMinutes(3)).until(() -> platform.node()
                .pods(ClusterPlatform.TENANT_NAMESPACE, PoolNames.pool("shared", "1")).stream()
                .filter(FakeNode::ready).count() == PODS);
        await().atMost(Duration.ofSeconds(30)).until(() -> platform.invoker().metric("klambda_invoker_replicas") == 2
                && second.metric("klambda_invoker_replicas") == 2);

        // Each replica sends only to its half of the pods. As many calls at once through each as it has
        // pods, so none waits (a waiting call would rightly grow the pool), in a few rounds.
        Set<Object> firstRuntimes = new HashSet<>();
        Set<Object> otherRuntimes = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            List<CompletableFuture<InvokeResponse>> first = calls(viaFirst, PODS / 2);
            List<CompletableFuture<InvokeResponse>> other = calls(viaSecond, PODS / 2);
            Set<Object> firstRound = runtimes(first);
            Set<Object> otherRound = runtimes(other);
            assertThat(firstRound).as("round %d: one pod per call", round).hasSize(PODS / 2);
            assertThat(otherRound).as("round %d: one pod per call", round).hasSize(PODS / 2);
            firstRuntimes.addAll(firstRound);
            otherRuntimes.addAll(otherRound);
        }
        assertThat(firstRuntimes).as("always the same pods").hasSize(PODS / 2);
        assertThat(otherRuntimes).as("always the same pods").hasSize(PODS / 2).doesNotContainAnyElementsOf(firstRuntimes);
        assertThat(platform.invoker().metric("klambda_invoker_pod_refusals_total")).isZero();
        assertThat(second.metric("klambda_invoker_pod_refusals_total")).isZero();

        // The second replica leaves: the first one sees it go and uses every pod.
        second.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> platform.invoker().metric("klambda_invoker_replicas") == 1);
        Set<Object> allRuntimes = runtimes(calls(viaFirst, PODS));
        assertThat(allRuntimes).hasSize(PODS).containsAll(otherRuntimes);
        assertThat(platform.invoker().metric("klambda_invoker_pod_refusals_total")).isZero();
        List<Pod> pods = platform.node().pods(ClusterPlatform.TENANT_NAMESPACE, PoolNames.pool("shared", "1"));
        assertThat(pods).hasSize(PODS);
    }
}
