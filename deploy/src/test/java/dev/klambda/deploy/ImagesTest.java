package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which images the platform pods run, and which the controller gives function pods. */
class ImagesTest {

    private static final String RUNTIME_IMAGES = "klambda.controller.runtime-images.";

    @ParameterizedTest
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void aComponentRunsItsImageFromTheDefaultRegistryTaggedWithTheAppVersion(String component) {
        var container = Chart.withDefaults().render().container(component);

        assertThat(container.getImage()).isEqualTo("ghcr.io/klambda/" + component + ":0.1.0");
        assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
    }

    @Test
    void functionPodsGetTheAgentAndOneRuntimeImagePerLambdaRuntime() {
        Properties properties = Chart.withDefaults().render().properties();

        assertThat(properties).containsEntry("klambda.controller.agent-image", "ghcr.io/klambda/agent:0.1.0")
                .containsEntry("klambda.controller.image-pull-policy", "IfNotPresent");
        assertThat(runtimeImages(properties)).containsExactly(
                entry("java17", "ghcr.io/klambda/runtime-java17:0.1.0"),
                entry("java21", "ghcr.io/klambda/runtime-java21:0.1.0"),
                entry("nodejs18.x", "ghcr.io/klambda/runtime-nodejs18.x:0.1.0"),
                entry("nodejs20.x", "ghcr.io/klambda/runtime-nodejs20.x:0.1.0"),
                entry("nodejs22.x", "ghcr.io/klambda/runtime-nodejs22.x:0.1.0"),
                entry("provided.al2", "ghcr.io/klambda/runtime-provided.al2023:0.1.0"),
                entry("provided.al2023", "ghcr.io/klambda/runtime-provided.al2023:0.1.0"),
                entry("python3.10", "ghcr.io/klambda/runtime-python3.10:0.1.0"),
                entry("python3.11", "ghcr.io/klambda/runtime-python3.11:0.1.0"),
                entry("python3.12", "ghcr.io/klambda/runtime-python3.12:0.1.0"),
                entry("python3.13", "ghcr.io/klambda/runtime-python3.13:0.1.0"),
                entry("python3.9", "ghcr.io/klambda/runtime-python3.9:0.1.0"));
    }

    @Test
    void theImageTagAppliesToEveryKlambdaImage() {
        Manifests rendered = Chart.withDefaults().set("image.tag", "2.0.1").render();

        for (String component : new String[] { "controller", "invoker", "poller" }) {
            assertThat(rendered.container(component).getImage()).isEqualTo("ghcr.io/klambda/" + component + ":2.0.1");
        }
        assertThat(rendered.properties()).containsEntry("klambda.controller.agent-image", "ghcr.io/klambda/agent:2.0.1");
        assertThat(runtimeImages(rendered.properties()).values()).allMatch(image -> image.endsWith(":2.0.1"));
    }

    @Test
    void aRuntimeImageCanBeReplacedByAFullReferenceAndNewRuntimesAdded() {
        Manifests rendered = Chart.withValues("everything-on.yaml").render();
        Map<String, String> runtimes = runtimeImages(rendered.properties());

        assertThat(runtimes).containsEntry("python3.12", "registry.example.com/custom/python-with-numpy:3.12")
                .containsEntry("ruby3.3", "registry.example.com/platform/klambda/runtime-ruby3.3:1.4.2")
                .containsEntry("nodejs20.x", "registry.example.com/platform/klambda/runtime-nodejs20.x:1.4.2");
        assertThat(rendered.container("invoker").getImage()).isEqualTo("registry.example.com/platform/klambda/invoker:1.4.2");
        assertThat(rendered.container("invoker").getImagePullPolicy()).isEqualTo("Always");
        assertThat(rendered.properties()).containsEntry("klambda.controller.image-pull-policy", "Always")
                .containsEntry("klambda.controller.agent-image", "registry.example.com/platform/klambda/agent:1.4.2");
    }

    /** The runtime-images."id" properties, by runtime id. */
    private static Map<String, String> runtimeImages(Properties properties) {
        Map<String, String> images = new TreeMap<>();
        properties.stringPropertyNames().stream().filter(key -> key.startsWith(RUNTIME_IMAGES)).forEach(key -> {
            String quoted = key.substring(RUNTIME_IMAGES.length());
            assertThat(quoted).as("runtime ids contain dots, so the map key must be quoted").startsWith("\"").endsWith("\"");
            images.put(quoted.substring(1, quoted.length() - 1), properties.getProperty(key));
        });
        return images;
    }
}
