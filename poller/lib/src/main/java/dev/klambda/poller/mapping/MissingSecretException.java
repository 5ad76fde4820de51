package dev.klambda.poller.mapping;

/** A Secret or a key in it is missing; the mapping reports it and tries again, as it may yet appear. */
public final class MissingSecretException extends RuntimeException {

    public MissingSecretException(String message) {
        super(message, null, false, false);
    }
}
