package dev.klambda.invoker.cluster.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.agent.InvokeServer;
import dev.klambda.cluster.Rendezvous;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.pool.DemandReports.PoolKey;
import dev.klambda.core.pool.PoolNames;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.invoker.invoke.Target;

/**
 * The dispatch rules, against pods whose agents are played by small HTTP servers speaking the
 * agent's invocation protocol; the end-to-end tests run real agents.
 */
class PodEnvironmentsTest {

    static final Tenant TENANT = new Tenant("default", "000000000000", List.of());
    static final PoolKey POOL = new PoolKey("default", PoolNames.pool("hello", "$LATEST"));

    Vertx vertx;
    PodDirectory directory;
    PodEnvironments environments;
    Set<String> replicas = new CopyOnWriteArraySet<>(Set.of("me"));
    AtomicInteger reports = new AtomicInteger();
    List<FakeAgent> agents = new ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        PodEnvironments[] holder = new PodEnvironments[1];
        directory = new PodDirectory(pool -> holder[0].podsChanged(pool));
        holder[0] = new PodEnvironments(vertx, directory, () -> replicas, "me", new PodClient(vertx),
                reports::incrementAndGet);
        environments = holder[0];
    }

    @AfterEach
    void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** An agent's HTTP face that holds every invocation until the test answers it. */
    final class FakeAgent {
        final HttpServer server;
        final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
        final AtomicInteger received = new AtomicInteger();
        volatile int maxConcurrent;
        final AtomicInteger concurrent = new AtomicInteger();

        FakeAgent() {
            server = vertx.createHttpServer().requestHandler(request -> {
                assertThat(request.path()).isEqualTo(InvokeServer.INVOKE_PATH);
                received.incrementAndGet();
                maxConcurrent = Math.max(maxConcurrent, concurrent.incrementAndGet());
                request.body().onSuccess(body -> held.add(request));
            }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
            agents.add(this);
        }

        int port() {
            return server.actualPort();
        }

        /** Answers the oldest held invocation with its own payload and request id. */
        void answer() {
            await().atMost(Duration.ofSeconds(5)).until(() -> !held.isEmpty());
            HttpServerRequest request = held.poll();
            concurrent.decrementAndGet();
            request.response().putHeader("Content-Type", "application/json").putHeader("X-Klambda-Duration", "1.5")
                    .end("{\"served\":\"" + request.getHeader("Lambda-Runtime-Aws-Request-Id") + "\"}");
        }

        void answerStatus(int status, String errorType) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !held.isEmpty());
            HttpServerRequest request = held.poll();
            concurrent.decrementAndGet();
            request.response().setStatusCode(status).putHeader("x-amzn-ErrorType", errorType).end("{}");
        }

        void dropConnection() {
            await().atMost(Duration.ofSeconds(5)).until(() -> !held.isEmpty());
            HttpServerRequest request = held.poll();
            concurrent.decrementAndGet();
            request.connection().close();
        }
    }

    static Pod pod(String uid, int port, boolean ready, String revision) {
        return new PodBuilder()
                .withMetadata(new ObjectMetaBuilder().withName("hello-latest-" + uid).withNamespace("default").withUid(uid)
                        .withLabels(PoolNames.labels("hello", "$LATEST"))
                        .withAnnotations(revision == null ? Map.of() : Map.of(PoolNames.REVISION, revision)).build())
                .withNewSpec().addNewContainer().withName("function").addNewPort().withName("invoke").withContainerPort(port)
                .endPort().endContainer().endSpec()
                .withNewStatus().withPodIP("127.0.0.1")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus()
                .build();
    }

    static Target target(String revision, int timeoutSeconds) {
        Function function = new Function();
        function.setMetadata(new ObjectMetaBuilder().withName("hello").withNamespace("default").build());
        FunctionSpec spec = new FunctionSpec();
        spec.setTimeout(timeoutSeconds);
        function.setSpec(spec);
        return new Target(TENANT, function, "$LATEST", spec, revision);
    }

    CompletableFuture<InvokeResult> invoke(String id) {
        return invoke(id, target("r1", 5));
    }

    CompletableFuture<InvokeResult> invoke(String id, Target target) {
        return environments.invoke(target, InvokeRequest.of(id, "{}".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture();
    }

    static String text(CompletableFuture<InvokeResult> result) throws Exception {
        return new String(result.get(5, TimeUnit.SECONDS).payload(), StandardCharsets.UTF_8);
    }

    @Test
    void sendsOneInvocationPerPodAndQueuesTheRestUntilAPodIsFree() throws Exception {
        FakeAgent a = new FakeAgent();
        FakeAgent b = new FakeAgent();
        directory.update(pod("a", a.port(), true, "r1"));
        directory.update(pod("b", b.port(), true, "r1"));

        CompletableFuture<InvokeResult> first = invoke("first");
        CompletableFuture<InvokeResult> second = invoke("second");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.received.get() == 1 && b.received.get() == 1);
        CompletableFuture<InvokeResult> third = invoke("third");
        await().atMost(Duration.ofSeconds(5)).until(() -> environments.demand().getOrDefault(POOL, 0) == 3);
        assertThat(reports.get()).as("a waiting request asks for a report at once").isPositive();
        assertThat(third).isNotDone();

        a.answer();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.received.get() == 2);
        assertThat(b.received.get()).isEqualTo(1);
        a.answer();
        b.answer();
        assertThat(text(first) + text(second) + text(third)).contains("\"served\":\"first\"", "\"served\":\"second\"",
                "\"served\":\"third\"");
        assertThat(a.maxConcurrent).isEqualTo(1);
        assertThat(b.maxConcurrent).isEqualTo(1);
        assertThat(environments.refusals()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> environments.demand().isEmpty());
        assertThat(first.get().durationMillis()).isEqualTo(1.5);
    }

    @Test
    void usesOnlyThePodsThisReplicaOwns() throws Exception {
        replicas.add("other");
        FakeAgent a = new FakeAgent();
        FakeAgent b = new FakeAgent();
        directory.update(pod("a", a.port(), true, "r1"));
        directory.update(pod("b", b.port(), true, "r1"));
        Map<String, String> owners = Rendezvous.assign(List.of("a", "b"), replicas);
        FakeAgent mine = "me".equals(owners.get("a")) ? a : b;
        FakeAgent theirs = mine == a ? b : a;

        CompletableFuture<InvokeResult> first = invoke("first");
        CompletableFuture<InvokeResult> second = invoke("second");
        await().atMost(Duration.ofSeconds(5)).until(() -> mine.received.get() == 1);
        assertThat(second).isNotDone();
        mine.answer();
        await().atMost(Duration.ofSeconds(5)).until(() -> mine.received.get() == 2);
        mine.answer();
        assertThat(text(first)).contains("first");
        assertThat(text(second)).contains("second");
        assertThat(theirs.received.get()).isZero();

        // the other replica leaves: its pod becomes this one's
        replicas.remove("other");
        environments.replicasChanged();
        CompletableFuture<InvokeResult> third = invoke("third");
        CompletableFuture<InvokeResult> fourth = invoke("fourth");
        await().atMost(Duration.ofSeconds(5)).until(() -> mine.received.get() == 3 && theirs.received.get() == 1);
        mine.answer();
        theirs.answer();
        assertThat(text(third) + text(fourth)).contains("third", "fourth");
    }

    @Test
    void aWaitingRequestTakesAPodThatTurnsReady() throws Exception {
        FakeAgent a = new FakeAgent();
        directory.update(pod("a", a.port(), false, "r1"));
        CompletableFuture<InvokeResult> call = invoke("call");
        await().atMost(Duration.ofSeconds(5)).until(() -> environments.demand().getOrDefault(POOL, 0) == 1);
        assertThat(a.received.get()).isZero();

        directory.update(pod("a", a.port(), true, "r1"));
        a.answer();
        assertThat(text(call)).contains("call");
    }

    @Test
    void aRequestNoPodTakesInTimeIsThrottled() {
        CompletableFuture<InvokeResult> call = invoke("late", target("r1", 1));
        assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(LambdaException.class).hasMessage("Rate Exceeded.");
        await().atMost(Duration.ofSeconds(5)).until(() -> environments.demand().isEmpty());
    }

    @Test
    void aPodThatRefusesTheInvocationIsLeftForAnother() throws Exception {
        FakeAgent a = new FakeAgent();
        directory.update(pod("a", a.port(), true, "r1"));
        CompletableFuture<InvokeResult> call = invoke("call");
        // another replica still runs an invocation there (it owned the pod until a moment ago)
        a.answerStatus(409, "Environment.Busy");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.received.get() == 2);
        assertThat(environments.refusals()).isEqualTo(1);
        a.answer();
        assertThat(text(call)).contains("call");
    }

    @Test
    void aPodLostDuringTheInvocationIsAnEnvironmentCrash() throws Exception {
        FakeAgent a = new FakeAgent();
        directory.update(pod("a", a.port(), true, "r1"));
        CompletableFuture<InvokeResult> call = invoke("crash");
        a.dropConnection();
        InvokeResult result = call.get(5, TimeUnit.SECONDS);
        assertThat(result.functionError()).isEqualTo("Unhandled");
        assertThat(result.errorType()).isEqualTo("Runtime.ExitError");
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: crash Error: Runtime exited without providing a reason\"}");
        assertThat(a.received.get()).as("never sent twice: the function may have run").isEqualTo(1);
    }

    @Test
    void latestGoesOnlyToPodsOfTheRevisionInvoked() throws Exception {
        FakeAgent old = new FakeAgent();
        FakeAgent current = new FakeAgent();
        directory.update(pod("old", old.port(), true, "r1"));
        CompletableFuture<InvokeResult> call = invoke("after-update", target("r2", 5));
        await().atMost(Duration.ofSeconds(5)).until(() -> environments.demand().getOrDefault(POOL, 0) == 1);
        directory.update(pod("current", current.port(), true, "r2"));
        current.answer();
        assertThat(text(call)).contains("after-update");
        assertThat(old.received.get()).isZero();
    }

    @Test
    void countsReadyPodsAsInitialised() {
        directory.update(pod("a", 1, true, "r1"));
        directory.update(pod("b", 2, false, "r1"));
        assertThat(environments.initialised("default", "hello", "$LATEST")).isEqualTo(1);
        assertThat(environments.initialised("default", "hello", "1")).isZero();
    }
}
