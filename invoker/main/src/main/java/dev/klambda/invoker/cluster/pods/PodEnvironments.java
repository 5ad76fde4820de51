package dev.klambda.invoker.cluster.pods;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.agent.PlatformErrors;
import dev.klambda.cluster.Rendezvous;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.pool.DemandReports.PoolKey;
import dev.klambda.core.pool.PoolNames;
import dev.klambda.invoker.invoke.EnvironmentProvider;
import dev.klambda.invoker.invoke.Target;

/**
 * Runs invocations on function pods: one invocation per pod at a time, only on the pods this
 * replica owns ({@link Rendezvous} over the live replicas), and only on $LATEST pods of the
 * revision being invoked. When no owned pod is free the request waits, in arrival order, until one
 * is (a pod finishing, a new pod turning ready) or its deadline passes; a request that starts
 * waiting makes the replica report its demand at once so the controller scales the pool up.
 * <p>
 * All bookkeeping runs on one Vert.x context; pods and replicas change on other threads and hop
 * onto it.
 */
public final class PodEnvironments implements EnvironmentProvider {

    private static final Logger LOG = Logger.getLogger(PodEnvironments.class);
    /** How long a pod that refused an invocation (busy with another replica's, or stopping) is left alone. */
    static final long UNAVAILABLE_BACKOFF_MILLIS = 100;
    private static final int DEFAULT_TIMEOUT_SECONDS = 3;

    private final Vertx vertx;
    private final Context context;
    private final PodDirectory directory;
    private final Supplier<Set<String>> replicas;
    private final String self;
    private final PodClient client;
    private final Runnable reportNow;

    // confined to the context
    private final Map<PoolKey, PoolState> pools = new HashMap<>();
    // written on the context, read by the demand reporter
    private final Map<PoolKey, Integer> demand = new ConcurrentHashMap<>();
    private final AtomicLong refusals = new AtomicLong();

    /**
     * @param replicas the live invoker replicas, {@code self} among them
     * @param reportNow asks for a demand report at once; must return at once
     */
    public PodEnvironments(Vertx vertx, PodDirectory directory, Supplier<Set<String>> replicas, String self,
            PodClient client, Runnable reportNow) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.directory = directory;
        this.replicas = replicas;
        this.self = self;
        this.client = client;
        this.reportNow = reportNow;
    }

    @Override
    public CompletionStage<InvokeResult> invoke(Target target, InvokeRequest request) {
        PoolKey pool = new PoolKey(target.tenant().namespace(), PoolNames.pool(target.functionName(), target.version()));
        Integer timeout = target.configuration().getTimeout();
        long deadline = request.deadlineEpochMillis() > 0 ? request.deadlineEpochMillis()
                : System.currentTimeMillis() + 1000L * (timeout == null ? DEFAULT_TIMEOUT_SECONDS : timeout);
        Waiter waiter = new Waiter(pool, Qualifiers.LATEST.equals(target.version()) ? target.revision() : null, request,
                deadline, new CompletableFuture<>());
        context.runOnContext(v -> submit(waiter));
        return waiter.result;
    }

    @Override
    public int initialised(String namespace, String functionName, String version) {
        return (int) directory.pods(new PoolKey(namespace, PoolNames.pool(functionName, version))).stream()
                .filter(PoolPod::ready).count();
    }

    /** The environments this replica wants per pool now: its running invocations plus its waiting ones. */
    public Map<PoolKey, Integer> demand() {
        return Map.copyOf(demand);
    }

    /**
     * How many invocations pods refused because they were busy or stopping. A busy refusal means
     * another replica was sending to the same pod; it happens only while pods change hands.
     */
    public long refusals() {
        return refusals.get();
    }

    /** Pods of {@code pool} came, went or changed: waiting requests may now find one. Any thread. */
    public void podsChanged(PoolKey pool) {
        context.runOnContext(v -> {
            PoolState state = pools.get(pool);
            if (state != null) {
                state.owners = null;
                drain(state);
            }
        });
    }

    /** Replicas joined or left: the division of pods changed. Any thread. */
    public void replicasChanged() {
        context.runOnContext(v -> pools.values().forEach(state -> {
            state.owners = null;
            drain(state);
        }));
    }

    private void submit(Waiter waiter) {
        PoolState state = pools.computeIfAbsent(waiter.pool, PoolState::new);
        PoolPod pod = state.waiting.isEmpty() ? free(state, waiter) : null;
        if (pod != null) {
            run(state, pod, waiter);
            return;
        }
        state.waiting.add(waiter);
        waiter.timer = vertx.setTimer(Math.max(1, waiter.deadline - System.currentTimeMillis()), t -> expire(state, waiter));
        count(state);
        reportNow.run();
    }

    private void expire(PoolState state, Waiter waiter) {
        if (state.waiting.remove(waiter)) {
            LOG.infof("no pod of %s/%s came free in time for %s", waiter.pool.namespace(), waiter.pool.pool(),
                    waiter.request.requestId());
            count(state);
            // as standalone, and as Lambda when it cannot scale: a throttle, which clients retry
            waiter.result.completeExceptionally(LambdaException.throttled("ConcurrentInvocationLimitExceeded"));
        }
    }

    /** Hands free pods to waiting requests, oldest first. */
    private void drain(PoolState state) {
        Iterator<Waiter> waiting = state.waiting.iterator();
        while (waiting.hasNext()) {
            Waiter waiter = waiting.next();
            PoolPod pod = free(state, waiter);
            if (pod == null) {
                continue;
            }
            waiting.remove();
            vertx.cancelTimer(waiter.timer);
            run(state, pod, waiter);
        }
        count(state);
    }

    private void run(PoolState state, PoolPod pod, Waiter waiter) {
        state.busy.add(pod.uid());
        count(state);
        client.invoke(pod, waiter.request).onComplete(done -> {
            state.busy.remove(pod.uid());
            if (done.succeeded()) {
                waiter.result.complete(done.result());
            } else if (done.cause() instanceof PodClient.PodUnavailableException unavailable) {
                LOG.debugf("%s; trying another pod", unavailable.getMessage());
                if (unavailable.refused()) {
                    refusals.incrementAndGet();
                }
                state.unavailableUntil.put(pod.uid(), System.currentTimeMillis() + UNAVAILABLE_BACKOFF_MILLIS);
                vertx.setTimer(UNAVAILABLE_BACKOFF_MILLIS, t -> drain(state));
                if (waiter.deadline > System.currentTimeMillis()) {
                    state.waiting.addFirst(waiter);
                    waiter.timer = vertx.setTimer(Math.max(1, waiter.deadline - System.currentTimeMillis()),
                            t -> expire(state, waiter));
                } else {
                    waiter.result.completeExceptionally(LambdaException.throttled("ConcurrentInvocationLimitExceeded"));
                }
            } else {
                // The pod took the invocation and went away: to the caller, the environment crashed.
                LOG.warnf("%s (request %s)", done.cause().getMessage(), waiter.request.requestId());
                state.unavailableUntil.put(pod.uid(), System.currentTimeMillis() + UNAVAILABLE_BACKOFF_MILLIS);
                waiter.result.complete(new InvokeResult(PlatformErrors.document("Runtime.ExitError",
                        "RequestId: " + waiter.request.requestId() + " Error: Runtime exited without providing a reason"),
                        "application/json", "Unhandled", "Runtime.ExitError", null, 0, null, 0));
            }
            drain(state);
        });
    }

    /** An owned, ready, idle pod of the right revision for {@code waiter}, or null. */
    private PoolPod free(PoolState state, Waiter waiter) {
        List<PoolPod> pods = directory.pods(state.pool);
        if (state.owners == null) {
            state.owners = Rendezvous.assign(pods.stream().map(PoolPod::uid).toList(), replicas.get());
        }
        long now = System.currentTimeMillis();
        state.unavailableUntil.values().removeIf(until -> until <= now);
        for (PoolPod pod : pods) {
            if (pod.ready() && self.equals(state.owners.get(pod.uid())) && !state.busy.contains(pod.uid())
                    && !state.unavailableUntil.containsKey(pod.uid())
                    && (waiter.revision == null || pod.revision() == null || waiter.revision.equals(pod.revision()))) {
                return pod;
            }
        }
        return null;
    }

    private void count(PoolState state) {
        int wanted = state.busy.size() + state.waiting.size();
        if (wanted > 0) {
            demand.put(state.pool, wanted);
        } else {
            demand.remove(state.pool);
        }
    }

    /** What this replica knows of one pool. */
    private static final class PoolState {
        final PoolKey pool;
        final Set<String> busy = new HashSet<>();
        final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
        final Map<String, Long> unavailableUntil = new HashMap<>();
        /** Pod uid to owning replica; recomputed when pods or replicas change. */
        Map<String, String> owners;

        PoolState(PoolKey pool) {
            this.pool = pool;
        }
    }

    /** A request for a pod of {@code pool}. */
    private static final class Waiter {
        final PoolKey pool;
        final String revision;
        final InvokeRequest request;
        final long deadline;
        final CompletableFuture<InvokeResult> result;
        long timer;

        Waiter(PoolKey pool, String revision, InvokeRequest request, long deadline, CompletableFuture<InvokeResult> result) {
            this.pool = pool;
            this.revision = revision;
            this.request = request;
            this.deadline = deadline;
            this.result = result;
        }
    }
}
