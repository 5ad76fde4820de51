package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/** The controller, invoker and poller pods: hardened, probed, spread, and reachable through their Services. */
class WorkloadsTest {

    private static Manifests defaults;

    @BeforeAll
    static void render() {
        defaults = Chart.withDefaults().render();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "defaults", "everything-on.yaml" })
    void everyContainerRunsUnderTheRestrictedPodSecurityStandard(String values) {
        Manifests rendered = values.equals("defaults") ? defaults : Chart.withValues(values).render();

        assertThat(rendered.all(Deployment.class)).hasSize(3);
        for (Deployment deployment : rendered.all(Deployment.class)) {
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            PodSecurityContext podContext = pod.getSecurityContext();
            assertThat(podContext.getRunAsNonRoot()).isTrue();
            assertThat(podContext.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
            assertThat(pod.getInitContainers()).isEmpty();
            for (Container container : pod.getContainers()) {
                SecurityContext context = container.getSecurityContext();
                String name = deployment.getMetadata().getName() + "/" + container.getName();
                assertThat(context).as(name).isNotNull();
                assertThat(context.getRunAsNonRoot()).as(name).isTrue();
                assertThat(context.getReadOnlyRootFilesystem()).as(name).isTrue();
                assertThat(context.getAllowPrivilegeEscalation()).as(name).isFalse();
                assertThat(context.getPrivileged()).as(name).isNotEqualTo(Boolean.TRUE);
                assertThat(context.getCapabilities().getDrop()).as(name).containsExactly("ALL");
                assertThat(context.getCapabilities().getAdd()).as(name).isEmpty();
                assertThat(context.getSeccompProfile().getType()).as(name).isEqualTo("RuntimeDefault");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void theContainerServesHttpOn8080WithQuarkusHealthProbes(String component) {
        Container container = defaults.container(component);

        assertThat(container.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort()).isEqualTo(8080);
        });
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(container.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");
    }

    @ParameterizedTest
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void theRootFilesystemIsReadOnlyButTmpIsAnEmptyDir(String component) {
        PodSpec pod = defaults.deployment(component).getSpec().getTemplate().getSpec();

        assertThat(mount(defaults.container(component), "/tmp")).hasValueSatisfying(
                tmp -> assertThat(pod.getVolumes())
                        .anyMatch(v -> v.getName().equals(tmp.getName()) && v.getEmptyDir() != null));
    }

    @ParameterizedTest
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void replicasPreferToRunOnDifferentNodes(String component) {
        Deployment deployment = defaults.deployment(component);
        List<WeightedPodAffinityTerm> preferred = deployment.getSpec().getTemplate().getSpec().getAffinity()
                .getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();

        assertThat(preferred).singleElement().satisfies(term -> {
            assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels())
                    .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void eachComponentRunsTwoReplicasUnderItsOwnServiceAccount(String component) {
        Deployment deployment = defaults.deployment(component);

        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("klambda-" + component);
        assertThat(deployment.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", component);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
    }

    @ParameterizedTest(name = "{0} with {1} replica(s): budget {2}")
    @CsvSource({ "controller, 1, false", "controller, 2, true", "invoker, 1, false", "invoker, 3, true", "poller, 0, false",
            "poller, 2, true" })
    void aDisruptionBudgetKeepsOnePodOnlyWhenThereIsMoreThanOne(String component, int replicas, boolean budget) {
        Manifests rendered = Chart.withDefaults().set(component + ".replicas", replicas).render();

        Optional<PodDisruptionBudget> found = rendered.find(PodDisruptionBudget.class, "klambda-" + component);
        assertThat(found.isPresent()).as("a PodDisruptionBudget").isEqualTo(budget);
        found.ifPresent(pdb -> {
            assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
            assertThat(pdb.getSpec().getSelector().getMatchLabels())
                    .isEqualTo(rendered.deployment(component).getSpec().getSelector().getMatchLabels());
        });
        assertThat(rendered.deployment(component).getSpec().getReplicas()).isEqualTo(replicas);
    }

    @ParameterizedTest(name = "{0}: port {1}")
    @CsvSource({ "controller, 8080", "invoker, 80", "poller, 8080" })
    void theServiceSelectsTheComponentsPodsAndForwardsToHttp(String component, int port) {
        Service service = defaults.get(Service.class, "klambda-" + component);

        assertThat(service.getSpec().getSelector())
                .isEqualTo(defaults.deployment(component).getSpec().getSelector().getMatchLabels());
        ServicePort only = service.getSpec().getPorts().get(0);
        assertThat(service.getSpec().getPorts()).hasSize(1);
        assertThat(only.getName()).isEqualTo("http");
        assertThat(only.getPort()).isEqualTo(port);
        assertThat(only.getTargetPort().getStrVal()).isEqualTo("http");
    }

    @Test
    void schedulingValuesReachThePods() {
        PodSpec pod = Chart.withValues("everything-on.yaml").render().deployment("invoker").getSpec().getTemplate()
                .getSpec();

        assertThat(pod.getNodeSelector()).isEqualTo(Map.of("klambda.dev/role", "gateway"));
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
        assertThat(pod.getImagePullSecrets()).singleElement()
                .satisfies(s -> assertThat(s.getName()).isEqualTo("registry-credentials"));
    }

    static Optional<VolumeMount> mount(Container container, String path) {
        return container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst();
    }
}
