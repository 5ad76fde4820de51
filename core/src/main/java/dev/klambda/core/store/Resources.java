package dev.klambda.core.store;

import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;

/** Helpers for resources read from a {@link ResourceStore}, whose objects are shared and must not change. */
public final class Resources {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Resources() {
    }

    /** A deep copy of {@code resource} without its status (the store's to work out), to change and write. */
    public static <T extends HasMetadata> T editable(T resource) {
        T copy = copy(resource);
        if (copy instanceof CustomResource<?, ?> custom) {
            custom.setStatus(null);
        }
        return copy;
    }

    /**
     * Sets (or with a null value removes) one annotation of {@code resource}, e.g. when a setting
     * that Lambda timestamps was last changed.
     */
    public static void annotate(HasMetadata resource, String key, String value) {
        Map<String, String> annotations = resource.getMetadata().getAnnotations() == null ? new HashMap<>()
                : new HashMap<>(resource.getMetadata().getAnnotations());
        if (value == null) {
            annotations.remove(key);
        } else {
            annotations.put(key, value);
        }
        resource.getMetadata().setAnnotations(annotations.isEmpty() ? null : annotations);
    }

    /** One annotation of {@code resource}, or null. */
    public static String annotation(HasMetadata resource, String key) {
        Map<String, String> annotations = resource.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(key);
    }

    /** A deep copy of {@code resource}, to change and hand to a {@link ResourceWriter}. */
    @SuppressWarnings("unchecked")
    public static <T extends HasMetadata> T copy(T resource) {
        return (T) JSON.convertValue(resource, resource.getClass());
    }
}
