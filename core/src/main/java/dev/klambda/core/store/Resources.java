package dev.klambda.core.store;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Helpers for resources read from a {@link ResourceStore}, whose objects are shared and must not change. */
public final class Resources {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Resources() {
    }

    /** A deep copy of {@code resource}, to change and hand to a {@link ResourceWriter}. */
    @SuppressWarnings("unchecked")
    public static <T extends HasMetadata> T copy(T resource) {
        return (T) JSON.convertValue(resource, resource.getClass());
    }
}
