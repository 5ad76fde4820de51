package dev.klambda.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

import dev.klambda.controller.model.PoolDeployments;
import dev.klambda.controller.model.PoolSettings;
import dev.klambda.controller.model.PoolSpec;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodeLocations;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.ConfigMapCodeRef;
import dev.klambda.crds.v1alpha1.function.Environment;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.Runtime;
import dev.klambda.crds.v1alpha1.function.SecretKeyRef;

/**
 * The fake node against the mock API server, with the controller's own Deployments of a Python
 * function whose code the fetch init container downloads: pods come up on their own addresses
 * and answer invocations, follow scaling, restart after a crash, and fail when the code is not
 * what the Deployment says.
 */
@EnableKubernetesMockClient(crud = true)
class FakeNodeIT {

    static final String HANDLER = """
            import os

            def handler(event, context):
                return {"hello": event.get("name"), "greeting": os.environ["GREETING"], "token": os.environ["TOKEN"],
                        "task_root": os.environ["LAMBDA_TASK_ROOT"]}
            """;
    static final Duration STARTUP = Duration.ofSeconds(60);

    static KubernetesClient client;
    static FakeNode node;
    static HttpServer codeServer;
    static final Map<String, byte[]> zips = new ConcurrentHashMap<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startNode() throws IOException {
        codeServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        codeServer.createContext("/code/", exchange -> {
            byte[] zip = zips.get(exchange.getRequestURI().getPath().substring("/code/".length()));
            exchange.sendResponseHeaders(zip == null ? 404 : 200, zip == null ? -1 : zip.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (zip != null) {
                    out.write(zip);
                }
            }
        });
        codeServer.start();
        zips.put("hello.zip", PythonFunctions.zip(Map.of("app.py", HANDLER)));
        node = FakeNode.start(client, FakeNode.Options.defaults());
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
        codeServer.stop(0);
    }

    @Test
    void aPoolDeploymentBecomesReadyPodsOnTheirOwnAddressesThatAnswerInvocations() throws Exception {
        String namespace = namespace("ready");
        Deployment deployment = deploy(namespace, "hello", 2, "hello.zip", sha256("hello.zip"));

        List<Pod> pods = awaitReady(namespace, deployment, 2);

        assertThat(pods).extracting(pod -> pod.getStatus().getPodIP()).doesNotHaveDuplicates()
                .allMatch(ip -> ip.matches("127\\.0\\.0\\.\\d+"));
        assertThat(pods).allSatisfy(pod -> {
            assertThat(pod.getMetadata().getName()).matches("hello-latest-[a-z0-9]{5}");
            assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
            assertThat(pod.getStatus().getHostIP()).isEqualTo("127.0.0.1");
            assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(deployment.getMetadata().getUid()));
        });
        for (Pod pod : pods) {
            HttpResponse<String> response = invoke(pod, "{\"name\":\"" + pod.getMetadata().getName() + "\"}");
            assertThat(response.statusCode()).as(node.logs(pod)).isEqualTo(200);
            assertThat(response.body()).contains("\"hello\": \"" + pod.getMetadata().getName() + "\"")
                    .contains("\"greeting\": \"hi\"").contains("\"token\": \"s3cret\"")
                    .contains(node.options().workDirectory().resolve("pods").toString());
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Deployment status = client.apps().deployments().inNamespace(namespace).withName("hello-latest").get();
            assertThat(status.getStatus().getReadyReplicas()).isEqualTo(2);
            assertThat(status.getStatus().getUpdatedReplicas()).isEqualTo(2);
            assertThat(status.getStatus().getObservedGeneration()).isEqualTo(status.getMetadata().getGeneration());
        });
        assertThat(node.logs(pods.getFirst(), "fetch")).contains("fetch: done: code into");
        assertThat(node.logs(pods.getFirst(), "function")).contains("REPORT RequestId:");
    }

    @Test
    void scalingToZeroStopsThePodsProcessesAndScalingUpStartsNewPods() throws Exception {
        String namespace = namespace("scale");
        Deployment deployment = deploy(namespace, "hello", 2, "hello.zip", sha256("hello.zip"));
        List<Pod> before = awaitReady(namespace, deployment, 2);
        List<ProcessHandle> processes = before.stream().flatMap(pod -> node.processes(pod).stream()).toList();
        assertThat(processes).as("each pod runs its agent and the agent's Python runtime").hasSizeGreaterThanOrEqualTo(4);

        deploy(namespace, "hello", 0, "hello.zip", sha256("hello.zip"));
        await().atMost(Duration.ofSeconds(20)).until(() -> node.pods(namespace, "hello-latest").isEmpty());
        await("SIGTERM, then SIGKILL after the grace period").atMost(Duration.ofSeconds(20))
                .until(() -> processes.stream().noneMatch(ProcessHandle::isAlive));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.apps().deployments().inNamespace(namespace)
                .withName("hello-latest").get().getStatus().getReplicas() == 0);

        List<Pod> after = awaitReady(namespace, deploy(namespace, "hello", 1, "hello.zip", sha256("hello.zip")), 1);
        assertThat(after.getFirst().getMetadata().getName())
                .isNotIn(before.stream().map(pod -> pod.getMetadata().getName()).toList());
        assertThat(invoke(after.getFirst(), "{\"name\":\"again\"}").body()).contains("\"hello\": \"again\"");
    }

    @Test
    void aKilledPodTurnsNotReadyAndIsReadyAgainOnceItsContainerRestarted() throws Exception {
        String namespace = namespace("kill");
        Deployment deployment = deploy(namespace, "hello", 1, "hello.zip", sha256("hello.zip"));
        Pod pod = awaitReady(namespace, deployment, 1).getFirst();
        List<Event> seen = new CopyOnWriteArrayList<>();
        try (Watch watch = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                .watch(recorder(seen))) {
            List<ProcessHandle> crashed = node.processes(pod);

            node.kill(pod);

            assertThat(crashed).noneMatch(ProcessHandle::isAlive);
            await("not ready while the container restarts").atMost(Duration.ofSeconds(10))
                    .until(() -> seen.stream().anyMatch(e -> !FakeNode.ready(e.pod())));
            Pod restarted = await("ready again").atMost(STARTUP).until(
                    () -> client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get(),
                    FakeNode::ready);
            assertThat(function(restarted).getRestartCount()).isEqualTo(1);
            assertThat(function(restarted).getLastState().getTerminated().getExitCode()).isEqualTo(137);
            assertThat(restarted.getStatus().getPodIP()).isEqualTo(pod.getStatus().getPodIP());
            assertThat(invoke(restarted, "{\"name\":\"after the crash\"}").body()).contains("after the crash");
            assertThat(node.pods(namespace, "hello-latest")).extracting(p -> p.getMetadata().getName())
                    .containsExactly(pod.getMetadata().getName());
        }
    }

    @Test
    void aFetchThatFailsLeavesThePodFailedAndStartsNoFunction() throws Exception {
        String namespace = namespace("fail");
        String wrong = "0".repeat(64);
        Deployment deployment = deploy(namespace, "broken", 1, "hello.zip", wrong);

        Pod failed = await().atMost(STARTUP).until(() -> node.pods(namespace, "broken-latest"),
                pods -> pods.size() == 1 && "Failed".equals(pods.getFirst().getStatus().getPhase())).getFirst();

        assertThat(failed.getStatus().getMessage()).startsWith("init container fetch exited with code 1:")
                .contains("has SHA-256 " + sha256("hello.zip") + ", not the expected " + wrong);
        assertThat(FakeNode.ready(failed)).isFalse();
        assertThat(function(failed).getRestartCount()).isZero();
        assertThat(function(failed).getState().getWaiting()).isNotNull();
        assertThat(node.logs(failed, "function")).as("the function's container never ran").isEmpty();
        assertThat(node.processes(failed)).isEmpty();
        await("replaced after a backoff").atMost(Duration.ofSeconds(30))
                .until(() -> node.pods(namespace, "broken-latest").stream()
                        .noneMatch(p -> p.getMetadata().getName().equals(failed.getMetadata().getName())));
        assertThat(deployment.getMetadata().getName()).isEqualTo("broken-latest");
    }

    @Test
    void aChangedTemplateReplacesThePodsOnceTheNewOnesAreReady() throws Exception {
        String namespace = namespace("update");
        Deployment first = deploy(namespace, "hello", 1, "hello.zip", sha256("hello.zip"));
        Pod old = awaitReady(namespace, first, 1).getFirst();
        byte[] code = PythonFunctions.zip(Map.of("app.py", "def handler(event, context):\n    return {'version': 2}\n"));
        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName("hello-code")
                .endMetadata().addToBinaryData("code.zip", Base64.getEncoder().encodeToString(code)).build()).create();
        List<Event> seen = new CopyOnWriteArrayList<>();
        try (Watch watch = client.pods().inNamespace(namespace).watch(recorder(seen))) {

            Deployment second = deploy(namespace, "hello", 1, new Code(null, CodeDigest.sha256Hex(code), null,
                    new ConfigMapCodeRef("hello-code", null), null));

            Pod replacement = await("the new pod alone").atMost(STARTUP)
                    .until(() -> node.pods(namespace, second.getMetadata().getName()), pods -> pods.size() == 1
                            && !pods.getFirst().getMetadata().getUid().equals(old.getMetadata().getUid())
                            && FakeNode.ready(pods.getFirst()))
                    .getFirst();
            assertThat(invoke(replacement, "{}").body()).isEqualTo("{\"version\": 2}");
            int newReady = indexOf(seen, e -> e.pod().getMetadata().getName().equals(replacement.getMetadata().getName())
                    && FakeNode.ready(e.pod()));
            int oldDeleted = indexOf(seen, e -> e.pod().getMetadata().getName().equals(old.getMetadata().getName())
                    && e.action() == Watcher.Action.DELETED);
            assertThat(newReady).as("the new pod was ready before the old one went").isLessThan(oldDeleted);
            assertThat(seen.subList(0, oldDeleted)).as("the old pod stayed ready until then")
                    .filteredOn(e -> e.pod().getMetadata().getName().equals(old.getMetadata().getName()))
                    .allMatch(e -> FakeNode.ready(e.pod()));
            await().atMost(Duration.ofSeconds(20)).until(() -> node.processes(old).isEmpty());
        }
    }

    // ---- fixtures

    /** A namespace of its own, with the Secret the functions' TOKEN comes from. */
    static String namespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
        client.secrets().inNamespace(name).resource(new SecretBuilder().withNewMetadata().withName("tokens").endMetadata()
                .addToData("hello", Base64.getEncoder().encodeToString("s3cret".getBytes(StandardCharsets.UTF_8)))
                .build()).create();
        return name;
    }

    /**
     * Writes the controller's Deployment of function {@code name}'s $LATEST pool, whose code is {@code zip} of the code server.
     */
    static Deployment deploy(String namespace, String name, int replicas, String zip, String sha256) {
        return deploy(namespace, name, replicas,
                new Code(null, sha256, "http://127.0.0.1:" + codeServer.getAddress().getPort() + "/code/" + zip, null, null));
    }

    /** Writes the controller's Deployment of function {@code name}'s $LATEST pool. */
    static Deployment deploy(String namespace, String name, int replicas, Code code) {
        FunctionConfiguration configuration = new FunctionConfiguration();
        configuration.setRuntime(Runtime.PYTHON_3_12);
        configuration.setHandler("app.handler");
        configuration.setCode(code);
        configuration.setEnvironment(new Environment(Map.of("GREETING", "hi"),
                Map.of("TOKEN", new SecretKeyRef("tokens", "hello"))));
        PoolSettings settings = new PoolSettings("klambda/agent:test", Map.of("python3.12", "klambda/runtime-python3.12:test"),
                "IfNotPresent", "http://klambda-invoker.klambda-system:8080", new CodeLocations(null, Clock.systemUTC()),
                "klambda-system");
        Deployment desired = PoolDeployments.desired(new PoolSpec(namespace, name, "$LATEST", "000000000000", "us-east-1",
                configuration, List.of(), replicas, null, "revision-1"), settings);
        Deployment existing = client.apps().deployments().inNamespace(namespace).withName(desired.getMetadata().getName())
                .get();
        if (existing == null) {
            return client.apps().deployments().inNamespace(namespace).resource(desired).create();
        }
        return client.apps().deployments().inNamespace(namespace).withName(desired.getMetadata().getName())
                .edit(current -> {
                    current.setSpec(desired.getSpec());
                    return current;
                });
    }

    /** Waits for {@code count} ready pods of a Deployment just written, and says how long they took. */
    static List<Pod> awaitReady(String namespace, Deployment deployment, int count) {
        long start = System.nanoTime();
        List<Pod> ready = await("%d ready pods of %s".formatted(count, deployment.getMetadata().getName())).atMost(STARTUP)
                .until(() -> node.pods(namespace, deployment.getMetadata().getName()),
                        pods -> pods.size() == count && pods.stream().allMatch(FakeNode::ready));
        System.out.printf("FakeNodeIT: %d pod(s) of %s/%s ready in %d ms%n", count, namespace,
                deployment.getMetadata().getName(), (System.nanoTime() - start) / 1_000_000);
        return ready;
    }

    static HttpResponse<String> invoke(Pod pod, String event) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + pod.getStatus().getPodIP() + ":8080/2015-03-31/functions/function/invocations");
        return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(event)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static ContainerStatus function(Pod pod) {
        return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals("function")).findFirst()
                .orElseThrow();
    }

    /** What a watch saw. */
    record Event(Watcher.Action action, Pod pod) {
    }

    static Watcher<Pod> recorder(List<Event> seen) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                seen.add(new Event(action, pod));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
    }

    static int indexOf(List<Event> events, Predicate<Event> match) {
        for (int i = 0; i < events.size(); i++) {
            if (match.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event among " + events.size());
    }

    static String sha256(String zip) {
        return CodeDigest.sha256Hex(zips.get(zip));
    }
}
