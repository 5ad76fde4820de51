package dev.klambda.agent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * An environment's log: every line goes to the sink, and the lines of the invocation in progress
 * are kept (the last 4 KB of them) for {@code X-Amz-Log-Type: Tail}.
 */
final class LogRecorder {

    /** Lambda returns the last 4 KB of an invocation's log. */
    static final int TAIL_BYTES = 4096;

    private final LogSink sink;
    private final StringBuilder invocation = new StringBuilder();
    private boolean recording;

    LogRecorder(LogSink sink) {
        this.sink = sink;
    }

    synchronized void line(String line) {
        sink.line(line);
        if (recording) {
            invocation.append(line).append('\n');
            // keep a little more than needed; trimmed to bytes when read
            if (invocation.length() > 4 * TAIL_BYTES) {
                invocation.delete(0, invocation.length() - 2 * TAIL_BYTES);
            }
        }
    }

    /** Starts keeping lines for a new invocation. */
    synchronized void beginInvocation() {
        invocation.setLength(0);
        recording = true;
    }

    /**
     * Stops keeping lines and returns the base64 of the invocation's last 4 KB, as X-Amz-Log-Result
     * carries it, when the caller asked for the tail; else null.
     */
    synchronized String endInvocation(boolean tail) {
        recording = false;
        String encoded = tail ? base64Tail() : null;
        invocation.setLength(0);
        return encoded;
    }

    private String base64Tail() {
        byte[] bytes = invocation.toString().getBytes(StandardCharsets.UTF_8);
        int from = Math.max(0, bytes.length - TAIL_BYTES);
        // do not start in the middle of a UTF-8 sequence
        while (from < bytes.length && from > 0 && (bytes[from] & 0xC0) == 0x80) {
            from++;
        }
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, from, bytes.length));
    }
}
