package dev.klambda.invoker.cluster.store;

/** Whether a cache has caught up with a write, by the resourceVersions the API server gave both. */
final class ResourceVersions {

    private ResourceVersions() {
    }

    /**
     * Whether {@code seen} is {@code written} or a later version of the same object. Equality
     * alone is not enough: when a watch reconnects and relists, the cache may jump past the version
     * that was written. kube-apiserver issues resourceVersions as integers that grow with every
     * write of a resource type, and since Kubernetes 1.35 promises clients they are orderable that
     * way (KEP-5504); older servers already issue them so. Anything that is not a number is only
     * compared for equality.
     */
    static boolean atLeast(String seen, String written) {
        if (seen == null || written == null) {
            return false;
        }
        if (seen.equals(written)) {
            return true;
        }
        try {
            return Long.parseLong(seen) >= Long.parseLong(written);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Whether {@code cached} is a later version than {@code expected}, which a caller read before.
     * Callers read resourceVersions from the cache, which only moves forward, so when they are not
     * numbers any other one is later.
     */
    static boolean later(String cached, String expected) {
        if (cached == null || cached.equals(expected)) {
            return false;
        }
        try {
            return Long.parseLong(cached) > Long.parseLong(expected);
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
