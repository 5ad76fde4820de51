package dev.klambda.it.cluster;

/**
 * Why a pod or one of its containers cannot start, in the kubelet's words: a reason
 * ({@code FailedMount}, {@code CreateContainerConfigError}, ...) and whether trying again later
 * can help (a ConfigMap or Secret that does not exist yet) or not (something the fake node does
 * not do).
 */
final class PodProblem extends Exception {

    private final String reason;
    private final boolean retriable;

    PodProblem(String reason, String message, boolean retriable) {
        super(message);
        this.reason = reason;
        this.retriable = retriable;
    }

    /** Something the fake node does not do; the pod fails. */
    static PodProblem unsupported(String message) {
        return new PodProblem("UnsupportedByFakeNode", message + " (FakeNode does not do this)", false);
    }

    String reason() {
        return reason;
    }

    boolean retriable() {
        return retriable;
    }
}
