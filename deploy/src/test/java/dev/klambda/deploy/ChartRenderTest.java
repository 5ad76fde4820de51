package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** {@code helm template} renders objects Kubernetes accepts, named and labelled as the chart promises. */
class ChartRenderTest {

    private static final List<String> COMPONENTS = List.of("controller", "invoker", "poller");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "defaults", "everything-on.yaml" })
    void everyDocumentParsesIntoItsKubernetesModelWithoutUnknownFields(String values) {
        Manifests rendered = render(values);

        assertThat(rendered.all()).isNotEmpty();
        for (Manifests.Manifest manifest : rendered.all()) {
            HasMetadata object = manifest.object();
            if (object instanceof GenericKubernetesResource generic) {
                assertThat(generic.getKind()).as("%s: a kind fabric8 has no model for", manifest.template())
                        .isEqualTo("ServiceMonitor");
            }
            assertThat(UnknownFields.in(object)).as("fields %s does not know", manifest.template()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "defaults", "everything-on.yaml" })
    void everyObjectCarriesTheStandardLabelsAndNamespacedOnesLiveInTheReleaseNamespace(String values) {
        for (Manifests.Manifest manifest : render(values).all()) {
            Map<String, String> labels = manifest.object().getMetadata().getLabels();
            assertThat(labels).as(manifest.template()).containsEntry("app.kubernetes.io/name", "klambda")
                    .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
                    .containsEntry("app.kubernetes.io/version", "0.1.0")
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("helm.sh/chart", "klambda-0.1.0");
            String kind = manifest.object().getKind();
            if (!kind.equals("ClusterRole") && !kind.equals("ClusterRoleBinding")) {
                assertThat(manifest.object().getMetadata().getNamespace()).as(manifest.template())
                        .isEqualTo(Chart.NAMESPACE);
            }
        }
    }

    @Test
    void theDefaultsInstallTheThreeComponentsAndWhatTheyNeed() {
        assertThat(Chart.withDefaults().render().names()).containsExactlyInAnyOrder(
                "ConfigMap/klambda-config",
                "Secret/klambda-code-signing",
                "PersistentVolumeClaim/klambda-code",
                "ServiceAccount/klambda-controller", "ServiceAccount/klambda-invoker", "ServiceAccount/klambda-poller",
                "Deployment/klambda-controller", "Deployment/klambda-invoker", "Deployment/klambda-poller",
                "Service/klambda-controller", "Service/klambda-invoker", "Service/klambda-poller",
                "PodDisruptionBudget/klambda-controller", "PodDisruptionBudget/klambda-invoker",
                "PodDisruptionBudget/klambda-poller",
                "ClusterRole/klambda-controller", "ClusterRole/klambda-invoker", "ClusterRole/klambda-poller",
                "ClusterRoleBinding/klambda-controller", "ClusterRoleBinding/klambda-invoker",
                "ClusterRoleBinding/klambda-poller",
                "Role/klambda-controller", "Role/klambda-invoker", "Role/klambda-poller",
                "RoleBinding/klambda-controller", "RoleBinding/klambda-invoker", "RoleBinding/klambda-poller");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void aDisabledComponentLeavesNothingOfItsOwnBehind(String component) {
        Manifests rendered = Chart.withDefaults().set(component + ".enabled", false).render();

        assertThat(rendered.all()).map(Manifests.Manifest::object)
                .noneMatch(o -> component.equals(o.getMetadata().getLabels().get("app.kubernetes.io/component")))
                .noneMatch(o -> o.getMetadata().getName().equals("klambda-" + component));
        for (String other : COMPONENTS) {
            if (!other.equals(component)) {
                assertThat(rendered.deployment(other)).isNotNull();
            }
        }
    }

    private static Manifests render(String values) {
        return (values.equals("defaults") ? Chart.withDefaults() : Chart.withValues(values)).render();
    }
}
