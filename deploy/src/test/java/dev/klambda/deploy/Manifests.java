package dev.klambda.deploy;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The documents {@code helm template} printed, each parsed into its fabric8 model (kinds fabric8
 * has no class for, such as ServiceMonitor, as {@link GenericKubernetesResource}).
 */
final class Manifests {

    /** One rendered document and the template it came from. */
    record Manifest(String template, HasMetadata object) {
    }

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private static final Pattern SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final Pattern SOURCE = Pattern.compile("(?m)^# Source: (\\S+)$");

    private final List<Manifest> manifests;

    private Manifests(List<Manifest> manifests) {
        this.manifests = manifests;
    }

    static Manifests parse(String yaml) {
        List<Manifest> parsed = new ArrayList<>();
        for (String document : SEPARATOR.split(yaml)) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            var source = SOURCE.matcher(document);
            String template = source.find() ? source.group(1) : "?";
            Object object = SERIALIZATION.unmarshal(document);
            if (!(object instanceof HasMetadata resource)) {
                throw new AssertionError(template + " rendered something that is not a Kubernetes object: " + object);
            }
            parsed.add(new Manifest(template, resource));
        }
        return new Manifests(List.copyOf(parsed));
    }

    List<Manifest> all() {
        return manifests;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return manifests.stream().map(Manifest::object).filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(
                () -> new AssertionError("no " + type.getSimpleName() + " " + name + " among " + names()));
    }

    /** A kind fabric8 has no class for. */
    Optional<GenericKubernetesResource> findGeneric(String kind, String name) {
        return all(GenericKubernetesResource.class).stream()
                .filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name)).findFirst();
    }

    /** The Deployment of controller, invoker or poller. */
    Deployment deployment(String component) {
        return get(Deployment.class, Chart.RELEASE + "-" + component);
    }

    /** The one container of a component's pods. */
    Container container(String component) {
        List<Container> containers = deployment(component).getSpec().getTemplate().getSpec().getContainers();
        if (containers.size() != 1) {
            throw new AssertionError(component + " has " + containers.size() + " containers");
        }
        return containers.get(0);
    }

    /** The application.properties text of the shared ConfigMap. */
    String propertiesText() {
        return get(ConfigMap.class, Chart.RELEASE + "-config").getData().get("application.properties");
    }

    /** The application.properties of the shared ConfigMap, as the services' config reads them. */
    Properties properties() {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(propertiesText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    List<String> names() {
        return manifests.stream().map(m -> m.object().getKind() + "/" + m.object().getMetadata().getName()).toList();
    }
}
