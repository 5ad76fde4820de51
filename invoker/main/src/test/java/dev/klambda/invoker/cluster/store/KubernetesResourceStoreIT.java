package dev.klambda.invoker.cluster.store;

import static dev.klambda.invoker.cluster.Fixtures.alias;
import static dev.klambda.invoker.cluster.Fixtures.function;
import static dev.klambda.invoker.cluster.Fixtures.mapping;
import static dev.klambda.invoker.cluster.Fixtures.version;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.klambda.core.status.Conditions;
import dev.klambda.core.status.VersionPublication;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriteException.Reason;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.store.Resources;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.AliasSpec;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.invoker.cluster.KlambdaCrds;
import dev.klambda.invoker.cluster.StandInController;

/**
 * The cluster invoker's resource store against the fabric8 mock API server: it reads what anyone
 * creates through the API the ways Lambda looks things up, writes with the API server's rules and
 * errors, reads its own writes, and leaves status to the controller.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = KlambdaCrds.class)
class KubernetesResourceStoreIT {

    static final Duration WAIT = Duration.ofSeconds(10);
    /** {@code klambda.invoker.publish-timeout} in the test profile. */
    static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(3);

    @Inject
    KubernetesClient client;
    @Inject
    KubernetesResourceStore cluster;
    @Inject
    ResourceStore store;
    @Inject
    ResourceWriter writer;

    @BeforeEach
    void synced() {
        await().atMost(WAIT).until(cluster::synced);
    }

    @Test
    void producesItselfAsTheStoreAndTheWriter() {
        assertThat(store).isInstanceOf(KubernetesResourceStore.class);
        assertThat(writer).isInstanceOf(KubernetesResourceStore.class);
    }

    @Test
    void readsTheFourKindsTheWaysLambdaLooksThemUp() {
        client.resource(function("default", "reader-b")).create();
        client.resource(function("default", "reader-a-resource", "reader-a")).create();
        client.resource(version("default", "reader-b-3", "reader-b", 3)).create();
        client.resource(version("default", "reader-b-1", "reader-b", 1)).create();
        client.resource(version("default", "reader-b-new", "reader-b")).create();
        client.resource(alias("default", "reader-b-prod", "reader-b", "prod", "1")).create();
        client.resource(alias("default", "reader-b-beta", "reader-b", null, "3")).create();
        client.resource(mapping("default", "reader-orders", "reader-b")).create();
        Function elsewhere = client.resource(function("other", "reader-b")).create();
        client.resource(function("stranger", "reader-c")).create();

        await().atMost(WAIT).until(() -> store.versions("default", "reader-b").size() == 3
                && store.aliases("default", "reader-b").size() == 2
                && !store.eventSourceMappings("default").isEmpty() && !store.functions("other").isEmpty());

        assertThat(names(store.functions("default"), Function::functionName)).as("sorted by Lambda name")
                .containsSubsequence("reader-a", "reader-b");
        assertThat(store.function("default", "reader-a")).get()
                .satisfies(f -> assertThat(f.getMetadata().getName()).isEqualTo("reader-a-resource"));
        assertThat(store.function("default", "reader-a-resource")).as("found by its Lambda name only").isEmpty();
        assertThat(store.versions("default", "reader-b")).extracting(v -> v.getSpec().version())
                .as("by number, unpublished last").containsExactly(1, 3, null);
        assertThat(store.version("default", "reader-b", 3)).get()
                .satisfies(v -> assertThat(v.getMetadata().getName()).isEqualTo("reader-b-3"));
        assertThat(store.publishedVersion("default", "reader-b", "2")).isEmpty();
        assertThat(store.aliases("default", "reader-b")).extracting(Alias::aliasName).containsExactly("prod",
                "reader-b-beta");
        assertThat(store.alias("default", "reader-b", "prod")).get()
                .satisfies(a -> assertThat(a.getSpec().functionVersion()).isEqualTo("1"));
        assertThat(names(store.eventSourceMappings("default"), m -> m.getMetadata().getName()))
                .contains("reader-orders");

        assertThat(store.function("other", "reader-b")).get()
                .satisfies(f -> assertThat(f.getMetadata().getUid()).isEqualTo(elsewhere.getMetadata().getUid()));
        assertThat(store.versions("other", "reader-b")).as("another namespace is another account").isEmpty();
        assertThat(store.functions("stranger")).as("not a tenant's namespace").isEmpty();
        assertThat(store.function("stranger", "reader-c")).isEmpty();
    }

    @Test
    void followsChangesAndDeletionsMadeByOthers() {
        client.resource(function("default", "follow")).create();
        Version one = client.resource(version("default", "follow-1", "follow", 1)).create();
        client.resource(version("default", "follow-2", "follow", 2)).create();
        Alias live = client.resource(alias("default", "follow-live", "follow", "live", "1")).create();
        await().atMost(WAIT).until(() -> store.alias("default", "follow", "live").isPresent()
                && store.versions("default", "follow").size() == 2);

        live.setSpec(new AliasSpec("follow", "live", "2", null, null, null, null, null));
        client.resource(live).update();
        client.resource(one).delete();
        await().atMost(WAIT).until(() -> store.alias("default", "follow", "live").orElseThrow().getSpec()
                .functionVersion().equals("2") && store.versions("default", "follow").size() == 1);
        assertThat(store.version("default", "follow", 1)).isEmpty();
        assertThat(store.aliases("default", "follow")).singleElement()
                .satisfies(a -> assertThat(a.getSpec().functionVersion()).isEqualTo("2"));
    }

    @Test
    void neverMissesAFunctionWhileItChanges() throws InterruptedException {
        writer.create(function("default", "busy"));
        AtomicBoolean changing = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger misses = new AtomicInteger();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (changing.get()) {
                reads.incrementAndGet();
                if (store.function("default", "busy").isEmpty()
                        || store.functions("default").stream().noneMatch(f -> f.functionName().equals("busy"))) {
                    misses.incrementAndGet();
                }
            }
        });
        // The controller rewrites status often; every rewrite moves the object through the indexes.
        for (int i = 0; i < 40; i++) {
            Function current = client.resources(Function.class).inNamespace("default").withName("busy").get();
            current.setStatus(new FunctionStatus((long) i, null, FunctionStatus.State.Pending, null, null, null, null,
                    null, null, null, null, "r" + i, null));
            client.resource(current).updateStatus();
        }
        await().atMost(WAIT).until(() -> "r39".equals(store.function("default", "busy").orElseThrow().getStatus()
                .revisionId()));
        changing.set(false);
        reader.join();
        assertThat(reads.get()).isPositive();
        assertThat(misses.get()).as("reads that missed the function, of " + reads.get()).isZero();
    }

    @Test
    void readsItsOwnWritesWhenTheyReturn() {
        Function created = writer.create(function("default", "own"));
        assertThat(store.function("default", "own")).get().satisfies(f -> assertThat(f.getMetadata()
                .getResourceVersion()).isEqualTo(created.getMetadata().getResourceVersion()));
        assertThat(client.resources(Function.class).inNamespace("default").withName("own").get()).isNotNull();

        Function changed = Resources.editable(created);
        changed.getSpec().setMemorySize(512);
        Function replaced = writer.replace(changed);
        assertThat(replaced.getSpec().getMemorySize()).isEqualTo(512);
        assertThat(store.function("default", "own").orElseThrow().getSpec().getMemorySize()).isEqualTo(512);
        assertThat(store.functions("default")).filteredOn(f -> f.functionName().equals("own")).singleElement()
                .satisfies(f -> assertThat(f.getSpec().getMemorySize()).isEqualTo(512));

        Alias alias = writer.create(alias("default", "own-live", "own", "live", "$LATEST"));
        assertThat(store.aliases("default", "own")).containsExactly(alias);
        writer.delete(alias);
        assertThat(store.aliases("default", "own")).isEmpty();

        writer.delete(replaced);
        assertThat(store.function("default", "own")).isEmpty();
        assertThat(store.functions("default")).noneMatch(f -> f.functionName().equals("own"));
        assertThat(client.resources(Function.class).inNamespace("default").withName("own").get()).isNull();
    }

    @Test
    void refusesToCreateWhatExists() {
        writer.create(function("default", "twice"));
        assertRefused(() -> writer.create(function("default", "twice")), Reason.EXISTS);
        assertRefused(() -> writer.create(function("default", "twice-again", "twice")), Reason.EXISTS);
        assertThat(client.resources(Function.class).inNamespace("default").withName("twice-again").get()).isNull();
        // The same names in another tenant's namespace are that tenant's.
        assertThat(writer.create(function("other", "twice")).getMetadata().getNamespace()).isEqualTo("other");
    }

    @Test
    void refusesWritesBasedOnAStaleRead() {
        Function read = writer.create(function("default", "stale"));
        Function theirs = client.resources(Function.class).inNamespace("default").withName("stale").get();
        theirs.getSpec().setTimeout(30);
        String now = client.resource(theirs).update().getMetadata().getResourceVersion();
        await().atMost(WAIT).until(() -> store.function("default", "stale").orElseThrow().getMetadata()
                .getResourceVersion().equals(now));

        Function mine = Resources.editable(read);
        mine.getSpec().setMemorySize(1024);
        assertRefused(() -> writer.replace(mine), Reason.CHANGED);
        assertRefused(() -> writer.delete(read), Reason.CHANGED);
        assertThat(store.function("default", "stale").orElseThrow().getSpec().getTimeout()).isEqualTo(30);

        // Without a resourceVersion the caller asks for the last write to win.
        Function blind = Resources.editable(read);
        blind.getMetadata().setResourceVersion(null);
        blind.getSpec().setMemorySize(1024);
        assertThat(writer.replace(blind).getSpec().getMemorySize()).isEqualTo(1024);
    }

    @Test
    void saysWhatIsGoneIsGone() {
        assertRefused(() -> writer.replace(function("default", "ghost")), Reason.GONE);
        assertRefused(() -> writer.delete(function("default", "ghost")), Reason.GONE);
        Function once = writer.create(function("default", "once"));
        writer.delete(once);
        Function again = Resources.editable(once);
        assertRefused(() -> writer.replace(again), Reason.GONE);
        assertRefused(() -> writer.delete(once), Reason.GONE);
    }

    @Test
    void refusesWhatTheApiServersRulesRefuseWithTheirMessages() {
        Function small = function("default", "tiny");
        small.getSpec().setMemorySize(64);
        ResourceWriteException invalid = assertRefused(() -> writer.create(small), Reason.INVALID);
        assertThat(invalid.problems()).singleElement().asString().startsWith("spec.memorySize: Invalid value: 64");
        assertThat(invalid.getMessage()).startsWith("Function(default/tiny) is invalid: spec.memorySize");
        assertThat(client.resources(Function.class).inNamespace("default").withName("tiny").get()).isNull();

        Alias alias = writer.create(alias("default", "moving-live", "moving", "live", "$LATEST"));
        Alias moved = Resources.editable(alias);
        moved.setSpec(new AliasSpec("elsewhere", "live", "$LATEST", null, null, null, null, null));
        ResourceWriteException immutable = assertRefused(() -> writer.replace(moved), Reason.INVALID);
        assertThat(immutable.problems()).anyMatch(p -> p.startsWith("spec:") && p.contains("functionName"));
        assertThat(store.alias("default", "moving", "live")).isPresent();
    }

    @Test
    void leavesStatusToTheController() {
        Function created = writer.create(function("default", "keeps-status"));
        Function observed = client.resources(Function.class).inNamespace("default").withName("keeps-status").get();
        observed.setStatus(new FunctionStatus(1L, null, FunctionStatus.State.Active, null, null, null, null, null,
                "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=", 3L, null, "r1", null));
        client.resource(observed).updateStatus();
        await().atMost(WAIT).until(() -> store.function("default", "keeps-status").orElseThrow().getStatus() != null);

        Function changed = Resources.editable(store.function("default", "keeps-status").orElseThrow());
        assertThat(changed.getStatus()).as("what callers write has no status").isNull();
        changed.getSpec().setDescription("changed");
        Function replaced = writer.replace(changed);

        assertThat(replaced.getStatus()).isNotNull();
        assertThat(replaced.getStatus().state()).isEqualTo(FunctionStatus.State.Active);
        assertThat(replaced.getSpec().getDescription()).isEqualTo("changed");
        assertThat(client.resources(Function.class).inNamespace("default").withName("keeps-status").get().getStatus()
                .revisionId()).isEqualTo("r1");
        assertThat(created.getStatus()).isNull();
    }

    @Test
    void createsAVersionAndWaitsUntilTheControllerPublishesIt() {
        writer.create(function("default", "pub-wait"));
        try (var controller = StandInController.publishing(client, "default", "pub-wait")) {
            Version published = writer.create(version("default", "pub-wait-x", "pub-wait"));
            assertThat(published.getSpec().version()).isEqualTo(1);
            assertThat(published.getSpec().snapshot()).isNotNull();
            assertThat(store.version("default", "pub-wait", 1)).isPresent();
        }
    }

    @Test
    void answersAtOnceWhenTheControllerRefusesAVersionForGood() {
        writer.create(function("default", "pub-refused"));
        try (var controller = StandInController.refusing(client, "default", "pub-refused",
                VersionPublication.CODE_SHA256_MISMATCH, "CodeSHA256 (x) is different from current CodeSHA256")) {
            Instant start = Instant.now();
            Version refused = writer.create(version("default", "pub-refused-x", "pub-refused"));
            assertThat(Duration.between(start, Instant.now())).isLessThan(PUBLISH_TIMEOUT);
            assertThat(refused.getSpec().snapshot()).isNull();
            assertThat(VersionPublication.refusal(refused)).get().extracting(Condition::reason)
                    .isEqualTo(VersionPublication.CODE_SHA256_MISMATCH);
        }
    }

    @Test
    void keepsWaitingWhileTheFunctionIsNotActiveYet() {
        writer.create(function("default", "pub-pending"));
        try (var controller = StandInController.refusing(client, "default", "pub-pending",
                VersionPublication.FUNCTION_NOT_ACTIVE, "function pub-pending is not Active")) {
            Instant start = Instant.now();
            Version waiting = writer.create(version("default", "pub-pending-x", "pub-pending"));
            assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(PUBLISH_TIMEOUT);
            assertThat(Conditions.find(waiting.getStatus().conditions(), VersionPublication.CONDITION)).get()
                    .extracting(Condition::reason).isEqualTo(VersionPublication.FUNCTION_NOT_ACTIVE);
        }
    }

    @Test
    void isReadyOnceTheCachesHaveSynced() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("resource-store"))
                .body("checks.find { it.name == 'resource-store' }.status", equalTo("UP"));
    }

    private static ResourceWriteException assertRefused(Runnable write, Reason reason) {
        try {
            write.run();
        } catch (ResourceWriteException e) {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
            return e;
        }
        throw new AssertionError("expected a " + reason + " refusal");
    }

    private static <T extends HasMetadata> List<String> names(List<T> resources,
            java.util.function.Function<T, String> name) {
        return resources.stream().map(name).toList();
    }
}
