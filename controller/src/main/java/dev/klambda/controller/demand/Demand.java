package dev.klambda.controller.demand;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.ConfigMap;

import dev.klambda.core.pool.DemandReports;
import dev.klambda.core.pool.DemandReports.PoolKey;

/**
 * How many environments each pool is wanted for, from the invokers' {@link DemandReports}: the sum
 * of the fresh reports (one older than the staleness counts as absent, so a dead invoker stops
 * counting), remembered as the highest sum seen within the idle time. A pool therefore grows as soon
 * as a report asks for more, and shrinks only once no report has asked for as much for the whole
 * idle time; {@link Wanted#recheckAfter} says when that moment comes, so the reconciler can look
 * again then instead of waiting for the next report. The remembered maximum also goes on the pool's
 * Deployment ({@link Wanted#annotation}), so that a new leader, which starts without this memory, keeps a
 * pool for the rest of its predecessor's idle time instead of shrinking it at once.
 */
public final class Demand {

    private static final String UNTIL = " until ";

    private final Clock clock;
    private final Duration staleness;
    private final Duration idleTime;
    /**
     * Per pool, the sums worth remembering, oldest first with strictly falling demand (a later sum
     * at least as high makes the earlier ones irrelevant), so the first is the window's maximum.
     */
    private final Map<PoolKey, Deque<Sample>> windows = new ConcurrentHashMap<>();
    private volatile Instant nextSweep;

    public Demand(Clock clock, Duration staleness, Duration idleTime) {
        this.clock = clock;
        this.staleness = staleness;
        this.idleTime = idleTime;
        this.nextSweep = clock.instant().plus(idleTime);
    }

    /**
     * What a pool should be sized for, and when that may drop if no report asks for more: after
     * {@code recheckAfter}, at {@code until}.
     */
    public record Wanted(int environments, Optional<Duration> recheckAfter, Optional<Instant> until) {

        /** Nothing wanted, nothing to look at again. */
        public static final Wanted NONE = new Wanted(0, Optional.empty(), Optional.empty());

        /**
         * This as a pool's Deployment remembers it, as "3 until 2026-11-23T10:00:00Z"; null when there
         * is nothing to remember.
         */
        public String annotation() {
            return until.map(end -> environments + UNTIL + end).orElse(null);
        }
    }

    /**
     * Records what the fresh {@code reports} ask for {@code pool} now, and returns the most the pool
     * was asked for within the idle time. {@code remembered} is what the pool's Deployment remembers
     * ({@link Wanted#annotation}, or null): it counts only while this process remembers nothing of the pool, as after a change
     * of leader.
     */
    public Wanted observe(PoolKey pool, Collection<ConfigMap> reports, String remembered) {
        Instant now = clock.instant();
        int reported = reported(pool, reports, now);
        sweep(now);
        if (!idleTime.isPositive()) {
            return new Wanted(reported, Optional.empty(), Optional.empty());
        }
        Sample[] head = new Sample[1];
        windows.compute(pool, (key, window) -> {
            Deque<Sample> samples = window == null ? remembered(remembered, now) : window;
            Instant horizon = now.minus(idleTime);
            while (!samples.isEmpty() && !samples.peekFirst().at().isAfter(horizon)) {
                samples.pollFirst();
            }
            while (!samples.isEmpty() && samples.peekLast().demand() <= reported) {
                samples.pollLast();
            }
            if (reported > 0) {
                samples.addLast(new Sample(now, reported));
            }
            head[0] = samples.peekFirst();
            return samples.isEmpty() ? null : samples;
        });
        if (head[0] == null) {
            return Wanted.NONE;
        }
        Instant until = head[0].at().plus(idleTime);
        return new Wanted(head[0].demand(), Optional.of(Duration.between(now, until)), Optional.of(until));
    }

    /**
     * The window a {@link Wanted#annotation} describes: one sample, an idle time before its end (at
     * most now, should another replica's clock run ahead). Empty when unreadable.
     */
    private Deque<Sample> remembered(String annotation, Instant now) {
        Deque<Sample> samples = new ArrayDeque<>();
        int split = annotation == null ? -1 : annotation.indexOf(UNTIL);
        if (split > 0) {
            try {
                int environments = Integer.parseInt(annotation.substring(0, split).trim());
                Instant at = Instant.parse(annotation.substring(split + UNTIL.length()).trim()).minus(idleTime);
                if (environments > 0) {
                    samples.add(new Sample(at.isAfter(now) ? now : at, environments));
                }
            } catch (NumberFormatException | DateTimeParseException e) {
                // written by hand, or by something else: nothing remembered
            }
        }
        return samples;
    }

    /** The sum of what the fresh {@code reports} ask for {@code pool}; keys of other pools and bad values count nothing. */
    public int reported(PoolKey pool, Collection<ConfigMap> reports) {
        return reported(pool, reports, clock.instant());
    }

    /**
     * Whether a report's change can change what a pool is wanted for: its counts changed, or it had
     * gone stale and is fresh again. Invokers rewrite unchanged reports every few seconds; those
     * rewrites only keep the report fresh and need no reconciliation: demand that goes on is read
     * again from the current reports when its remembered maximum expires.
     */
    public boolean changes(ConfigMap before, ConfigMap after) {
        return !Objects.equals(before.getData(), after.getData()) || !fresh(before, clock.instant());
    }

    private int reported(PoolKey pool, Collection<ConfigMap> reports, Instant now) {
        String key = DemandReports.key(pool.namespace(), pool.pool());
        long sum = 0;
        for (ConfigMap report : reports) {
            if (report.getData() != null && fresh(report, now)) {
                String value = report.getData().get(key);
                sum += value == null ? 0 : DemandReports.parseDemand(value);
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    /** A report counts until it is as old as the staleness; one without a readable time never counts. */
    private boolean fresh(ConfigMap report, Instant now) {
        Map<String, String> annotations = report.getMetadata() == null ? null : report.getMetadata().getAnnotations();
        String stamp = annotations == null ? null : annotations.get(DemandReports.REPORTED_AT);
        if (stamp == null) {
            return false;
        }
        try {
            return Instant.parse(stamp.trim()).plus(staleness).isAfter(now);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** Forgets pools nobody asked about for a whole idle time (deleted functions and versions). */
    private void sweep(Instant now) {
        if (now.isBefore(nextSweep)) {
            return;
        }
        nextSweep = now.plus(idleTime);
        Instant horizon = now.minus(idleTime);
        windows.keySet().forEach(pool -> windows.computeIfPresent(pool,
                (key, samples) -> samples.peekLast().at().isAfter(horizon) ? samples : null));
    }

    /** Number of pools with remembered demand; for tests. */
    int remembered() {
        return windows.size();
    }

    private record Sample(Instant at, int demand) {
    }
}
