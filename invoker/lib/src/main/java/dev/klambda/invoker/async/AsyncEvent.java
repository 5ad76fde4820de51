package dev.klambda.invoker.async;

import java.time.Instant;
import java.util.Objects;

/**
 * One asynchronous invocation while it waits in the event queue, between the 202 and the last
 * attempt. Every attempt carries the same request id, so functions can tell a retry from a new event.
 *
 * @param requestId the id the caller got with the 202 and every attempt's runtime sees
 * @param callerAccount the account that invoked, whose permissions every attempt is checked with
 * @param functionArn the function as invoked: its ARN, qualified when the caller gave a qualifier
 * @param payload the event, as the caller sent it
 * @param enqueuedAt when the event was first accepted; its age counts from here
 * @param attempts how many attempts reached the function and failed (Lambda's approximate invoke count)
 * @param backoffs how many times in a row the event waited after a throttle or a platform error
 * @param due when the event should be attempted next, or null for at once
 * @param traceId the X-Ray trace header of the original call, or null
 */
public record AsyncEvent(String requestId, String callerAccount, String functionArn, byte[] payload,
        Instant enqueuedAt, int attempts, int backoffs, Instant due, String traceId) {

    public AsyncEvent {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(callerAccount, "callerAccount");
        Objects.requireNonNull(functionArn, "functionArn");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(enqueuedAt, "enqueuedAt");
    }

    /** A new event, accepted now. */
    public static AsyncEvent accepted(String requestId, String callerAccount, String functionArn, byte[] payload,
            Instant now, String traceId) {
        return new AsyncEvent(requestId, callerAccount, functionArn, payload, now, 0, 0, null, traceId);
    }

    /** This event after its function failed, to be tried again at {@code due}. */
    public AsyncEvent afterFunctionError(Instant due) {
        return new AsyncEvent(requestId, callerAccount, functionArn, payload, enqueuedAt, attempts + 1, 0, due,
                traceId);
    }

    /** This event after a throttle or a platform error, to be tried again at {@code due}. */
    public AsyncEvent afterBackoff(Instant due) {
        return new AsyncEvent(requestId, callerAccount, functionArn, payload, enqueuedAt, attempts, backoffs + 1, due,
                traceId);
    }
}
