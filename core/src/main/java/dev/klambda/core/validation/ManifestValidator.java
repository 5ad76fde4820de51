package dev.klambda.core.validation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;

import dev.klambda.crds.v1alpha1.CustomResources;
import dev.klambda.crds.v1alpha1.KlambdaApi;

/**
 * Validates klambda manifests the way the Kubernetes API server does with the generated CRDs:
 * metadata, then defaults and the structural schema, then the CEL rules (mirrored in
 * {@link Rules}). Standalone mode uses it for its manifest directory and API writes, so a
 * manifest is accepted or refused, with the same messages, in both modes. Thread-safe.
 */
public final class ManifestValidator {

    private static final Pattern DNS_SUBDOMAIN = Pattern
            .compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private final ObjectMapper mapper;
    private final Map<String, Kind> kinds = new LinkedHashMap<>();

    private record Kind(Class<? extends CustomResource<?, ?>> type, StructuralSchema schema) {
    }

    public ManifestValidator(ObjectMapper mapper) {
        this.mapper = mapper;
        for (Class<? extends CustomResource<?, ?>> kind : CustomResources.KINDS) {
            kinds.put(kind.getSimpleName(),
                    new Kind(kind, StructuralSchema.fromCrdResource(CustomResources.crdResource(kind))));
        }
    }

    /** The kinds this validator knows, by name. */
    public List<String> kinds() {
        return List.copyOf(kinds.keySet());
    }

    /** The structural schema of {@code kind}, e.g. {@code Function}. */
    public StructuralSchema schema(String kind) {
        return kinds.get(kind).schema();
    }

    /**
     * Validates a manifest as a create. {@code manifest} is not modified; the returned resource
     * carries the defaults. A {@code status} in the manifest is ignored, as the API server ignores
     * it for resources with a status subresource.
     */
    public Validation validate(JsonNode manifest) {
        List<FieldError> errors = new ArrayList<>();
        if (!manifest.isObject()) {
            errors.add(FieldError.invalid("", "array", "a manifest is a YAML object with apiVersion, kind and metadata"));
            return new Validation(null, errors);
        }
        String apiVersion = manifest.path("apiVersion").asText(null);
        String kindName = manifest.path("kind").asText(null);
        if (!KlambdaApi.API_VERSION.equals(apiVersion)) {
            errors.add(apiVersion == null ? FieldError.required("apiVersion")
                    : FieldError.unsupported("apiVersion", apiVersion, List.of(KlambdaApi.API_VERSION)));
        }
        Kind kind = kindName == null ? null : kinds.get(kindName);
        if (kind == null) {
            errors.add(kindName == null ? FieldError.required("kind")
                    : FieldError.unsupported("kind", kindName, List.copyOf(kinds.keySet())));
        }
        if (!errors.isEmpty()) {
            return new Validation(null, errors);
        }

        ObjectNode object = ((ObjectNode) manifest).deepCopy();
        object.remove("status");
        metadata(object.path("metadata"), errors);
        kind.schema().applyDefaults(object);
        errors.addAll(kind.schema().validate(object));
        if (!errors.isEmpty()) {
            return new Validation(null, errors);
        }
        HasMetadata resource;
        try {
            resource = mapper.treeToValue(object, kind.type());
        } catch (JsonProcessingException e) {
            // The schema is generated from these classes, so this means the two drifted apart.
            throw new IllegalStateException("a schema-valid " + kindName + " does not bind to " + kind.type(), e);
        }
        errors.addAll(Rules.check(resource));
        return new Validation(resource, errors);
    }

    /** The transition rules (immutable fields) for replacing {@code old} with {@code updated}. */
    public List<FieldError> validateUpdate(HasMetadata old, HasMetadata updated) {
        if (!old.getClass().equals(updated.getClass())) {
            throw new IllegalArgumentException("cannot update a " + old.getKind() + " with a " + updated.getKind());
        }
        return Rules.checkUpdate(old, updated);
    }

    private static void metadata(JsonNode metadata, List<FieldError> errors) {
        if (!metadata.isObject()) {
            errors.add(FieldError.required("metadata.name", "name or generateName is required"));
            return;
        }
        JsonNode name = metadata.get("name");
        if (name == null || name.asText().isEmpty()) {
            errors.add(FieldError.required("metadata.name", "name or generateName is required"));
        } else if (!name.isTextual() || name.asText().length() > 253 || !DNS_SUBDOMAIN.matcher(name.asText()).matches()) {
            errors.add(FieldError.invalid("metadata.name", name.asText(),
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
        }
        JsonNode namespace = metadata.get("namespace");
        if (namespace != null && (!namespace.isTextual() || namespace.asText().length() > 63
                || !DNS_LABEL.matcher(namespace.asText()).matches())) {
            errors.add(FieldError.invalid("metadata.namespace", namespace.asText(),
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
        }
    }
}
