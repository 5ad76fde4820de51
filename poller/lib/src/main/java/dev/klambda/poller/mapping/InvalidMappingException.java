package dev.klambda.poller.mapping;

/** Thrown when a mapping cannot run as configured: Lambda's ESM_CONFIG_NOT_VALID. */
public final class InvalidMappingException extends IllegalArgumentException {

    public InvalidMappingException(String message) {
        super(message);
    }
}
