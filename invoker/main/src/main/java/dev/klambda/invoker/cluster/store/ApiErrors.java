package dev.klambda.invoker.cluster.store;

import java.util.List;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriteException.Reason;

/** The API server's refusals of a write, as the store's: which ones callers can act on, and the rest as they are. */
final class ApiErrors {

    /** The kind of write that was refused. */
    enum Write {
        CREATE,
        REPLACE,
        DELETE
    }

    private ApiErrors() {
    }

    /**
     * {@code failure} as a {@link ResourceWriteException} when it is a refusal the store's contract
     * names (409, 404 of an existing object, 422), else {@code failure} itself.
     *
     * @param key the written object, as {@code Kind(namespace/name)}
     */
    static RuntimeException of(KubernetesClientException failure, String key, Write write) {
        Status status = failure.getStatus();
        String reason = status == null ? null : status.getReason();
        return switch (failure.getCode()) {
            // The API server says AlreadyExists for a create and Conflict for a stale
            // resourceVersion or precondition; fabric8's mock server says neither, so the write decides.
            case 409 -> "AlreadyExists".equals(reason) || (write == Write.CREATE && !"Conflict".equals(reason))
                    ? new ResourceWriteException(Reason.EXISTS, key + " already exists")
                    : new ResourceWriteException(Reason.CHANGED, key + " changed since it was read");
            // A create's 404 is a missing namespace or CRD: nothing the caller can fix.
            case 404 -> write == Write.CREATE ? failure : new ResourceWriteException(Reason.GONE, key + " does not exist");
            case 422 -> invalid(status, key);
            default -> failure;
        };
    }

    /** 422: each cause as {@code field: message}, the way the validator words its own. */
    private static ResourceWriteException invalid(Status status, String key) {
        List<StatusCause> causes = status == null || status.getDetails() == null || status.getDetails().getCauses() == null
                ? List.of()
                : status.getDetails().getCauses();
        List<String> problems = causes.stream()
                .map(c -> c.getField() == null || c.getField().isEmpty() ? c.getMessage()
                        : c.getField() + ": " + c.getMessage())
                .toList();
        if (problems.isEmpty() && status != null && status.getMessage() != null) {
            problems = List.of(status.getMessage());
        }
        return new ResourceWriteException(Reason.INVALID, key + " is invalid: " + String.join("; ", problems), problems);
    }
}
