package dev.klambda.core.validation;

import java.util.List;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The outcome of validating one manifest.
 *
 * @param resource the defaulted resource, or null when the manifest could not be read as one
 * @param errors what is wrong with it; empty when it is valid
 */
public record Validation(HasMetadata resource, List<FieldError> errors) {

    public Validation {
        errors = List.copyOf(errors);
    }

    public boolean valid() {
        return errors.isEmpty();
    }
}
