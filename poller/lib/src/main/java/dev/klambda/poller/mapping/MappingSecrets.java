package dev.klambda.poller.mapping;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Secret;

/** Where a mapping's source access configurations find their Secrets: the API server, or standalone's manifests. */
@FunctionalInterface
public interface MappingSecrets {

    /** None: every Secret is missing. */
    MappingSecrets NONE = (namespace, name) -> Optional.empty();

    /** The data of Secret {@code name} in {@code namespace}, by key, or empty when there is no such Secret. */
    Optional<Map<String, byte[]>> secret(String namespace, String name);

    /** A Secret's data as the API server merges it: {@code data} decoded from base64, then {@code stringData} as UTF-8. */
    static Map<String, byte[]> data(Secret secret) {
        Map<String, byte[]> data = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((key, value) -> data.put(key, Base64.getDecoder().decode(value)));
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((key, value) -> data.put(key, value.getBytes(StandardCharsets.UTF_8)));
        }
        return Map.copyOf(data);
    }
}
