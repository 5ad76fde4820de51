package dev.klambda.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

import dev.klambda.core.pool.DemandReports;
import dev.klambda.core.pool.PoolNames;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * klambda as a platform team installs it, without a cluster: the fabric8 mock server is the API
 * server, the real controller and the real cluster invoker run as processes of their own against
 * it, and the {@link FakeNode} runs the function pods the controller asks for as local agent and
 * Python processes. Functions are made and called with the AWS SDK through the invoker.
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

    static KubernetesMockServer server;
    static KubernetesClient kubernetes;
    static FakeNode node;
    static ServiceProcess invoker;
    static ServiceProcess controller;
    static LambdaClient lambda;
    /** Concurrent callers (the common pool may have a single thread on a small machine). */
    static final ExecutorService callers = Executors.newFixedThreadPool(4);

    @BeforeAll
    static void startPlatform() throws Exception {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        // The controller's leader election first asks whether it may use Leases; the mock server cannot review rules.
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
                        .withApiGroups("coordination.k8s.io").withResources("leases")
                        .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").endResourceRule()
                        .withIncomplete(false).endStatus().build())
                .always();
        kubernetes = server.createClient();
        try (Stream<Path> crds = Files.list(Path.of("../crds/manifests"))) {
            for (Path crd : crds.sorted().toList()) {
                try (InputStream in = Files.newInputStream(crd)) {
                    kubernetes.resource(kubernetes.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
                            .create();
                }
            }
        }
        for (String namespace : List.of("klambda", "default")) {
            kubernetes.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                    .build()).create();
        }

        Path work = Files.createDirectories(Path.of("target", "cluster-it", Long.toString(System.currentTimeMillis())));
        Path codeStore = Files.createDirectories(work.resolve("code-store"));
        int invokerPort = ServiceProcess.freePort();
        Map<String, String> shared = new HashMap<>();
        shared.put("quarkus.kubernetes-client.api-server-url", kubernetes.getConfiguration().getMasterUrl());
        shared.put("quarkus.kubernetes-client.trust-certs", "true");
        shared.put("quarkus.kubernetes-client.namespace", "klambda");
        shared.put("klambda.region", "us-east-1");
        shared.put("klambda.system-namespace", "klambda");
        shared.put("klambda.tenants[0].namespace", "default");
        shared.put("klambda.tenants[0].account-id", "000000000000");
        shared.put("klambda.tenants[0].concurrency-limit", "20");
        shared.put("klambda.code-store.directory", codeStore.toAbsolutePath().toString());
        shared.put("klambda.code-store.url", "http://127.0.0.1:" + invokerPort);
        shared.put("klambda.code-store.signing-key", "cluster-it-signing-key");

        Map<String, String> invokerProperties = new HashMap<>(shared);
        invokerProperties.put("klambda.tenants[0].access-keys[0].id", "test");
        invokerProperties.put("klambda.tenants[0].access-keys[0].secret", "test");
        invokerProperties.put("klambda.invoker.name", "invoker-0");
        invokerProperties.put("klambda.invoker.demand-report-interval", "1s");
        invoker = ServiceProcess.start("invoker", Path.of("../invoker/main/target/quarkus-app/quarkus-run.jar"),
                invokerPort, invokerProperties, work, Duration.ofSeconds(60));

        Map<String, String> controllerProperties = new HashMap<>(shared);
        controllerProperties.put("klambda.controller.agent-image", "klambda/agent:test");
        controllerProperties.put("klambda.controller.runtime-images.\"python3.12\"", "klambda/runtime-python3.12:test");
        controllerProperties.put("klambda.controller.idle-time", IDLE_TIME.toSeconds() + "s");
        controllerProperties.put("klambda.controller.demand-staleness", "5s");
        controllerProperties.put("quarkus.operator-sdk.crd.apply", "false");
        controllerProperties.put("quarkus.operator-sdk.crd.validate", "false");
        controller = ServiceProcess.start("controller", Path.of("../controller/target/quarkus-app/quarkus-run.jar"),
                ServiceProcess.freePort(), controllerProperties, work, Duration.ofSeconds(60));

        node = FakeNode.start(kubernetes, FakeNode.Options.defaults().withWorkDirectory(work.resolve("node")));
        lambda = LambdaClient.builder().endpointOverride(URI.create(invoker.url())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1)).apiCallTimeout(Duration.ofSeconds(120)))
                .build();
    }

    @AfterAll
    static void stopPlatform() {
        callers.shutdownNow();
        for (AutoCloseable closeable : new AutoCloseable[] { lambda, node, controller, invoker }) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep stopping the others
            }
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    static byte[] zip(String name, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    static void createFunction(String name) throws IOException {
        SdkBytes code = SdkBytes.fromByteArray(zip("app.py", HANDLER));
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/" + name).timeout(60).code(c -> c.zipFile(code)));
        await().atMost(Duration.ofSeconds(30)).until(() -> lambda.getFunction(r -> r.functionName(name)).configuration()
                .state() == State.ACTIVE);
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
