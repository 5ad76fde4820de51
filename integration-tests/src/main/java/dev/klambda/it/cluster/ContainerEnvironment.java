package dev.klambda.it.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A container's {@code env} as the kubelet resolves it: plain values, values from Secrets and
 * ConfigMaps read from the API server, and the pod fields the downward API offers.
 */
final class ContainerEnvironment {

    private ContainerEnvironment() {
    }

    /**
     * The variables of {@code container}, in order.
     *
     * @throws PodProblem {@code CreateContainerConfigError}: retriable when a Secret, ConfigMap or key
     *         is missing, not when the container asks for what the fake node does not do (envFrom)
     */
    static Map<String, String> resolve(KubernetesClient client, Pod pod, Container container, String podIP,
            String hostIP) throws PodProblem {
        if (container.getEnvFrom() != null && !container.getEnvFrom().isEmpty()) {
            throw PodProblem.unsupported("container " + container.getName() + " uses envFrom");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar variable : container.getEnv()) {
            EnvVarSource from = variable.getValueFrom();
            if (from == null) {
                env.put(variable.getName(), variable.getValue() == null ? "" : variable.getValue());
                continue;
            }
            String value;
            if (from.getSecretKeyRef() != null) {
                value = secret(client, pod, from.getSecretKeyRef());
            } else if (from.getConfigMapKeyRef() != null) {
                value = configMap(client, pod, from.getConfigMapKeyRef());
            } else if (from.getFieldRef() != null) {
                value = field(pod, from.getFieldRef().getFieldPath(), podIP, hostIP);
            } else {
                throw PodProblem.unsupported("variable " + variable.getName() + " comes from a resource field");
            }
            if (value != null) {
                env.put(variable.getName(), value);
            }
        }
        return env;
    }

    private static String secret(KubernetesClient client, Pod pod, SecretKeySelector ref) throws PodProblem {
        Secret secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(ref.getName()).get();
        String value = null;
        if (secret != null && secret.getData() != null && secret.getData().containsKey(ref.getKey())) {
            value = new String(Base64.getDecoder().decode(secret.getData().get(ref.getKey())), StandardCharsets.UTF_8);
        } else if (secret != null && secret.getStringData() != null) {
            // the mock server keeps stringData as it was written; an API server would have moved it to data
            value = secret.getStringData().get(ref.getKey());
        }
        return found(value, Boolean.TRUE.equals(ref.getOptional()),
                secret == null ? "secret \"" + ref.getName() + "\" not found"
                        : "couldn't find key " + ref.getKey() + " in Secret " + ref.getName());
    }

    private static String configMap(KubernetesClient client, Pod pod, ConfigMapKeySelector ref) throws PodProblem {
        ConfigMap configMap = client.configMaps().inNamespace(pod.getMetadata().getNamespace()).withName(ref.getName())
                .get();
        String value = null;
        if (configMap != null && configMap.getData() != null) {
            value = configMap.getData().get(ref.getKey());
        }
        return found(value, Boolean.TRUE.equals(ref.getOptional()),
                configMap == null ? "configmap \"" + ref.getName() + "\" not found"
                        : "couldn't find key " + ref.getKey() + " in ConfigMap " + ref.getName());
    }

    private static String found(String value, boolean optional, String missing) throws PodProblem {
        if (value == null && !optional) {
            throw new PodProblem("CreateContainerConfigError", missing, true);
        }
        return value;
    }

    private static String field(Pod pod, String path, String podIP, String hostIP) throws PodProblem {
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "spec.nodeName" -> pod.getSpec().getNodeName();
            case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
            case "status.podIP" -> podIP;
            case "status.hostIP" -> hostIP;
            default -> throw PodProblem.unsupported("field " + path + " of the downward API");
        };
    }
}
