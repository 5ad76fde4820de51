package dev.klambda.invoker.cluster.pods;

import dev.klambda.core.pool.DemandReports.PoolKey;

/**
 * A function pod as the invoker sees it: where its agent takes invocations, and which revision of
 * the function it runs (null when the pod does not say).
 */
public record PoolPod(PoolKey pool, String uid, String name, String ip, int port, String revision, boolean ready) {

    /** The agent's base address, e.g. {@code http://10.1.2.3:8080}. */
    public String address() {
        return "http://" + (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }
}
