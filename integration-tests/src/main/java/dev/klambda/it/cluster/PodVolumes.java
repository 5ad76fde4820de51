package dev.klambda.it.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A pod's volumes as directories of the machine, under {@code <pod directory>/volumes/<name>}:
 * an emptyDir is an empty directory, a ConfigMap or Secret volume a directory with one file per
 * key (or per listed item). A container sees a volume at its mount path; the fake node tells the
 * agent the local directory instead (see {@link #rewrite}).
 */
final class PodVolumes {

    private final Map<String, Path> volumes;

    private PodVolumes(Map<String, Path> volumes) {
        this.volumes = volumes;
    }

    /**
     * Creates the volumes of {@code pod} under {@code directory}.
     *
     * @throws PodProblem a retriable {@code FailedMount} when a ConfigMap or Secret is missing; an
     *         unsupported one for volume types other than emptyDir, configMap and secret
     */
    static PodVolumes create(KubernetesClient client, Pod pod, Path directory) throws PodProblem, IOException {
        Map<String, Path> volumes = new LinkedHashMap<>();
        String namespace = pod.getMetadata().getNamespace();
        for (Volume volume : pod.getSpec().getVolumes()) {
            Path local = directory.resolve(volume.getName());
            Files.createDirectories(local);
            if (volume.getEmptyDir() != null) {
                // nothing to write
            } else if (volume.getConfigMap() != null) {
                String name = volume.getConfigMap().getName();
                ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(name).get();
                if (configMap == null) {
                    if (Boolean.TRUE.equals(volume.getConfigMap().getOptional())) {
                        continue;
                    }
                    throw new PodProblem("FailedMount", "configmap \"" + name + "\" not found", true);
                }
                write(local, contents(configMap.getData(), configMap.getBinaryData()), volume.getConfigMap().getItems());
            } else if (volume.getSecret() != null) {
                String name = volume.getSecret().getSecretName();
                Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
                if (secret == null) {
                    if (Boolean.TRUE.equals(volume.getSecret().getOptional())) {
                        continue;
                    }
                    throw new PodProblem("FailedMount", "secret \"" + name + "\" not found", true);
                }
                write(local, contents(secret.getStringData(), secret.getData()), volume.getSecret().getItems());
            } else {
                throw PodProblem
                        .unsupported("volume " + volume.getName() + " is neither an emptyDir, a configMap nor a secret");
            }
            volumes.put(volume.getName(), local);
        }
        return new PodVolumes(volumes);
    }

    /**
     * Mount path to local path, for the mounts of {@code container}.
     *
     * @throws PodProblem when it mounts a volume the pod does not have
     */
    Map<String, Path> mounts(Container container) throws PodProblem {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Path local = volumes.get(mount.getName());
            if (local == null) {
                throw new PodProblem("CreateContainerConfigError", "container " + container.getName()
                        + " mounts volume " + mount.getName() + ", which the pod does not have", false);
            }
            String subPath = mount.getSubPath();
            mounts.put(trimSlash(mount.getMountPath()), subPath == null || subPath.isEmpty() ? local : local.resolve(subPath));
        }
        return mounts;
    }

    /**
     * {@code value} with a path inside the container (or a {@code file://} URL of one) under one of
     * {@code mounts} replaced by the local path, e.g. {@code /var/task} by the task volume's
     * directory. Other values are returned as they are.
     */
    static String rewrite(String value, Map<String, Path> mounts) {
        if (value == null) {
            return null;
        }
        String scheme = value.startsWith("file://") ? "file://" : "";
        String path = value.substring(scheme.length());
        // the longest mount path that holds the value wins, as with nested mounts
        return mounts.entrySet().stream().sorted(Comparator.comparing((Map.Entry<String, Path> e) -> e.getKey().length())
                .reversed())
                .filter(e -> path.equals(e.getKey()) || path.startsWith(e.getKey() + "/"))
                .findFirst()
                .map(e -> scheme + e.getValue() + path.substring(e.getKey().length()))
                .orElse(value);
    }

    private static Map<String, byte[]> contents(Map<String, String> text, Map<String, String> base64) {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        if (text != null) {
            text.forEach((key, value) -> contents.put(key, value.getBytes(StandardCharsets.UTF_8)));
        }
        if (base64 != null) {
            base64.forEach((key, value) -> contents.put(key, Base64.getDecoder().decode(value)));
        }
        return contents;
    }

    private static void write(Path directory, Map<String, byte[]> contents, List<KeyToPath> items)
            throws IOException, PodProblem {
        if (items == null || items.isEmpty()) {
            for (Map.Entry<String, byte[]> entry : contents.entrySet()) {
                Files.write(directory.resolve(entry.getKey()), entry.getValue());
            }
            return;
        }
        for (KeyToPath item : items) {
            byte[] content = contents.get(item.getKey());
            if (content == null) {
                throw new PodProblem("FailedMount", "key " + item.getKey() + " is not in the volume's source", true);
            }
            Path file = directory.resolve(item.getPath());
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        }
    }

    private static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
