package dev.klambda.controller.reconcile;

import static dev.klambda.controller.Fixtures.alias;
import static dev.klambda.controller.Fixtures.demandReport;
import static dev.klambda.controller.Fixtures.function;
import static dev.klambda.controller.Fixtures.version;
import static dev.klambda.controller.Fixtures.withCode;
import static dev.klambda.controller.Fixtures.withMemory;
import static dev.klambda.controller.Fixtures.withReserved;
import static dev.klambda.controller.Fixtures.withRuntime;
import static dev.klambda.controller.Fixtures.withZip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.klambda.controller.config.ControllerConfig;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.pool.PoolNames;
import dev.klambda.core.status.Conditions;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.Route;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.common.ProvisionedConcurrencyStatus;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.crds.v1alpha1.eventsourcemapping.KafkaSource;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.function.Runtime;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * The reconcilers against the fabric8 mock server (the API server these machines cannot run):
 * what each kind creates, and the status it writes, for good specs, bad ones and missing references.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ReconcilersIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final byte[] ZIP = "not really a zip, but the store only names it".getBytes(StandardCharsets.UTF_8);
    static final CodeDigest STORED = CodeDigest.of(ZIP);

    @Inject
    KubernetesClient client;
    @Inject
    ControllerConfig config;
    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void storeOneZip() throws IOException {
        Path store = Files.createDirectories(Path.of("target/code-store"));
        Files.write(store.resolve(STORED.hex() + ".zip"), ZIP);
    }

    static Stream<Arguments> functions() {
        return Stream.of(
                Arguments.of(Named.of("a zip in the code store", withZip(STORED.hex())), "default",
                        FunctionStatus.State.Active, "Found", true),
                Arguments.of(Named.of("a zip named in base64", withZip(STORED.base64())), "default",
                        FunctionStatus.State.Active, "Found", true),
                Arguments.of(Named.of("a zip the store lacks", withZip("0".repeat(64))), "default",
                        FunctionStatus.State.Failed, "CodeNotFound", false),
                Arguments.of(Named.of("a standalone code.path", withCode(new Code(null, null, null, null, "src"))),
                        "default", FunctionStatus.State.Failed, "Unsupported", false),
                Arguments.of(Named.of("a missing ConfigMap", withCode(new Code(null, null, null,
                        new dev.klambda.crds.v1alpha1.function.ConfigMapCodeRef("nope", null), null))), "default",
                        FunctionStatus.State.Failed, "ConfigMapNotFound", false),
                Arguments.of(Named.of("an image", withCode(new Code("registry/fn:1", null, null, null, null))),
                        "default", FunctionStatus.State.Active, "Found", true),
                Arguments.of(Named.of("a namespace without an account", withZip(STORED.hex())), "stranger",
                        FunctionStatus.State.Failed, "NoAccount", false));
    }

    @ParameterizedTest
    @MethodSource("functions")
    void reconcilesAFunctionIntoItsLatestPool(Consumer<FunctionSpec> code, String namespace, FunctionStatus.State state,
            String reason, boolean pool) {
        String name = "fn-" + Integer.toHexString((code.hashCode() ^ namespace.hashCode()) & 0xffffff);
        Function function = client.resource(function(namespace, name, code)).create();
        Function reconciled = awaitStatus(Function.class, function, f -> f.getStatus() != null
                && f.getStatus().observedGeneration() != null);
        assertThat(reconciled.getStatus().state()).isEqualTo(state);
        Condition available = Conditions.find(reconciled.getStatus().conditions(), "CodeAvailable").orElseThrow();
        assertThat(available.reason()).isEqualTo(reason);
        assertThat(available.status()).isEqualTo(pool ? Condition.ConditionStatus.True : Condition.ConditionStatus.False);
        if (pool) {
            await().atMost(WAIT).until(() -> deployment(namespace, name + "-latest").isPresent());
            Deployment deployment = deployment(namespace, name + "-latest").orElseThrow();
            assertThat(deployment.getSpec().getReplicas()).isZero();
            assertThat(deployment.getMetadata().getOwnerReferences()).anyMatch(o -> o.getUid()
                    .equals(function.getMetadata().getUid()));
            assertThat(client.resources(NetworkPolicy.class).inNamespace(namespace).withName(name + "-latest").get())
                    .isNotNull();
            Function ready = awaitStatus(Function.class, function,
                    f -> Conditions.isTrue(f.getStatus().conditions(), "Ready", f.getMetadata().getGeneration()));
            assertThat(ready.getStatus().revisionId()).isNotBlank();
        } else {
            assertThat(reconciled.getStatus().stateReason()).isNotBlank();
            assertThat(deployment(namespace, name + "-latest")).isEmpty();
            await().atMost(WAIT).until(() -> client.v1().events().inNamespace(namespace).list().getItems().stream()
                    .anyMatch(e -> e.getInvolvedObject().getName().equals(name) && e.getReason().equals(reason)
                            && e.getType().equals("Warning")));
        }
        if ("Found".equals(reason) && function.getSpec().getCode().sha256() != null) {
            assertThat(reconciled.getStatus().codeSha256()).isEqualTo(STORED.base64());
            assertThat(reconciled.getStatus().codeSize()).isEqualTo(ZIP.length);
        }
    }

    @Test
    void rollsThePoolWhenTheFunctionChanges() {
        Function function = client.resource(function("default", "changing", withZip(STORED.hex()))).create();
        await().atMost(WAIT).until(() -> deployment("default", "changing-latest").isPresent());
        String before = deployment("default", "changing-latest").orElseThrow().getMetadata().getAnnotations()
                .get("klambda.dev/template-hash");
        function = client.resources(Function.class).inNamespace("default").withName("changing").get();
        function.getSpec().setMemorySize(1769);
        client.resource(function).update();
        await().atMost(WAIT).until(() -> !before.equals(deployment("default", "changing-latest").orElseThrow()
                .getMetadata().getAnnotations().get("klambda.dev/template-hash")));
        assertThat(deployment("default", "changing-latest").orElseThrow().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getResources().getLimits().get("cpu").toString()).isEqualTo("1000m");
    }

    @Test
    void saysWhenARuntimeHasNoImage() {
        Function function = client.resource(function("default", "no-image", withZip(STORED.hex()),
                withRuntime(Runtime.JAVA_21))).create();
        Function reconciled = awaitStatus(Function.class, function, f -> f.getStatus() != null
                && Conditions.find(f.getStatus().conditions(), "PoolAvailable").isPresent());
        Condition pool = Conditions.find(reconciled.getStatus().conditions(), "PoolAvailable").orElseThrow();
        assertThat(pool.reason()).isEqualTo("NoRuntimeImage");
        assertThat(pool.message()).contains("java21");
    }

    @Test
    void publishesVersionsOnceWithNumbersNeverReused() {
        Function function = client.resource(function("default", "pub", withZip(STORED.hex()))).create();
        Version first = client.resource(version("default", "pub-first", "pub", null, null)).create();
        Version published = awaitStatus(Version.class, first, v -> v.getSpec().snapshot() != null);
        assertThat(published.getSpec().version()).isEqualTo(1);
        assertThat(published.getSpec().snapshot().codeSha256()).isEqualTo(STORED.base64());
        assertThat(published.getSpec().snapshot().configuration().getCode().sha256()).isEqualTo(STORED.hex());
        assertThat(published.getMetadata().getOwnerReferences()).anyMatch(o -> o.getUid()
                .equals(function.getMetadata().getUid()));
        await().atMost(WAIT).until(() -> deployment("default", "pub-v1").isPresent());

        // $LATEST changes after publishing; the version keeps what it froze.
        Function latest = client.resources(Function.class).inNamespace("default").withName("pub").get();
        latest.getSpec().setMemorySize(1024);
        client.resource(latest).update();
        client.resource(published).delete();
        Version second = client.resource(version("default", "pub-second", "pub", null, null)).create();
        Version again = awaitStatus(Version.class, second, v -> v.getSpec().snapshot() != null);
        assertThat(again.getSpec().version()).as("1 was handed out before its Version went").isEqualTo(2);
        assertThat(again.getSpec().snapshot().configuration().getMemorySize()).isEqualTo(1024);
        assertThat(client.resources(Function.class).inNamespace("default").withName("pub").get().getMetadata()
                .getAnnotations()).containsEntry(FunctionReconciler.LAST_VERSION_NUMBER, "2");

        Version taken = client.resource(version("default", "pub-taken", "pub", 1, null)).create();
        Version refused = awaitStatus(Version.class, taken, v -> v.getStatus() != null);
        assertThat(refused.getSpec().snapshot()).isNull();
        assertThat(Conditions.find(refused.getStatus().conditions(), "Published").orElseThrow().reason())
                .isEqualTo("VersionNumberTaken");
    }

    @Test
    void publishesAVersionOnceItsFunctionAppears() {
        Version early = client.resource(version("default", "late-1", "late", null, null)).create();
        Version waiting = awaitStatus(Version.class, early, v -> v.getStatus() != null);
        assertThat(Conditions.find(waiting.getStatus().conditions(), "Published").orElseThrow().reason())
                .isEqualTo("FunctionNotFound");
        client.resource(function("default", "late", withZip(STORED.hex()))).create();
        assertThat(awaitStatus(Version.class, early, v -> v.getSpec().snapshot() != null).getSpec().version())
                .isEqualTo(1);
    }

    @Test
    void sizesVersionPoolsFromProvisionedConcurrencyWithinTheCap() {
        Function function = client.resource(function("capped", "warm", withZip(STORED.hex()), withMemory(256)))
                .create();
        Version version = client.resource(version("capped", "warm-1", "warm", null, 2)).create();
        awaitStatus(Version.class, version, v -> v.getSpec().snapshot() != null);
        await().atMost(WAIT).until(() -> deployment("capped", "warm-v1").map(d -> d.getSpec().getReplicas() == 2)
                .orElse(false));
        // The alias provisions two more of the same version; the account's limit of 3 caps the pool.
        client.resource(alias("capped", "live", "warm", "1", null, 2)).create();
        await().atMost(WAIT).until(() -> deployment("capped", "warm-v1").map(d -> d.getSpec().getReplicas() == 3)
                .orElse(false));
        Version capped = awaitStatus(Version.class, version, v -> v.getStatus() != null
                && v.getStatus().provisionedConcurrency() != null && v.getStatus().provisionedConcurrency().requested() == 4);
        assertThat(capped.getStatus().provisionedConcurrency().status())
                .isEqualTo(ProvisionedConcurrencyStatus.Status.FAILED);
        assertThat(capped.getStatus().provisionedConcurrency().allocated()).isEqualTo(3);

        // Reserved concurrency caps it further.
        Function reserved = client.resources(Function.class).inNamespace("capped").withName("warm").get();
        reserved.getSpec().setReservedConcurrentExecutions(1);
        client.resource(reserved).update();
        await().atMost(WAIT).until(() -> deployment("capped", "warm-v1").map(d -> d.getSpec().getReplicas() == 1)
                .orElse(false));
        assertThat(function.getMetadata().getUid()).isNotBlank();
    }

    @Test
    void resolvesAliasesOnlyToPublishedVersions() {
        client.resource(function("default", "canary", withZip(STORED.hex()))).create();
        Version one = client.resource(version("default", "canary-1", "canary", null, null)).create();
        awaitStatus(Version.class, one, v -> v.getSpec().snapshot() != null);
        Alias alias = client.resource(alias("default", "canary-live", "canary", "1", Map.of("2", 0.25), null))
                .create();
        Alias unresolved = awaitStatus(Alias.class, alias, a -> a.getStatus() != null);
        assertThat(Conditions.find(unresolved.getStatus().conditions(), "RoutingResolved").orElseThrow().reason())
                .isEqualTo("VersionNotFound");
        assertThat(unresolved.getStatus().routes()).isNull();

        Version two = client.resource(version("default", "canary-2", "canary", null, null)).create();
        awaitStatus(Version.class, two, v -> v.getSpec().snapshot() != null);
        Alias resolved = awaitStatus(Alias.class, alias, a -> a.getStatus().routes() != null);
        assertThat(resolved.getStatus().routes()).containsExactly(new Route("1", 0.75), new Route("2", 0.25));
        assertThat(resolved.getMetadata().getOwnerReferences()).hasSize(1);
    }

    @Test
    void mappingsBelongToTheirFunctionAndWaitForAPoller() {
        client.resource(function("default", "consumer", withZip(STORED.hex()))).create();
        EventSourceMapping mapping = new EventSourceMapping();
        mapping.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace("default")
                .withName("orders").build());
        mapping.setSpec(new EventSourceMappingSpec("consumer:live", false,
                new KafkaSource(java.util.List.of("broker:9092"), java.util.List.of("orders"), null), null, null, null,
                null, null, null, null, null, null, null, null, null, null, null));
        EventSourceMapping created = client.resource(mapping).create();
        EventSourceMapping reconciled = awaitStatus(EventSourceMapping.class, created, m -> m.getStatus() != null
                && m.getMetadata().getOwnerReferences() != null && !m.getMetadata().getOwnerReferences().isEmpty());
        assertThat(reconciled.getStatus().state()).isEqualTo(EventSourceMappingStatus.State.Disabled);
        assertThat(reconciled.getStatus().uuid()).isEqualTo(created.getMetadata().getUid());
        assertThat(Conditions.find(reconciled.getStatus().conditions(), "FunctionFound").orElseThrow().status())
                .isEqualTo(Condition.ConditionStatus.True);
    }

    @Test
    void scalesAPoolUpAtOnceWhenAnInvokerReportsDemand() {
        client.resource(function("default", "hello", withZip(STORED.hex()))).create();
        awaitReplicas("default", "hello-latest", 0);

        report("hello", Map.of("default.hello-latest", "2"));

        awaitReplicas("default", "hello-latest", 2);
    }

    @Test
    void countsReconciliationsPerControllerWithoutAMeterPerResource() {
        client.resource(function("default", "metered", withZip(STORED.hex()))).create();
        awaitReplicas("default", "metered-latest", 0);
        assertThat(registry.getMeters()).as("the Operator SDK's meters")
                .anyMatch(m -> m.getId().getName().startsWith("operator.sdk."));
        assertThat(registry.getMeters()).as("none names a resource")
                .noneMatch(m -> m.getId().getTags().stream().anyMatch(t -> "metered".equals(t.getValue())));
    }

    @Test
    void addsUpTheReportsOfAllInvokersAndNothingElse() {
        client.resource(function("default", "busy", withZip(STORED.hex()))).create();
        awaitReplicas("default", "busy-latest", 0);
        ConfigMap unlabelled = new ConfigMapBuilder(demandReport("impostor", Instant.now(),
                Map.of("default.busy-latest", "5"))).editMetadata().withLabels(Map.of()).endMetadata().build();
        ConfigMap elsewhere = new ConfigMapBuilder(demandReport("elsewhere", Instant.now(),
                Map.of("default.busy-latest", "7"))).editMetadata().withNamespace("default").endMetadata().build();
        client.resource(unlabelled).create();
        client.resource(elsewhere).create();

        report("busy-a", Map.of("default.busy-latest", "1"));
        report("busy-b", Map.of("default.busy-latest", "2", "default.hello-latest", "0"));

        awaitReplicas("default", "busy-latest", 3);
    }

    static Stream<Arguments> caps() {
        Consumer<FunctionSpec> asIs = spec -> {
        };
        return Stream.of(
                Arguments.of(Named.of("the account's limit caps $LATEST", "capped"), "cap-latest", asIs, false, 3),
                Arguments.of(Named.of("reserved concurrency caps $LATEST", "default"), "cap-reserved",
                        withReserved(2), false, 2),
                Arguments.of(Named.of("the account's limit caps a Version", "capped"), "cap-version", asIs, true, 3),
                Arguments.of(Named.of("reserved concurrency caps a Version", "default"), "cap-reserved-version",
                        withReserved(1), true, 1));
    }

    @ParameterizedTest
    @MethodSource("caps")
    void demandNeverGrowsAPoolBeyondItsCap(String namespace, String name, Consumer<FunctionSpec> spec,
            boolean published, int cap) {
        client.resource(function(namespace, name, withZip(STORED.hex()), spec)).create();
        String pool = PoolNames.pool(name, "$LATEST");
        if (published) {
            Version version = client.resource(version(namespace, name + "-1", name, null, null)).create();
            awaitStatus(Version.class, version, v -> v.getSpec().snapshot() != null);
            pool = PoolNames.pool(name, "1");
        }
        awaitReplicas(namespace, pool, 0);

        report(name, Map.of(namespace + "." + pool, "5"));

        awaitReplicas(namespace, pool, cap);
    }

    @Test
    void scalesIdlePoolsDownToTheirProvisionedConcurrencyAfterTheIdleTime() {
        client.resource(function("default", "idler", withZip(STORED.hex()))).create();
        Version version = client.resource(version("default", "idler-1", "idler", null, 1)).create();
        awaitStatus(Version.class, version, v -> v.getSpec().snapshot() != null);
        awaitReplicas("default", "idler-v1", 1);
        Instant asked = Instant.now();
        report("idler", Map.of("default.idler-latest", "2", "default.idler-v1", "3"));
        awaitReplicas("default", "idler-latest", 2);
        awaitReplicas("default", "idler-v1", 3);
        Version busy = awaitStatus(Version.class, version, v -> v.getStatus() != null && Conditions
                .find(v.getStatus().conditions(), "PoolAvailable").map(c -> c.message().contains("of 3")).orElse(false));
        assertThat(busy.getStatus().provisionedConcurrency().allocated()).as("demand is not provisioned concurrency")
                .isEqualTo(1);

        // Nothing runs or waits any more: one pool is reported at 0, the other no longer named.
        report("idler", Map.of("default.idler-latest", "0"));

        awaitReplicas("default", "idler-latest", 0);
        awaitReplicas("default", "idler-v1", 1);
        assertThat(Duration.between(asked, Instant.now())).as("pools wait for the idle time before scaling down")
                .isGreaterThanOrEqualTo(config.controller().idleTime());
    }

    @Test
    void aPoolKeepsTheDemandItsDeploymentRemembersUntilItsIdleTimeEnds() {
        client.resource(function("default", "heir", withZip(STORED.hex()))).create();
        awaitReplicas("default", "heir-latest", 0);
        Instant until = Instant.now().plus(config.controller().idleTime()).truncatedTo(ChronoUnit.MILLIS);

        // As a leader that died leaves it; this controller has no memory of the pool, as its successor would not.
        client.apps().deployments().inNamespace("default").withName("heir-latest").edit(d -> new DeploymentBuilder(d)
                .editMetadata().addToAnnotations("klambda.dev/demand", "2 until " + until).endMetadata().build());

        awaitReplicas("default", "heir-latest", 2);
        awaitReplicas("default", "heir-latest", 0);
        assertThat(Instant.now()).as("the pool waits for the end of the remembered idle time").isAfterOrEqualTo(until);
    }

    @Test
    void ignoresReportsOfPoolsNobodyOwns() {
        client.resource(function("default", "known", withZip(STORED.hex()))).create();
        awaitReplicas("default", "known-latest", 0);

        // One report names pools of no function, of a namespace without functions, and no pool at all,
        // beside one real pool: that one still scales.
        report("strays", Map.of("default.ghost-latest", "4", "nowhere.known-latest", "4", "default.known-v7", "4",
                "not-a-pool", "4", "default.known-latest.x", "4", "default.known-latest", "1"));

        awaitReplicas("default", "known-latest", 1);
        assertThat(deployment("default", "ghost-latest")).isEmpty();
        assertThat(deployment("default", "known-v7")).isEmpty();
        assertThat(client.apps().deployments().inNamespace("nowhere").list().getItems()).isEmpty();
    }

    /** Writes invoker {@code invoker}'s demand report, stamped now. */
    private void report(String invoker, Map<String, String> demand) {
        client.resource(demandReport(invoker, Instant.now(), demand)).createOr(NonDeletingOperation::update);
    }

    private void awaitReplicas(String namespace, String name, int replicas) {
        await().atMost(WAIT).until(() -> deployment(namespace, name).map(d -> d.getSpec().getReplicas() == replicas)
                .orElse(false));
    }

    private Optional<Deployment> deployment(String namespace, String name) {
        return Optional.ofNullable(client.apps().deployments().inNamespace(namespace).withName(name).get());
    }

    private <T extends HasMetadata> T awaitStatus(Class<T> type, T resource,
            java.util.function.Predicate<T> condition) {
        return await().atMost(WAIT).until(() -> client.resources(type).inNamespace(resource.getMetadata().getNamespace())
                .withName(resource.getMetadata().getName()).get(), r -> r != null && condition.test(r));
    }
}
