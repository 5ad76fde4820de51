package dev.klambda.controller.model;

import static dev.klambda.controller.Fixtures.function;
import static dev.klambda.controller.Fixtures.withCode;
import static dev.klambda.controller.Fixtures.withMemory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

import dev.klambda.core.code.CodeLocations;
import dev.klambda.core.pool.PoolNames;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.ConfigMapCodeRef;
import dev.klambda.crds.v1alpha1.function.EgressRule;
import dev.klambda.crds.v1alpha1.function.Environment;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.function.ImageConfig;
import dev.klambda.crds.v1alpha1.function.NetworkConfig;
import dev.klambda.crds.v1alpha1.function.SecretKeyRef;

class PoolDeploymentsTest {

    static final String SHA = "ab".repeat(32);
    static final CodeLocations LOCATIONS = new CodeLocations("key".getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
    static final PoolSettings SETTINGS = new PoolSettings("registry/agent:1",
            Map.of("python3.12", "registry/runtime-python3.12:1"), "IfNotPresent", "http://invoker.klambda.svc:80",
            LOCATIONS, "klambda");

    @SafeVarargs
    static PoolSpec pool(String version, int replicas, Consumer<FunctionSpec>... changes) {
        FunctionSpec spec = function("team-a", "hello", changes).getSpec();
        return new PoolSpec("team-a", "hello", version, "123456789012", "eu-west-1", spec, List.of(), replicas, null,
                "$LATEST".equals(version) ? "rev-1" : null);
    }

    static PoolSpec remembering(PoolSpec pool, String demand) {
        return new PoolSpec(pool.namespace(), pool.functionName(), pool.version(), pool.accountId(), pool.region(),
                pool.configuration(), pool.layerSha256s(), pool.replicas(), demand, pool.revision());
    }

    static Map<String, String> env(Container container) {
        return container.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(java.util.stream.Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    static Stream<Arguments> codeSources() {
        return Stream.of(
                Arguments.of(Named.of("a zip in the code store", new Code(null, SHA, null, null, null)),
                        LOCATIONS.poolLocation("http://invoker.klambda.svc:80", SHA), SHA),
                Arguments.of(Named.of("a URL with its SHA-256", new Code(null, SHA, "https://example.com/f.zip", null, null)),
                        "https://example.com/f.zip", SHA),
                Arguments.of(Named.of("a URL alone", new Code(null, null, "https://example.com/f.zip", null, null)),
                        "https://example.com/f.zip", null),
                Arguments.of(Named.of("a ConfigMap", new Code(null, null, null, new ConfigMapCodeRef("code", "z"), null)),
                        "file:///klambda/code/code.zip", null));
    }

    @Test
    void latestPodsCarryTheRevisionTheyRun() {
        assertThat(PoolDeployments.desired(pool("$LATEST", 1), SETTINGS).getSpec().getTemplate().getMetadata()
                .getAnnotations()).containsEntry(PoolNames.REVISION, "rev-1");
        assertThat(PoolDeployments.desired(pool("3", 1), SETTINGS).getSpec().getTemplate().getMetadata().getAnnotations())
                .doesNotContainKey(PoolNames.REVISION);
    }

    @ParameterizedTest
    @MethodSource("codeSources")
    void fetchesAndVerifiesTheCodeInAnInitContainer(Code code, String source, String sha256) {
        PodSpec pod = PoolDeployments.desired(pool("$LATEST", 1, withCode(code)), SETTINGS).getSpec().getTemplate()
                .getSpec();
        Container fetch = pod.getInitContainers().get(0);
        assertThat(fetch.getName()).isEqualTo("fetch");
        assertThat(fetch.getImage()).isEqualTo("registry/agent:1");
        assertThat(fetch.getCommand()).containsExactly("/klambda-agent", "fetch");
        assertThat(env(fetch)).containsEntry("KLAMBDA_FETCH_CODE", source);
        assertThat(env(fetch).get("KLAMBDA_FETCH_CODE_SHA256")).isEqualTo(sha256);
        assertThat(pod.getContainers().get(0).getImage()).isEqualTo("registry/runtime-python3.12:1");
        assertThat(pod.getVolumes().stream().anyMatch(v -> v.getConfigMap() != null))
                .isEqualTo(code.configMap() != null);
    }

    @Test
    void codeStoreLocationsOfPodsNeverExpireAndAreSigned() {
        String location = LOCATIONS.poolLocation("http://invoker", SHA);
        String query = location.substring(location.indexOf('?') + 1);
        String signature = query.substring(query.indexOf("Signature=") + "Signature=".length());
        assertThat(LOCATIONS.valid(SHA, "0", signature)).isTrue();
        assertThat(LOCATIONS.valid("cd".repeat(32), "0", signature)).isFalse();
        assertThat(new CodeLocations("other".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()).valid(SHA, "0",
                signature)).isFalse();
    }

    @Test
    void runsImagesWithTheAgentCopiedIn() {
        PodSpec pod = PoolDeployments.desired(pool("3", 1, withCode(new Code("registry/mine@sha256:" + SHA, null, null,
                null, null)), s -> s.setImageConfig(new ImageConfig(List.of("/entry"), List.of("app.handler"), "/app"))),
                SETTINGS).getSpec().getTemplate().getSpec();
        assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("install-agent");
        assertThat(pod.getInitContainers().get(0).getCommand()).containsExactly("/klambda-agent", "install", "/klambda/bin");
        Container function = pod.getContainers().get(0);
        assertThat(function.getImage()).isEqualTo("registry/mine@sha256:" + SHA);
        assertThat(function.getCommand()).containsExactly("/klambda/bin/klambda-agent");
        assertThat(function.getWorkingDir()).isEqualTo("/app");
        assertThat(env(function)).containsEntry("KLAMBDA_IMAGE_ENTRY_POINT", "[\"/entry\"]")
                .containsEntry("KLAMBDA_IMAGE_COMMAND", "[\"app.handler\"]")
                .containsEntry("KLAMBDA_FUNCTION_VERSION", "3");
    }

    @Test
    void runsAnImageWithoutImageConfigThroughLambdasBaseImageEntrypoint() {
        Container function = PoolDeployments.desired(pool("$LATEST", 1, withCode(new Code("registry/mine:1", null, null,
                null, null))), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(function)).containsEntry("KLAMBDA_IMAGE_ENTRY_POINT", "[\"/lambda-entrypoint.sh\"]")
                .doesNotContainKey("KLAMBDA_IMAGE_COMMAND");
    }

    @Test
    void describesTheFunctionToTheAgentAndPassesSecretsByReference() {
        Container function = PoolDeployments.desired(pool("$LATEST", 1, withMemory(512),
                s -> s.setEnvironment(new Environment(Map.of("GREETING", "hi"), Map.of("TOKEN",
                        new SecretKeyRef("creds", "token")))),
                s -> s.setTimeout(30)), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(function)).containsEntry("KLAMBDA_FUNCTION_NAME", "hello")
                .containsEntry("KLAMBDA_FUNCTION_VERSION", "$LATEST").containsEntry("KLAMBDA_REGION", "eu-west-1")
                .containsEntry("KLAMBDA_ACCOUNT_ID", "123456789012").containsEntry("KLAMBDA_RUNTIME", "python3.12")
                .containsEntry("KLAMBDA_HANDLER", "app.handler").containsEntry("KLAMBDA_MEMORY_SIZE", "512")
                .containsEntry("KLAMBDA_TIMEOUT", "30s").containsEntry("KLAMBDA_ENV_GREETING", "hi")
                .doesNotContainKey("KLAMBDA_ENV_TOKEN");
        EnvVar token = function.getEnv().stream().filter(e -> e.getName().equals("KLAMBDA_ENV_TOKEN")).findFirst()
                .orElseThrow();
        assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("creds");
        assertThat(token.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
    }

    static Stream<Arguments> memorySizes() {
        return Stream.of(Arguments.of(128, "73m"), Arguments.of(1769, "1000m"), Arguments.of(10240, "5789m"));
    }

    @ParameterizedTest
    @MethodSource("memorySizes")
    void givesOneVcpuPer1769MbOfMemory(int memory, String cpu) {
        Container function = PoolDeployments.desired(pool("$LATEST", 1, withMemory(memory)), SETTINGS).getSpec()
                .getTemplate().getSpec().getContainers().get(0);
        assertThat(function.getResources().getLimits().get("cpu").toString()).isEqualTo(cpu);
        assertThat(function.getResources().getLimits().get("memory").toString()).isEqualTo(memory + "Mi");
        assertThat(function.getResources().getRequests()).isEqualTo(function.getResources().getLimits());
    }

    @Test
    void locksEveryContainerDown() {
        Deployment deployment = PoolDeployments.desired(pool("$LATEST", 2, s -> s.setRole(
                "arn:aws:iam::123456789012:role/service-role/hello-role")), SETTINGS);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("hello-role");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        for (Container container : Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList()) {
            assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as(container.getName()).isTrue();
            assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as(container.getName()).isFalse();
            assertThat(container.getSecurityContext().getRunAsNonRoot()).as(container.getName()).isTrue();
            assertThat(container.getSecurityContext().getCapabilities().getDrop()).as(container.getName())
                    .containsExactly("ALL");
        }
        Container function = pod.getContainers().get(0);
        assertThat(function.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/klambda/ready");
        assertThat(function.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp") && !m.getReadOnly())
                .anyMatch(m -> m.getMountPath().equals("/var/task") && m.getReadOnly());
        assertThat(pod.getVolumes()).anyMatch(v -> v.getName().equals("tmp")
                && v.getEmptyDir().getSizeLimit().toString().equals("512Mi"));
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getMetadata().getName()).isEqualTo("hello-latest");
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("klambda.dev/function", "hello").containsEntry("klambda.dev/version", "latest");
    }

    @Test
    void theTemplateHashFollowsEveryChangeAndNothingElse() {
        String base = hash(PoolDeployments.desired(pool("$LATEST", 1), SETTINGS));
        assertThat(hash(PoolDeployments.desired(pool("$LATEST", 1), SETTINGS))).isEqualTo(base);
        assertThat(hash(PoolDeployments.desired(pool("$LATEST", 1, withMemory(256)), SETTINGS))).isNotEqualTo(base);
        assertThat(hash(PoolDeployments.desired(pool("$LATEST", 2), SETTINGS))).isNotEqualTo(base);
        assertThat(hash(PoolDeployments.desired(remembering(pool("$LATEST", 1), "1 until 2026-11-23T10:00:00Z"),
                SETTINGS))).as("the remembered demand is part of what the controller sets").isNotEqualTo(base);
    }

    @Test
    void theDeploymentRemembersTheDemandForTheNextLeader() {
        Deployment remembering = PoolDeployments.desired(remembering(pool("3", 2), "2 until 2026-11-23T10:00:00Z"),
                SETTINGS);
        assertThat(remembering.getMetadata().getAnnotations()).containsEntry("klambda.dev/demand",
                "2 until 2026-11-23T10:00:00Z");
        assertThat(remembering.getSpec().getTemplate().getMetadata().getAnnotations())
                .as("not on the pods: a new memory rolls nothing").doesNotContainKey("klambda.dev/demand");
        assertThat(PoolDeployments.desired(pool("3", 2), SETTINGS).getMetadata().getAnnotations())
                .doesNotContainKey("klambda.dev/demand");
    }

    @Test
    void refusesARuntimeWithoutAnImage() {
        assertThatThrownBy(() -> PoolDeployments.desired(pool("$LATEST", 1,
                s -> s.setRuntime(dev.klambda.crds.v1alpha1.function.Runtime.JAVA_21)), SETTINGS))
                .hasMessageContaining("no runtime image is configured for java21");
    }

    @Test
    void letsOnlyInvokersInAndIsolatedFunctionsOutOnlyWhereAllowed() {
        NetworkPolicy open = PoolNetworkPolicies.desired(pool("$LATEST", 1), SETTINGS);
        assertThat(open.getSpec().getIngress()).hasSize(1);
        assertThat(open.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/component", "invoker");
        assertThat(open.getSpec().getEgress()).hasSize(1);
        assertThat(open.getSpec().getEgress().get(0).getTo()).isNullOrEmpty();

        NetworkPolicy isolated = PoolNetworkPolicies.desired(pool("$LATEST", 1, s -> s.setNetwork(new NetworkConfig(
                NetworkConfig.Mode.Isolated, List.of(new EgressRule("10.1.0.0/16", List.of(5432), null))))), SETTINGS);
        assertThat(isolated.getSpec().getEgress()).hasSize(3);
        assertThat(isolated.getSpec().getEgress().get(2).getTo().get(0).getIpBlock().getCidr()).isEqualTo("10.1.0.0/16");
        assertThat(isolated.getSpec().getEgress().get(2).getPorts().get(0).getPort().getIntVal()).isEqualTo(5432);
        assertThat(isolated.getSpec().getPodSelector().getMatchLabels()).containsEntry("klambda.dev/pool", "hello-latest");
    }

    @Test
    void keepsPoolsWithinTheirCap() {
        assertThat(PoolSizing.replicas(2, 0, 10)).isEqualTo(2);
        assertThat(PoolSizing.replicas(2, 7, 10)).isEqualTo(7);
        assertThat(PoolSizing.replicas(2, 70, 10)).isEqualTo(10);
        assertThat(PoolSizing.replicas(5, 0, 0)).isZero();
    }

    private static String hash(Deployment deployment) {
        return deployment.getMetadata().getAnnotations().get(PoolDeployments.TEMPLATE_HASH);
    }
}
