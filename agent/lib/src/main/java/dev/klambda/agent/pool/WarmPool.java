package dev.klambda.agent.pool;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.klambda.agent.ExecutionEnvironment;
import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;

/**
 * The execution environments of one function version on this machine. An invocation takes the
 * most recently used idle environment (the warmest); when none is idle and the pool may grow, it
 * starts one (a cold start); at the maximum it waits for one to come free. Idle environments are
 * stopped after the idle time, down to the provisioned concurrency, which is kept initialised.
 * Thread-safe.
 */
public final class WarmPool {

    private static final Logger LOG = Logger.getLogger(WarmPool.class);

    /** Creates a new, not yet initialised environment of this version. */
    @FunctionalInterface
    public interface EnvironmentFactory {
        CompletionStage<ExecutionEnvironment> create(boolean provisioned);
    }

    /** Refused: the pool is at its maximum and no environment came free before the invocation's deadline. */
    public static final class PoolExhaustedException extends RuntimeException {
        PoolExhaustedException(String message) {
            super(message, null, false, false);
        }
    }

    private record Idle(ExecutionEnvironment environment, Instant since) {
    }

    private record Waiter(InvokeRequest request, CompletableFuture<InvokeResult> result, Instant deadline) {
    }

    private final String name;
    private final EnvironmentFactory factory;
    private final Duration idleTimeout;
    private final Duration maxWait;
    private final Clock clock;

    // guarded by this
    private final Deque<Idle> idle = new ArrayDeque<>();
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private int busy;
    private int starting;
    private int maximum;
    private int provisioned;
    private long coldStarts;
    private Double lastInitMillis;
    private boolean closed;

    /**
     * @param name for logs, e.g. {@code hello:3}
     * @param maximum the most environments at once (reserved concurrency, or the account's limit)
     * @param idleTimeout how long an environment may stay idle before it is stopped
     * @param maxWait how long an invocation without a deadline of its own waits for an environment
     *        to come free at the maximum (the function's timeout)
     */
    public WarmPool(String name, EnvironmentFactory factory, int maximum, Duration idleTimeout, Duration maxWait,
            Clock clock) {
        this.name = name;
        this.factory = factory;
        this.maximum = maximum;
        this.idleTimeout = idleTimeout;
        this.maxWait = maxWait;
        this.clock = clock;
    }

    /** A pool whose invocations wait at most Lambda's longest timeout, 900 s, for an environment. */
    public WarmPool(String name, EnvironmentFactory factory, int maximum, Duration idleTimeout, Clock clock) {
        this(name, factory, maximum, idleTimeout, Duration.ofSeconds(900), clock);
    }

    /** Runs one invocation in an environment of this pool. */
    public CompletionStage<InvokeResult> invoke(InvokeRequest request) {
        CompletableFuture<InvokeResult> result = new CompletableFuture<>();
        ExecutionEnvironment environment;
        boolean create = false;
        synchronized (this) {
            if (closed) {
                result.completeExceptionally(new PoolExhaustedException("the pool of " + name + " is closed"));
                return result;
            }
            Idle warmest = idle.pollLast();
            if (warmest != null) {
                environment = warmest.environment();
                busy++;
            } else if (busy + starting < maximum) {
                environment = null;
                starting++;
                coldStarts++;
                create = true;
            } else {
                Instant deadline = request.deadlineEpochMillis() > 0 ? Instant.ofEpochMilli(request.deadlineEpochMillis())
                        : clock.instant().plus(maxWait);
                Waiter waiter = new Waiter(request, result, deadline);
                waiters.addLast(waiter);
                long wait = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
                CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS).execute(() -> {
                    synchronized (this) {
                        waiters.remove(waiter);
                    }
                    result.completeExceptionally(new PoolExhaustedException(
                            "no environment of " + name + " came free before the invocation's deadline"));
                });
                return result;
            }
        }
        if (create) {
            factory.create(false).whenComplete((created, failure) -> {
                if (failure != null) {
                    synchronized (this) {
                        starting--;
                    }
                    result.completeExceptionally(failure);
                    serveWaiters();
                    return;
                }
                synchronized (this) {
                    starting--;
                    busy++;
                }
                run(created, request, result);
            });
        } else {
            run(environment, request, result);
        }
        return result;
    }

    private void run(ExecutionEnvironment environment, InvokeRequest request, CompletableFuture<InvokeResult> result) {
        environment.invoke(request).whenComplete((invoked, failure) -> {
            if (invoked != null && invoked.initDurationMillis() != null) {
                synchronized (this) {
                    lastInitMillis = invoked.initDurationMillis();
                }
            }
            release(environment);
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(invoked);
            }
        });
    }

    /** An environment came free: give it to the oldest waiter, or put it back as the warmest. */
    private void release(ExecutionEnvironment environment) {
        Waiter next;
        synchronized (this) {
            next = pollLiveWaiter();
            if (next == null) {
                busy--;
                if (closed || environment.state() == ExecutionEnvironment.State.STOPPED) {
                    environment.shutdown();
                    return;
                }
                idle.addLast(new Idle(environment, clock.instant()));
                return;
            }
        }
        run(environment, next.request(), next.result());
    }

    private void serveWaiters() {
        Waiter next;
        synchronized (this) {
            next = pollLiveWaiter();
        }
        if (next != null) {
            invoke(next.request()).whenComplete((r, e) -> {
                if (e != null) {
                    next.result().completeExceptionally(e);
                } else {
                    next.result().complete(r);
                }
            });
        }
    }

    private Waiter pollLiveWaiter() {
        Instant now = clock.instant();
        Waiter waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            if (waiter.deadline().isAfter(now)) {
                return waiter;
            }
            waiter.result().completeExceptionally(new PoolExhaustedException(
                    "no environment of " + name + " came free before the invocation's deadline"));
        }
        return null;
    }

    /** Keeps at least {@code count} environments initialised from now on, starting the missing ones. */
    public void provision(int count) {
        int missing;
        synchronized (this) {
            provisioned = count;
            missing = Math.max(0, Math.min(count, maximum) - (idle.size() + busy + starting));
            starting += missing;
        }
        for (int i = 0; i < missing; i++) {
            factory.create(true).thenCompose(environment -> environment.init().thenApply(ready -> environment))
                    .whenComplete((environment, failure) -> {
                        if (failure != null) {
                            synchronized (this) {
                                starting--;
                            }
                            LOG.warnf("could not provision an environment of %s: %s", name, failure.getMessage());
                            return;
                        }
                        synchronized (this) {
                            starting--;
                            busy++;
                            lastInitMillis = environment.lastInitDurationMillis();
                        }
                        release(environment);
                    });
        }
    }

    /** Changes the most environments the pool may have; existing busy ones finish. */
    public synchronized void setMaximum(int maximum) {
        this.maximum = maximum;
    }

    /** Stops environments idle for longer than the idle time, keeping the provisioned ones. Call periodically. */
    public void reap() {
        List<ExecutionEnvironment> stale = new ArrayList<>();
        synchronized (this) {
            Instant cutoff = clock.instant().minus(idleTimeout);
            int keep = provisioned;
            int total = idle.size() + busy + starting;
            // oldest first: the warmest stay
            for (Iterator<Idle> it = idle.iterator(); it.hasNext() && total > keep;) {
                Idle candidate = it.next();
                if (candidate.since().isBefore(cutoff) || total > maximum) {
                    it.remove();
                    stale.add(candidate.environment());
                    total--;
                }
            }
        }
        for (ExecutionEnvironment environment : stale) {
            environment.shutdown();
        }
        if (!stale.isEmpty()) {
            LOG.debugf("stopped %d idle environments of %s", stale.size(), name);
        }
    }

    /** What the pool holds now. */
    public synchronized PoolStats stats() {
        return new PoolStats(idle.size(), busy, starting, coldStarts, lastInitMillis);
    }

    /** Stops every environment; waiting invocations fail. */
    public CompletionStage<Void> close() {
        List<ExecutionEnvironment> all = new ArrayList<>();
        List<Waiter> waiting;
        synchronized (this) {
            closed = true;
            idle.forEach(i -> all.add(i.environment()));
            idle.clear();
            waiting = new ArrayList<>(waiters);
            waiters.clear();
        }
        waiting.forEach(w -> w.result().completeExceptionally(new PoolExhaustedException("the pool of " + name + " closed")));
        return CompletableFuture.allOf(all.stream().map(e -> e.shutdown().toCompletableFuture())
                .toArray(CompletableFuture[]::new));
    }
}
