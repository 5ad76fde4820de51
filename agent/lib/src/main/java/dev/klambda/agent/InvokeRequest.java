package dev.klambda.agent;

import java.util.Objects;

/**
 * One invocation, as the invoker hands it to an environment.
 *
 * @param requestId the request id the runtime and the caller see
 * @param payload the event bytes
 * @param deadlineEpochMillis when the invocation times out, or 0 for now + the function timeout
 * @param invokedFunctionArn the ARN as invoked (unqualified, version or alias); null for the function's own
 * @param traceId the X-Ray trace header value, or null
 * @param clientContext the decoded client context JSON, or null
 * @param cognitoIdentity the cognito identity JSON, or null
 * @param tailLog whether the caller asked for the last 4 KB of the log
 */
public record InvokeRequest(String requestId, byte[] payload, long deadlineEpochMillis, String invokedFunctionArn,
        String traceId, String clientContext, String cognitoIdentity, boolean tailLog) {

    public InvokeRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(payload, "payload");
    }

    /** A plain invocation of {@code payload} with the function's own timeout. */
    public static InvokeRequest of(String requestId, byte[] payload) {
        return new InvokeRequest(requestId, payload, 0, null, null, null, null, false);
    }
}
