package dev.klambda.controller.model;

/** How many environments a pool gets: what is provisioned or wanted, never more than the function may use. */
public final class PoolSizing {

    private PoolSizing() {
    }

    /**
     * {@code clamp(max(provisioned, demand), 0, cap)}.
     *
     * @param provisioned environments kept initialised (the version's and its aliases' provisioned concurrency)
     * @param demand concurrent invocations the invokers reported wanting within the idle time
     * @param cap the function's reserved concurrency, else the account's limit
     */
    public static int replicas(int provisioned, int demand, int cap) {
        return Math.max(0, Math.min(Math.max(provisioned, demand), cap));
    }
}
