package dev.klambda.core.pool;

import java.util.Optional;

/**
 * How invokers tell the controller how many environments each pool needs. Every invoker replica
 * keeps one ConfigMap in the system namespace, labelled {@link #LABEL}, whose data maps
 * {@link #key pool keys} to the number of environments that replica wants for the pool now: the
 * invocations it runs there plus those waiting for an environment. It rewrites the ConfigMap as
 * soon as a request waits and every few seconds otherwise, stamping {@link #REPORTED_AT}; the
 * controller adds up the replicas' reports that are fresh and ignores the others, so a replica that
 * died stops counting without anyone cleaning up after it.
 */
public final class DemandReports {

    /** Label (value {@code "true"}) of every demand report ConfigMap. */
    public static final String LABEL = "klambda.dev/demand-report";
    /** Annotation: when the report was written, as an ISO-8601 instant. */
    public static final String REPORTED_AT = "klambda.dev/reported-at";

    private static final String PREFIX = "klambda-demand-";

    private DemandReports() {
    }

    /** The ConfigMap name of the invoker replica (pod) {@code invoker}. */
    public static String configMapName(String invoker) {
        String name = PREFIX + invoker;
        return name.length() <= 253 ? name : name.substring(0, 253);
    }

    /**
     * The data key of a pool: {@code <namespace>.<pool>}. Neither a namespace nor a pool name (a
     * DNS label, see {@link PoolNames#pool}) holds a dot, so the key splits back unambiguously.
     */
    public static String key(String namespace, String pool) {
        return namespace + "." + pool;
    }

    /** The pool a data key names, or empty when it is not a key {@link #key} writes. */
    public static Optional<PoolKey> parseKey(String key) {
        int dot = key.indexOf('.');
        if (dot <= 0 || dot == key.length() - 1 || key.indexOf('.', dot + 1) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new PoolKey(key.substring(0, dot), key.substring(dot + 1)));
    }

    /** The environments a report asks for, from a data value; 0 for anything that is not a count. */
    public static int parseDemand(String value) {
        try {
            return Math.max(0, Integer.parseInt(value.trim()));
        } catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }

    /** A pool: the namespace of its function and its Deployment name. */
    public record PoolKey(String namespace, String pool) {
    }
}
