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
 * again then instead of waiting for the next report. The memory lives in this process only: a new
 * leader starts from the reports alone.
 */
public final class Demand {

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

    /** What a pool should be sized for, and when that may drop if no report asks for more. */
    public record Wanted(int environments, Optional<Duration> recheckAfter) {

        /** Nothing wanted, nothing to look at again. */
        public static final Wanted NONE = new Wanted(0, Optional.empty());
    }

    /**
     * Records what the fresh {@code reports} ask for {@code pool} now, and returns the most the pool
     * was asked for within the idle time.
     */
    public Wanted observe(PoolKey pool, Collection<ConfigMap> reports) {
        Instant now = clock.instant();
        int reported = reported(pool, reports, now);
        sweep(now);
        if (!idleTime.isPositive()) {
            return new Wanted(reported, Optional.empty());
        }
        Sample[] head = new Sample[1];
        windows.compute(pool, (key, window) -> {
            Deque<Sample> samples = window == null ? new ArrayDeque<>() : window;
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
        return head[0] == null ? Wanted.NONE
                : new Wanted(head[0].demand(), Optional.of(Duration.between(now, head[0].at().plus(idleTime))));
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
