package dev.klambda.core.api;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The two timestamp encodings of Lambda's API. */
public final class LambdaTimestamps {

    /** {@code 2019-10-01T16:47:28.490+0000}: FunctionConfiguration.LastModified and friends. */
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
            .withZone(ZoneOffset.UTC);

    private LambdaTimestamps() {
    }

    /** Formats {@code instant} as Lambda's string timestamps, e.g. {@code 2019-10-01T16:47:28.490+0000}. */
    public static String iso(Instant instant) {
        return ISO.format(instant);
    }

    /** Epoch seconds with milliseconds, as ESM and event-invoke-config {@code LastModified} numbers. */
    public static double epochSeconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }
}
