package dev.klambda.invoker.invoke;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The X-Ray trace header an invocation carries to the runtime ({@code Lambda-Runtime-Trace-Id},
 * {@code _X_AMZN_TRACE_ID}): the caller's {@code X-Amzn-Trace-Id} as given, else one derived from
 * a W3C {@code traceparent}, else a new unsampled root, as Lambda starts one for every invocation.
 */
public final class TraceHeader {

    private static final int W3C_LENGTH = 55;

    private TraceHeader() {
    }

    /**
     * @param amznTraceId the {@code X-Amzn-Trace-Id} header, or null
     * @param traceparent the {@code traceparent} header, or null
     * @param nowEpochSeconds the current time, which a new root id starts with
     */
    public static String of(String amznTraceId, String traceparent, long nowEpochSeconds) {
        if (amznTraceId != null && amznTraceId.startsWith("Root=")) {
            return amznTraceId;
        }
        String fromW3c = fromTraceparent(traceparent);
        if (fromW3c != null) {
            return fromW3c;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "Root=1-" + hex(nowEpochSeconds, 8) + "-" + hex(random.nextLong(), 16) + hex(random.nextInt(), 8)
                + ";Parent=" + hex(random.nextLong(), 16) + ";Sampled=0";
    }

    /** {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>} as X-Ray's Root, Parent and Sampled. */
    static String fromTraceparent(String traceparent) {
        if (traceparent == null || traceparent.length() != W3C_LENGTH || !traceparent.startsWith("00-")
                || traceparent.charAt(35) != '-' || traceparent.charAt(52) != '-' || !isHex(traceparent)) {
            return null;
        }
        String traceId = traceparent.substring(3, 35);
        String parentId = traceparent.substring(36, 52);
        boolean sampled = (Character.digit(traceparent.charAt(54), 16) & 1) == 1;
        return "Root=1-" + traceId.substring(0, 8) + "-" + traceId.substring(8) + ";Parent=" + parentId + ";Sampled="
                + (sampled ? "1" : "0");
    }

    private static boolean isHex(String traceparent) {
        for (int i = 0; i < traceparent.length(); i++) {
            char c = traceparent.charAt(i);
            if (c != '-' && Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String hex(long value, int digits) {
        String hex = Long.toHexString(value);
        if (hex.length() > digits) {
            return hex.substring(hex.length() - digits);
        }
        return "0".repeat(digits - hex.length()) + hex;
    }
}
