package dev.klambda.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.klambda.core.pool.DemandReports;
import dev.klambda.core.pool.PoolNames;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * klambda as a platform team installs it, without a cluster ({@link ClusterPlatform}): the fabric8
 * mock server is the API server, the real controller and the real cluster invoker run as processes
 * of their own against it, and the {@link FakeNode} runs the function pods the controller asks for
 * as local agent and Python processes. Functions are made and called with the AWS SDK through the
 * invoker.
 */
class ClusterIT {

    static final String HANDLER = """
            import os, time

            def handler(event, context):
                if isinstance(event, dict) and event.get("sleep"):
                    time.sleep(event["sleep"])
                return {"echo": event, "version": context.function_version, "pod": os.environ.get("HOSTNAME", "")}
            """;
    static final Duration IDLE_TIME = Duration.ofSeconds(6);
    static final Duration POD_STARTUP = Duration.ofSeconds(90);

    static ClusterPlatform platform;
    static KubernetesClient kubernetes;
    static FakeNode node;
    static LambdaClient lambda;
    /** Concurrent callers (the common pool may have a single thread on a small machine). */
    static final ExecutorService callers = Executors.newFixedThreadPool(4);

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = ClusterPlatform.start(ClusterPlatform.Options.defaults().withIdleTime(IDLE_TIME)
                .withWorkDirectory(Path.of("target", "cluster-it", Long.toString(System.currentTimeMillis()))));
        kubernetes = platform.kubernetes();
        node = platform.node();
        lambda = platform.lambda();
    }

    @AfterAll
    static void stopPlatform() {
        callers.shutdownNow();
        if (platform != null) {
            platform.close();
        }
    }

    static void createFunction(String name) throws IOException {
        PythonFunctions.create(lambda, name, HANDLER, Map.of());
    }

    static InvokeResponse invoke(String name, String payload) {
        return lambda.invoke(r -> r.functionName(name).payload(SdkBytes.fromUtf8String(payload)));
    }

    static Deployment pool(String function, String version) {
        return kubernetes.apps().deployments().inNamespace("default").withName(PoolNames.pool(function, version)).get();
    }

    static List<Pod> readyPods(String function, String version) {
        return node.pods("default", PoolNames.pool(function, version)).stream().filter(FakeNode::ready).toList();
    }

    @Test
    void aFunctionMadeWithTheSdkAnswersThroughItsPool() throws Exception {
        createFunction("hello");
        InvokeResponse first = invoke("hello", "{\"n\":1}");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.functionError()).isNull();
        assertThat(first.executedVersion()).isEqualTo("$LATEST");
        assertThat(first.payload().asUtf8String()).contains("\"echo\": {\"n\": 1}", "\"version\": \"$LATEST\"");
        assertThat(pool("hello", "$LATEST").getSpec().getReplicas()).isPositive();

        String version = lambda.publishVersion(r -> r.functionName("hello")).version();
        assertThat(version).isEqualTo("1");
        lambda.createAlias(r -> r.functionName("hello").name("live").functionVersion("1"));
        InvokeResponse viaAlias = invoke("hello:live", "{\"n\":2}");
        assertThat(viaAlias.functionError()).isNull();
        assertThat(viaAlias.executedVersion()).isEqualTo("1");
        assertThat(viaAlias.payload().asUtf8String()).contains("\"version\": \"1\"");
        assertThat(pool("hello", "1")).isNotNull();
    }

    @Test
    void poolsGrowUnderLoadAndShrinkToZeroWhenIdleWhileProvisionedPodsStay() throws Exception {
        createFunction("busy");
        lambda.publishVersion(r -> r.functionName("busy"));
        lambda.createAlias(r -> r.functionName("busy").name("prod").functionVersion("1"));
        lambda.putProvisionedConcurrencyConfig(r -> r.functionName("busy").qualifier("prod")
                .provisionedConcurrentExecutions(1));
        await().atMost(POD_STARTUP).until(() -> readyPods("busy", "1").size() == 1);

        List<CompletableFuture<InvokeResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> invoke("busy", "{\"sleep\": 3}"), callers));
        }
        // the invoker reports the waiting requests at once, and the controller sizes the pool from them
        await().atMost(Duration.ofSeconds(10)).until(() -> kubernetes.configMaps().inNamespace("klambda")
                .withLabel(DemandReports.LABEL, "true").list().getItems().stream()
                .anyMatch(report -> report.getData() != null
                        && DemandReports.parseDemand(report.getData().get(DemandReports.key("default",
                                PoolNames.pool("busy", "$LATEST")))) >= 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> pool("busy", "$LATEST").getSpec().getReplicas() >= 2);
        await().atMost(POD_STARTUP).until(() -> readyPods("busy", "$LATEST").size() >= 2);
        for (CompletableFuture<InvokeResponse> call : calls) {
            InvokeResponse response = call.get(POD_STARTUP.toSeconds(), TimeUnit.SECONDS);
            assertThat(response.functionError()).isNull();
            assertThat(response.payload().asUtf8String()).contains("\"sleep\": 3");
        }

        await().atMost(IDLE_TIME.multipliedBy(4)).until(() -> pool("busy", "$LATEST").getSpec().getReplicas() == 0
                && node.pods("default", PoolNames.pool("busy", "$LATEST")).isEmpty());
        assertThat(pool("busy", "1").getSpec().getReplicas()).as("provisioned concurrency stays").isEqualTo(1);
        assertThat(readyPods("busy", "1")).hasSize(1);
        assertThat(invoke("busy:prod", "{}").functionError()).isNull();
    }

    @Test
    void aPodKilledDuringAnInvocationFailsItCleanlyAndThePoolRecovers() throws Exception {
        createFunction("fragile");
        lambda.publishVersion(r -> r.functionName("fragile"));
        lambda.putProvisionedConcurrencyConfig(r -> r.functionName("fragile").qualifier("1")
                .provisionedConcurrentExecutions(1));
        await().atMost(POD_STARTUP).until(() -> readyPods("fragile", "1").size() == 1);
        Pod pod = readyPods("fragile", "1").get(0);

        CompletableFuture<InvokeResponse> call = CompletableFuture.supplyAsync(() -> invoke("fragile:1", "{\"sleep\": 30}"),
                callers);
        await().atMost(Duration.ofSeconds(30)).until(() -> node.logs(pod).contains("START RequestId"));
        node.kill(pod);
        InvokeResponse failed = call.get(60, TimeUnit.SECONDS);
        assertThat(failed.statusCode()).isEqualTo(200);
        assertThat(failed.functionError()).isEqualTo("Unhandled");
        assertThat(failed.payload().asUtf8String()).contains("Runtime.ExitError");

        InvokeResponse after = invoke("fragile:1", "{\"n\":3}");
        assertThat(after.functionError()).isNull();
        assertThat(after.payload().asUtf8String()).contains("\"echo\": {\"n\": 3}");
    }
}
