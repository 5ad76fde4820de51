package dev.klambda.agent;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The error documents the platform writes when the runtime cannot answer, worded as AWS records
 * them (shared/reference/lambda-api.md, section 1.6). They reach the caller with HTTP 200 and
 * {@code X-Amz-Function-Error: Unhandled}.
 */
public final class PlatformErrors {

    /** Lambda's limit on a buffered response: 6 MiB + 100 bytes. */
    public static final int MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;

    private PlatformErrors() {
    }

    /** {@code Sandbox.Timedout}: "RequestId: id Error: Task timed out after 3.00 seconds". */
    public static byte[] timedOut(String requestId, double timeoutSeconds) {
        return document("Sandbox.Timedout", "RequestId: " + requestId + " Error: Task timed out after "
                + String.format(Locale.ROOT, "%.2f", timeoutSeconds) + " seconds");
    }

    /** {@code Function.ResponseSizeTooLarge}: the runtime posted more than {@link #MAX_RESPONSE_BYTES}. */
    public static byte[] responseTooLarge() {
        return document("Function.ResponseSizeTooLarge",
                "Response payload size exceeded maximum allowed payload size (" + MAX_RESPONSE_BYTES + " bytes).");
    }

    /** An error document of a type the platform decides, e.g. for an environment that cannot be prepared. */
    public static byte[] document(String errorType, String errorMessage) {
        return ("{\"errorType\":\"" + escape(errorType) + "\",\"errorMessage\":\"" + escape(errorMessage) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** How AWS describes a runtime's exit: "Runtime exited with error: exit status 127", "...: signal: killed". */
    static String exitReason(int exitCode) {
        if (exitCode == 0) {
            return "Runtime exited without providing a reason";
        }
        if (exitCode < 0) {
            return "Runtime exited with error: signal: " + signalName(-exitCode);
        }
        if (exitCode > 128 && exitCode < 160) {
            // the JVM reports death by signal N as exit code 128 + N
            return "Runtime exited with error: signal: " + signalName(exitCode - 128);
        }
        return "Runtime exited with error: exit status " + exitCode;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 9 -> "killed";
            case 15 -> "terminated";
            case 11 -> "segmentation fault";
            case 6 -> "aborted";
            case 2 -> "interrupt";
            default -> "signal " + signal;
        };
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
