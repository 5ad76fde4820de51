package dev.klambda.agent;

/**
 * What an invocation produced: the payload for the caller and the facts for headers and metrics.
 *
 * @param payload the response bytes, or an error document
 * @param contentType the response content type the runtime gave
 * @param functionError {@code Unhandled} when the payload is an error document, else null
 * @param errorType the error's type (e.g. {@code Sandbox.Timedout}, {@code Runtime.ExitError}), for logs and metrics
 * @param logTail base64 of the last 4 KB of the invocation's log (as X-Amz-Log-Result carries it) when the caller
 *        asked for it, else null
 * @param durationMillis how long the invocation ran
 * @param initDurationMillis how long INIT took when this invocation had a cold start, else null
 * @param maxMemoryUsedMb the environment's peak memory so far
 */
public record InvokeResult(byte[] payload, String contentType, String functionError, String errorType, String logTail,
        double durationMillis, Double initDurationMillis, long maxMemoryUsedMb) {

    /** Whether this invocation started a new runtime (a cold start). */
    public boolean coldStart() {
        return initDurationMillis != null;
    }
}
