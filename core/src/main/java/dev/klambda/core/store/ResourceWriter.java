package dev.klambda.core.store;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Writes the four kinds, as {@code kubectl apply} would: cluster mode through the Kubernetes API,
 * standalone into its manifest files. Every write is checked with the rules the API server applies
 * (the generated schema and CEL rules, {@link dev.klambda.core.validation.ManifestValidator}) and is
 * visible to the store's reads when the call returns.
 */
public interface ResourceWriter {

    /**
     * Stores a resource that does not exist yet.
     *
     * @return the resource as the store now holds it, with its status
     * @throws ResourceWriteException {@code EXISTS} when one of that kind, namespace and name exists,
     *         {@code INVALID} when the rules refuse it
     */
    <T extends HasMetadata> T create(T resource);

    /**
     * Replaces a stored resource. When {@code resource} carries a {@code metadata.resourceVersion},
     * the stored one must still have it, so read-modify-write cycles never lose a concurrent change.
     *
     * @return the resource as the store now holds it, with its status
     * @throws ResourceWriteException {@code CHANGED}, {@code GONE} or {@code INVALID}
     */
    <T extends HasMetadata> T replace(T resource);

    /**
     * Deletes a stored resource, with the same {@code resourceVersion} precondition as {@link #replace}.
     *
     * @throws ResourceWriteException {@code CHANGED} or {@code GONE}
     */
    void delete(HasMetadata resource);
}
