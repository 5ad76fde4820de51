package dev.klambda.poller;

import java.time.Duration;

/** A wait that doubles from {@code first} with each failure in a row, up to {@code max}. */
public record Backoff(Duration first, Duration max) {

    /** The wait after {@code doublings} earlier waits in a row (0 for the first). */
    public Duration after(int doublings) {
        Duration wait = first.multipliedBy(1L << Math.min(Math.max(doublings, 0), 30));
        return wait.compareTo(max) > 0 ? max : wait;
    }
}
