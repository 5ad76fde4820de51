package dev.klambda.agent.pool;

/**
 * A pool's environments at one moment, and its cold starts so far.
 *
 * @param warm initialised and waiting for an invocation
 * @param busy running an invocation
 * @param starting being created or initialising
 * @param coldStarts invocations that had to wait for INIT
 * @param lastInitMillis how long the most recent INIT took, or null before the first
 */
public record PoolStats(int warm, int busy, int starting, long coldStarts, Double lastInitMillis) {

    public int total() {
        return warm + busy + starting;
    }
}
