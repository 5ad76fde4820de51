package dev.klambda.core.store;

import java.util.List;

/** A write the store refused, and why; callers turn it into their API's error. */
public final class ResourceWriteException extends RuntimeException {

    /** Why a write was refused. */
    public enum Reason {
        /** create: the resource exists already. */
        EXISTS,
        /** replace or delete: the resource changed since it was read. */
        CHANGED,
        /** replace or delete: the resource does not exist (any more). */
        GONE,
        /** The API server's rules refuse the resource. */
        INVALID
    }

    private final Reason reason;
    private final List<String> problems;

    public ResourceWriteException(Reason reason, String message, List<String> problems) {
        super(message);
        this.reason = reason;
        this.problems = List.copyOf(problems);
    }

    public ResourceWriteException(Reason reason, String message) {
        this(reason, message, List.of());
    }

    public Reason reason() {
        return reason;
    }

    /** For INVALID: each rule the resource breaks, as the API server would word it. */
    public List<String> problems() {
        return problems;
    }
}
