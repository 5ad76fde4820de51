package dev.klambda.poller.mapping;

import java.util.Map;
import java.util.Optional;

/** Where a mapping's source access configurations find their Secrets: the API server, or standalone's manifests. */
@FunctionalInterface
public interface MappingSecrets {

    /** None: every Secret is missing. */
    MappingSecrets NONE = (namespace, name) -> Optional.empty();

    /** The data of Secret {@code name} in {@code namespace}, by key, or empty when there is no such Secret. */
    Optional<Map<String, byte[]>> secret(String namespace, String name);
}
