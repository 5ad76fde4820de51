package dev.klambda.controller.reconcile;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import dev.klambda.controller.config.ControllerConfig;
import dev.klambda.controller.demand.Demand;
import dev.klambda.controller.model.PoolSizing;
import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.status.Conditions;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;

/**
 * A Function is its $LATEST: its code is checked (CodeAvailable), it gets a warm pool of its own
 * (PoolAvailable), and its status says what Lambda's GetFunction says: State, LastUpdateStatus,
 * CodeSha256, RevisionId. Its pool is sized by the demand invokers report alone, and looked at
 * again when that demand's idle time ends. Version numbers already handed out are kept in an
 * annotation, so that numbers are never reused even after the Versions are deleted.
 */
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = "latest-pool", type = PoolDependents.LatestDeployment.class),
        @Dependent(name = "latest-network-policy", type = PoolDependents.LatestNetworkPolicy.class) })
@ControllerConfiguration(name = "function", maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class FunctionReconciler implements Reconciler<Function> {

    static final String CODE_AVAILABLE = "CodeAvailable";
    /** The highest version number the function ever had, written by the Version reconciler. */
    public static final String LAST_VERSION_NUMBER = "klambda.dev/last-version-number";
    /** How soon missing code is looked for again. */
    static final Duration RECHECK = Duration.ofSeconds(30);

    @Inject
    Pools pools;
    @Inject
    EventRecorder events;
    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, Function>> prepareEventSources(EventSourceContext<Function> context) {
        return List.of(pools.watchDemand(context, function -> Optional.of(Pools.latestPool(function))));
    }

    @Override
    public UpdateControl<Function> reconcile(Function function, Context<Function> context) {
        String namespace = function.getMetadata().getNamespace();
        Long generation = function.getMetadata().getGeneration();
        Optional<ControllerConfig.Tenant> tenant = pools.tenant(namespace);
        CodeChecks.Result code = pools.check(namespace, tenant, function.getSpec());
        Demand.Wanted demand = pools.demand(Pools.latestPool(function), context);
        Condition pool = code.available()
                ? ensurePool(function, tenant.get(), code, demand, context)
                : new Condition(PoolStates.POOL_AVAILABLE, Condition.ConditionStatus.False, "CodeUnavailable",
                        "no pool without code", null, generation);
        FunctionStatus status = status(function, code, pool);
        return update(function, status, code, demand);
    }

    /** $LATEST's pool, sized by demand alone (it has no provisioned concurrency) within its cap. */
    private Condition ensurePool(Function function, ControllerConfig.Tenant tenant, CodeChecks.Result code,
            Demand.Wanted demand, Context<Function> context) {
        int cap = function.getSpec().getReservedConcurrentExecutions() != null
                ? function.getSpec().getReservedConcurrentExecutions()
                : tenant.concurrencyLimit();
        return pools.apply(pools.spec(function.getMetadata().getNamespace(), function.functionName(), "$LATEST", tenant,
                function.getSpec(), code, PoolSizing.replicas(0, demand.environments(), cap), demand, revisionId(function)),
                function, context);
    }

    private FunctionStatus status(Function function, CodeChecks.Result code, Condition pool) {
        Long generation = function.getMetadata().getGeneration();
        FunctionStatus current = function.getStatus();
        Instant now = clock.instant();
        Condition codeCondition = StatusConditions.of(CODE_AVAILABLE, code.available(), code.reason(), code.message(),
                generation);
        List<Condition> conditions = StatusConditions.withReady(current == null ? null : current.conditions(), now,
                generation, codeCondition, pool);
        boolean changed = current == null || !Objects.equals(current.observedGeneration(), generation);
        String lastModified = changed || current.lastModified() == null ? LambdaTimestamps.iso(now)
                : current.lastModified();
        FunctionStatus.State state = code.available() ? FunctionStatus.State.Active : FunctionStatus.State.Failed;
        String reasonCode = code.available() ? null : stateReasonCode(code.reason());
        return new FunctionStatus(generation, conditions, state, code.available() ? null : code.message(), reasonCode,
                code.available() ? FunctionStatus.LastUpdateStatus.Successful : FunctionStatus.LastUpdateStatus.Failed,
                code.available() ? null : code.message(), reasonCode, code.codeSha256(), code.codeSize(), lastModified,
                revisionId(function), lastVersionNumber(function) == 0 ? null : lastVersionNumber(function));
    }

    /** The highest version number {@code function} ever handed out; 0 for none. */
    static int lastVersionNumber(Function function) {
        String last = function.getMetadata().getAnnotations() == null ? null
                : function.getMetadata().getAnnotations().get(LAST_VERSION_NUMBER);
        return last == null ? 0 : Integer.parseInt(last);
    }

    /** Lambda's StateReasonCode for why code is unavailable. */
    private static String stateReasonCode(String reason) {
        return switch (reason) {
            case "NoAccount" -> "InvalidConfiguration";
            case "LayerNotFound" -> "InvalidLayer";
            default -> "InvalidCode";
        };
    }

    /** A RevisionId that changes with every change of the spec (a new generation) and of the function's identity. */
    static String revisionId(io.fabric8.kubernetes.api.model.HasMetadata resource) {
        return UUID.nameUUIDFromBytes((resource.getMetadata().getUid() + "/" + resource.getMetadata().getGeneration())
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * Writes the status if it changed, and says when to look again: soon while code is missing, else
     * when the pool's remembered demand may end.
     */
    private UpdateControl<Function> update(Function function, FunctionStatus status, CodeChecks.Result code,
            Demand.Wanted demand) {
        FunctionStatus current = function.getStatus();
        Optional<Condition> before = Conditions.find(current == null ? null : current.conditions(), CODE_AVAILABLE);
        if (before.isEmpty() || before.get().status() != (code.available() ? Condition.ConditionStatus.True
                : Condition.ConditionStatus.False) || !Objects.equals(before.get().reason(), code.reason())) {
            if (code.available()) {
                events.normal(function, "CodeAvailable", code.message());
            } else {
                events.warning(function, code.reason(), code.message());
            }
        }
        UpdateControl<Function> control;
        if (status.equals(current)) {
            control = UpdateControl.noUpdate();
        } else {
            function.setStatus(status);
            control = UpdateControl.patchStatus(function);
        }
        Optional<Duration> again = code.available() ? demand.recheckAfter() : Optional.of(RECHECK);
        return again.map(control::rescheduleAfter).orElse(control);
    }
}
