package dev.klambda.controller.reconcile;

import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import jakarta.inject.Inject;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import dev.klambda.controller.config.ControllerConfig;
import dev.klambda.controller.demand.Demand;
import dev.klambda.controller.model.PoolSizing;
import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.common.ProvisionedConcurrencyStatus;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;
import dev.klambda.crds.v1alpha1.version.VersionSpec;

/**
 * A Version is published once, then runs its own warm pool. Publishing freezes $LATEST's
 * configuration and code SHA-256 into the Version's spec and gives it the next number the function
 * never had (or the one it names); the CRD's rules keep both from changing afterwards. The pool
 * keeps the version's provisioned concurrency, and that of the aliases that point at it, warm, and
 * grows beyond it with the demand invokers report; it shrinks back once that demand's idle time
 * ends, when the Version is looked at again.
 */
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = "version-pool", type = PoolDependents.VersionDeployment.class),
        @Dependent(name = "version-network-policy", type = PoolDependents.VersionNetworkPolicy.class) })
@ControllerConfiguration(name = "version")
public class VersionReconciler implements Reconciler<Version> {

    static final String PUBLISHED = "Published";
    private static final String FUNCTION_NOT_ACTIVE = "FunctionNotActive";
    /** How soon a Version waiting for its function to become Active looks again, should a watch event be missed. */
    private static final Duration FUNCTION_RECHECK = Duration.ofSeconds(5);
    /** How many times one reconciliation reads the function again after losing a race to update it. */
    private static final int PUBLISH_ATTEMPTS = 5;
    /** The uid of the Version the last number was reserved for, so that a retried publication keeps its number. */
    static final String LAST_VERSION_HOLDER = "klambda.dev/last-version-holder";

    @Inject
    Pools pools;
    @Inject
    EventRecorder events;
    @Inject
    KubernetesClient client;
    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, Version>> prepareEventSources(EventSourceContext<Version> context) {
        return List.of(Related.sameFunction(Function.class, context), Related.sameFunction(Alias.class, context),
                pools.watchDemand(context, Pools::versionPool));
    }

    @Override
    public UpdateControl<Version> reconcile(Version version, Context<Version> context) {
        Function function = Related.ofFunction(Function.class, version, context).findFirst().orElse(null);
        boolean adopted = Related.adopt(version, function);
        if (version.getSpec().snapshot() == null) {
            return publish(version, function, context, adopted);
        }
        if (adopted) {
            return UpdateControl.patchResource(version);
        }
        String namespace = version.getMetadata().getNamespace();
        Optional<ControllerConfig.Tenant> tenant = pools.tenant(namespace);
        FunctionConfiguration configuration = version.getSpec().snapshot().configuration();
        CodeChecks.Result code = pools.check(namespace, tenant, configuration);
        int provisioned = provisioned(version, context);
        int cap = function != null && function.getSpec().getReservedConcurrentExecutions() != null
                ? function.getSpec().getReservedConcurrentExecutions()
                : tenant.map(ControllerConfig.Tenant::concurrencyLimit).orElse(0);
        Demand.Wanted demand = Pools.versionPool(version).map(key -> pools.demand(key, context))
                .orElse(Demand.Wanted.NONE);
        int replicas = PoolSizing.replicas(provisioned, demand.environments(), cap);
        Condition pool = code.available()
                ? pools.apply(pools.spec(namespace, version.getSpec().functionName(),
                        String.valueOf(version.getSpec().version()), tenant.get(), configuration, code, replicas, demand,
                        null),
                        version,
                        context)
                : StatusConditions.of(PoolStates.POOL_AVAILABLE, false, code.reason(), code.message(),
                        version.getMetadata().getGeneration());
        Condition published = StatusConditions.of(PUBLISHED, true, "Published", "version "
                + version.getSpec().version() + " of " + version.getSpec().functionName(),
                version.getMetadata().getGeneration());
        Optional<Deployment> deployment = context.getSecondaryResource(Deployment.class);
        UpdateControl<Version> control = status(version, published, pool, provisioned == 0 ? null
                : provisionedStatus(provisioned, PoolSizing.replicas(provisioned, 0, cap), deployment), deployment);
        return demand.recheckAfter().map(control::rescheduleAfter).orElse(control);
    }

    /**
     * Freezes $LATEST into the Version, or says why it cannot be yet. While the watch's copy of the
     * function says it cannot, that answer stands (no request to the API server). Otherwise it works
     * on the API server's copy, and takes the version number with an update guarded by that copy's
     * resourceVersion; when the function changed in between (its own reconciler writes its status
     * often) it reads it again rather than failing the reconciliation.
     */
    private UpdateControl<Version> publish(Version version, Function cached, Context<Version> context,
            boolean adopted) {
        String refusal = refusal(version, cached, context);
        if (refusal != null) {
            return refuse(version, refusal, adopted);
        }
        for (int attempt = 1;; attempt++) {
            Function function = client.resources(Function.class).inNamespace(cached.getMetadata().getNamespace())
                    .withName(cached.getMetadata().getName()).get();
            refusal = refusal(version, function, context);
            if (refusal != null) {
                return refuse(version, refusal, adopted);
            }
            int number = version.getSpec().version() != null ? version.getSpec().version()
                    : nextNumber(version, function, context);
            try {
                reserve(function, number, version);
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == PUBLISH_ATTEMPTS) {
                    throw e;
                }
                continue;
            }
            return publish(version, function, number);
        }
    }

    /** Says why the Version is not published; a function that is not Active yet is looked at again soon. */
    private UpdateControl<Version> refuse(Version version, String refusal, boolean adopted) {
        String reason = refusal.substring(0, refusal.indexOf(':'));
        Condition published = StatusConditions.of(PUBLISHED, false, reason,
                refusal.substring(refusal.indexOf(':') + 2), version.getMetadata().getGeneration());
        UpdateControl<Version> control = status(version, published, StatusConditions.of(PoolStates.POOL_AVAILABLE,
                false, "NotPublished", "the version is not published", version.getMetadata().getGeneration()), null,
                Optional.empty());
        if (adopted) {
            control = UpdateControl.patchResourceAndStatus(version);
        }
        return FUNCTION_NOT_ACTIVE.equals(reason) ? control.rescheduleAfter(FUNCTION_RECHECK) : control;
    }

    /** Freezes {@code function}'s configuration and code into the Version as number {@code number}. */
    private UpdateControl<Version> publish(Version version, Function function, int number) {
        VersionSpec spec = version.getSpec();
        FunctionStatus functionStatus = function.getStatus();
        FunctionConfiguration configuration = FunctionConfiguration.of(function.getSpec());
        Code code = configuration.getCode();
        if (!code.isImage() && code.url() == null && code.configMap() == null) {
            configuration.setCode(new Code(null, CodeDigest.toHex(code.sha256()), null, null, null));
        } else if (!code.isImage() && functionStatus.codeSha256() != null) {
            // A URL or ConfigMap may change later; the version's pods verify they still get what was published.
            configuration.setCode(new Code(null, functionStatus.codeSha256(), code.url(), code.configMap(), null));
        }
        VersionSnapshot snapshot = new VersionSnapshot(functionStatus.codeSha256(), functionStatus.codeSize(),
                configuration, LambdaTimestamps.iso(clock.instant()));
        version.setSpec(new VersionSpec(spec.functionName(), number, spec.description(), spec.codeSha256(), snapshot,
                spec.provisionedConcurrentExecutions(), spec.eventInvokeConfig()));
        events.normal(version, "Published", "version " + number + " of " + spec.functionName()
                + (snapshot.codeSha256() == null ? "" : ", CodeSha256 " + snapshot.codeSha256()));
        return UpdateControl.patchResource(version);
    }

    /** Why the Version cannot be published now, as "Reason: message"; null when it can. */
    private static String refusal(Version version, Function function, Context<Version> context) {
        VersionSpec spec = version.getSpec();
        if (function == null) {
            return "FunctionNotFound: function " + spec.functionName()
                    + " does not exist; the version is published once it does";
        }
        FunctionStatus status = function.getStatus();
        if (status == null || status.state() != FunctionStatus.State.Active
                || !Objects.equals(status.observedGeneration(), function.getMetadata().getGeneration())) {
            return FUNCTION_NOT_ACTIVE + ": function " + spec.functionName()
                    + " is not Active; the version is published once it is";
        }
        if (spec.codeSha256() != null && !Objects.equals(CodeDigest.toHex(spec.codeSha256()),
                status.codeSha256() == null ? null : CodeDigest.toHex(status.codeSha256()))) {
            return "CodeSha256Mismatch: CodeSHA256 (" + spec.codeSha256()
                    + ") is different from current CodeSHA256 in $LATEST (" + status.codeSha256()
                    + "). Please try again with the CodeSHA256 in $LATEST.";
        }
        if (spec.version() != null) {
            Optional<Version> holder = Related.siblings(version, context)
                    .filter(v -> v.getSpec().snapshot() != null && Objects.equals(v.getSpec().version(), spec.version())
                            && !v.getMetadata().getName().equals(version.getMetadata().getName()))
                    .findFirst();
            if (holder.isPresent() || FunctionReconciler.lastVersionNumber(function) >= spec.version()) {
                return "VersionNumberTaken: version " + spec.version() + " of " + spec.functionName()
                        + " was published before; a number is never used twice";
            }
        }
        return null;
    }

    /**
     * The number this Version reserved on an earlier attempt whose own update then failed, else one
     * more than any number the function had or its Versions name.
     */
    private static int nextNumber(Version version, Function function, Context<Version> context) {
        Map<String, String> annotations = function.getMetadata().getAnnotations() == null ? Map.of()
                : function.getMetadata().getAnnotations();
        int last = FunctionReconciler.lastVersionNumber(function);
        if (last > 0 && version.getMetadata().getUid().equals(annotations.get(LAST_VERSION_HOLDER))) {
            return last;
        }
        int highest = Related.siblings(version, context).map(v -> v.getSpec().version())
                .filter(Objects::nonNull).mapToInt(Integer::intValue).max().orElse(0);
        return 1 + Math.max(highest, last);
    }

    /**
     * Records {@code number} on the function before the Version takes it, guarded by the function's
     * resourceVersion: two Versions published at once cannot both get it (the loser gets a conflict
     * and reads the function again), and a number once handed out is never handed out again.
     */
    private void reserve(Function function, int number, Version holder) {
        if (FunctionReconciler.lastVersionNumber(function) >= number) {
            return;
        }
        Map<String, String> annotations = new java.util.HashMap<>(
                function.getMetadata().getAnnotations() == null ? Map.of() : function.getMetadata().getAnnotations());
        annotations.put(FunctionReconciler.LAST_VERSION_NUMBER, Integer.toString(number));
        annotations.put(LAST_VERSION_HOLDER, holder.getMetadata().getUid());
        function.getMetadata().setAnnotations(annotations);
        client.resource(function).update();
    }

    /** The version's provisioned concurrency plus that of the aliases pointing at it. */
    private static int provisioned(Version version, Context<Version> context) {
        String number = String.valueOf(version.getSpec().version());
        int own = version.getSpec().provisionedConcurrentExecutions() == null ? 0
                : version.getSpec().provisionedConcurrentExecutions();
        return own + Related.ofFunction(Alias.class, version, context)
                .filter(a -> number.equals(a.getSpec().functionVersion()))
                .mapToInt(a -> a.getSpec().provisionedConcurrentExecutions() == null ? 0
                        : a.getSpec().provisionedConcurrentExecutions())
                .sum();
    }

    private ProvisionedConcurrencyStatus provisionedStatus(int requested, int allocated, Optional<Deployment> deployment) {
        int available = PoolStates.counts(deployment).warm();
        ProvisionedConcurrencyStatus.Status state = available >= requested ? ProvisionedConcurrencyStatus.Status.READY
                : ProvisionedConcurrencyStatus.Status.IN_PROGRESS;
        String reason = allocated < requested ? "the function's reserved concurrency allows only " + allocated : null;
        return new ProvisionedConcurrencyStatus(requested, available, allocated,
                reason != null ? ProvisionedConcurrencyStatus.Status.FAILED : state, reason, null);
    }

    private UpdateControl<Version> status(Version version, Condition published, Condition pool,
            ProvisionedConcurrencyStatus provisioned, Optional<Deployment> deployment) {
        Instant now = clock.instant();
        Long generation = version.getMetadata().getGeneration();
        var current = version.getStatus();
        var status = new dev.klambda.crds.v1alpha1.version.VersionStatus(generation,
                StatusConditions.withReady(current == null ? null : current.conditions(), now, generation, published,
                        pool),
                version.getSpec().snapshot() == null ? null : PoolStates.counts(deployment), provisioned);
        if (status.equals(current)) {
            return UpdateControl.noUpdate();
        }
        version.setStatus(status);
        return UpdateControl.patchStatus(version);
    }
}
