package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;

/** The one application.properties the services read, the secrets beside it, and the code store volume. */
class ConfigurationTest {

    @Test
    void theDefaultsDescribeOneTenantAndTheCodeStore() {
        Properties properties = Chart.withDefaults().render().properties();

        assertThat(properties).containsAllEntriesOf(Map.of(
                "klambda.region", "us-east-1",
                "klambda.system-namespace", Chart.NAMESPACE,
                "klambda.tenants[0].namespace", "default",
                "klambda.tenants[0].account-id", "000000000000",
                "klambda.tenants[0].concurrency-limit", "1000",
                "klambda.code-store.directory", "/var/lib/klambda/code",
                "klambda.code-store.url", "http://klambda-invoker.klambda-system.svc:80",
                "klambda.poller.invoker-url", "http://klambda-invoker.klambda-system.svc:80",
                "klambda.code-store.signing-key", "${KLAMBDA_CODE_SIGNING_KEY}",
                "klambda.controller.idle-time", "10m"));
        assertThat(properties.stringPropertyNames()).noneMatch(key -> key.startsWith("klambda.tenants[1]"))
                .noneMatch(key -> key.contains("access-keys"))
                .doesNotContain("klambda.function-url-domain", "kafka.bootstrap.servers", "klambda.async.sqs-endpoint",
                        "klambda.async.sqs-access-key", "klambda.async.sqs-secret-key");
    }

    @Test
    void everyValueReachesItsProperty() {
        Properties properties = Chart.withValues("everything-on.yaml").render().properties();

        assertThat(properties).containsAllEntriesOf(Map.ofEntries(
                Map.entry("klambda.region", "eu-west-1"),
                Map.entry("klambda.function-url-domain", "lambda-url.example.com"),
                Map.entry("klambda.tenants[0].namespace", "team-a"),
                Map.entry("klambda.tenants[0].account-id", "111111111111"),
                Map.entry("klambda.tenants[0].concurrency-limit", "200"),
                Map.entry("klambda.tenants[0].access-keys[0].id", "AKIATEAMA1"),
                Map.entry("klambda.tenants[0].access-keys[1].id", "AKIATEAMA2"),
                Map.entry("klambda.tenants[1].namespace", "team-b"),
                Map.entry("klambda.tenants[1].account-id", "222222222222"),
                Map.entry("klambda.tenants[1].concurrency-limit", "1000"),
                Map.entry("klambda.tenants[1].access-keys[0].id", "AKIATEAMB1"),
                Map.entry("klambda.controller.idle-time", "15m"),
                Map.entry("kafka.bootstrap.servers", "kafka-0.kafka:9092,kafka-1.kafka:9092"),
                Map.entry("klambda.async.sqs-endpoint", "http://elasticmq.queues.svc:9324"),
                Map.entry("quarkus.log.level", "DEBUG"),
                Map.entry("klambda.controller.generic-pool-size", "3")));
    }

    @Test
    void tenantSecretsReachOnlyTheInvokerAndPollerAndOnlyAsSecretKeyReferences() {
        Manifests rendered = Chart.withValues("everything-on.yaml").render();
        Properties properties = rendered.properties();
        Map<String, String> expected = Map.of(
                "KLAMBDA_TENANT_0_KEY_0_SECRET", "team-a-keys/first",
                "KLAMBDA_TENANT_0_KEY_1_SECRET", "team-a-keys/second",
                "KLAMBDA_TENANT_1_KEY_0_SECRET", "team-b-keys/secret-access-key");

        assertThat(properties).containsEntry("klambda.tenants[0].access-keys[0].secret", "${KLAMBDA_TENANT_0_KEY_0_SECRET}")
                .containsEntry("klambda.tenants[0].access-keys[1].secret", "${KLAMBDA_TENANT_0_KEY_1_SECRET}")
                .containsEntry("klambda.tenants[1].access-keys[0].secret", "${KLAMBDA_TENANT_1_KEY_0_SECRET}");
        for (String component : List.of("invoker", "poller")) {
            assertThat(tenantSecretReferences(rendered.container(component))).as(component).isEqualTo(expected);
        }
        assertThat(tenantSecretReferences(rendered.container("controller"))).isEmpty();
        assertThat(rendered.all(Secret.class)).map(s -> s.getMetadata().getName()).containsExactly("klambda-code-signing");
        assertThat(rendered.propertiesText()).doesNotContain("team-a-keys", "team-b-keys");
    }

    @Test
    void theSqsKeysReachOnlyTheInvokerAndPollerAndOnlyAsSecretKeyReferences() {
        Manifests rendered = Chart.withValues("everything-on.yaml").render();

        assertThat(rendered.properties()).containsEntry("klambda.async.sqs-access-key", "${KLAMBDA_SQS_ACCESS_KEY}")
                .containsEntry("klambda.async.sqs-secret-key", "${KLAMBDA_SQS_SECRET_KEY}");
        Map<String, String> expected = Map.of("KLAMBDA_SQS_ACCESS_KEY", "elasticmq-keys/accessKeyId",
                "KLAMBDA_SQS_SECRET_KEY", "elasticmq-keys/secretAccessKey");
        for (String component : List.of("invoker", "poller")) {
            assertThat(secretReferences(rendered.container(component), "KLAMBDA_SQS_")).as(component).isEqualTo(expected);
        }
        assertThat(secretReferences(rendered.container("controller"), "KLAMBDA_SQS_")).isEmpty();
        assertThat(secretReferences(Chart.withDefaults().render().container("poller"), "KLAMBDA_SQS_"))
                .as("no Secret, no variables: the services' own default keys").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void theConfigurationIsMountedReadOnlyAndNamedByQuarkusConfigLocations(String component) {
        Manifests rendered = Chart.withDefaults().render();
        Container container = rendered.container(component);
        PodSpec pod = rendered.deployment(component).getSpec().getTemplate().getSpec();

        var mount = WorkloadsTest.mount(container, "/etc/klambda").orElseThrow();
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(volume(pod, mount.getName()).getConfigMap().getName()).isEqualTo("klambda-config");
        assertThat(container.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("QUARKUS_CONFIG_LOCATIONS");
            assertThat(env.getValue()).isEqualTo("/etc/klambda/application.properties");
        });
    }

    @Test
    void podsRollWhenTheConfigurationChanges() {
        String before = checksum(Chart.withDefaults().render());

        assertThat(checksum(Chart.withDefaults().render())).isEqualTo(before);
        assertThat(checksum(Chart.withDefaults().set("region", "eu-west-1").render())).isNotEqualTo(before);
    }

    @Test
    void theInvokerWritesTheCodeStoreAndTheControllerOnlyReadsIt() {
        Manifests rendered = Chart.withDefaults().render();
        PersistentVolumeClaim claim = rendered.get(PersistentVolumeClaim.class, "klambda-code");

        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        assertThat(claim.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("10Gi");
        assertThat(claim.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");

        var invoker = WorkloadsTest.mount(rendered.container("invoker"), "/var/lib/klambda/code").orElseThrow();
        assertThat(invoker.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        assertThat(claimOf(rendered, "invoker", invoker.getName())).isEqualTo("klambda-code");

        var controller = WorkloadsTest.mount(rendered.container("controller"), "/var/lib/klambda/code").orElseThrow();
        assertThat(controller.getReadOnly()).isTrue();
        assertThat(claimOf(rendered, "controller", controller.getName())).isEqualTo("klambda-code");

        assertThat(WorkloadsTest.mount(rendered.container("poller"), "/var/lib/klambda/code")).isEmpty();
    }

    @Test
    void anExistingClaimIsUsedInsteadOfANewOne() {
        Manifests rendered = Chart.withValues("everything-on.yaml").render();

        assertThat(rendered.all(PersistentVolumeClaim.class)).isEmpty();
        for (String component : List.of("invoker", "controller")) {
            var mount = WorkloadsTest.mount(rendered.container(component), "/var/lib/klambda/code").orElseThrow();
            assertThat(claimOf(rendered, component, mount.getName())).isEqualTo("klambda-code-nfs");
        }
    }

    @Test
    void theClaimTakesItsSizeStorageClassAndAccessModesFromValues() {
        PersistentVolumeClaim claim = Chart.withDefaults().set("codeStore.persistence.size", "50Gi")
                .set("codeStore.persistence.storageClass", "efs").set("codeStore.persistence.accessModes[0]", "ReadWriteOnce")
                .render().get(PersistentVolumeClaim.class, "klambda-code");

        assertThat(claim.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("50Gi");
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("efs");
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    }

    /** The tenant key variables of a container, as "secret/key" of the Secret they come from. */
    static Map<String, String> tenantSecretReferences(Container container) {
        return secretReferences(container, "KLAMBDA_TENANT_");
    }

    /** The container's variables named {@code prefix...}, as secret/key; each must be a Secret reference. */
    static Map<String, String> secretReferences(Container container, String prefix) {
        return container.getEnv().stream().filter(env -> env.getName().startsWith(prefix))
                .peek(env -> assertThat(env.getValue()).as("%s carries a literal value", env.getName()).isNull())
                .collect(Collectors.toMap(EnvVar::getName, env -> {
                    SecretKeySelector ref = env.getValueFrom().getSecretKeyRef();
                    return ref.getName() + "/" + ref.getKey();
                }));
    }

    private static String checksum(Manifests rendered) {
        return rendered.deployment("invoker").getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/config");
    }

    private static String claimOf(Manifests rendered, String component, String volume) {
        PodSpec pod = rendered.deployment(component).getSpec().getTemplate().getSpec();
        return volume(pod, volume).getPersistentVolumeClaim().getClaimName();
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }
}
