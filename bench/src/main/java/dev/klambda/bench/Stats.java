package dev.klambda.bench;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of a set of durations in microseconds. */
record Stats(double[] micros) {

    static Stats of(double[] micros) {
        double[] sorted = micros.clone();
        Arrays.sort(sorted);
        return new Stats(sorted);
    }

    double percentile(double p) {
        int index = (int) Math.ceil(p / 100.0 * micros.length) - 1;
        return micros[Math.max(0, Math.min(micros.length - 1, index))];
    }

    String ms(double p) {
        return String.format(Locale.ROOT, "%.1f ms", percentile(p) / 1000.0);
    }

    String us(double p) {
        return String.format(Locale.ROOT, "%.0f µs", percentile(p));
    }
}
