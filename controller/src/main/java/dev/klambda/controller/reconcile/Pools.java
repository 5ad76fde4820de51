package dev.klambda.controller.reconcile;

import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.klambda.controller.config.ControllerConfig;
import dev.klambda.controller.demand.Demand;
import dev.klambda.controller.model.PoolDeployments;
import dev.klambda.controller.model.PoolNetworkPolicies;
import dev.klambda.controller.model.PoolSettings;
import dev.klambda.controller.model.PoolSpec;
import dev.klambda.core.pool.DemandReports.PoolKey;
import dev.klambda.core.pool.PoolNames;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * The steps a Function ($LATEST) and a Version share: check the code of their namespace's account,
 * ask what the invokers' demand reports want of their pool, then apply the pool.
 */
@Singleton
public class Pools {

    @Inject
    Tenants tenants;
    @Inject
    CodeChecks codeChecks;
    @Inject
    PoolSettings settings;
    @Inject
    Demand demand;
    @Inject
    ControllerConfig config;

    /** $LATEST's pool. */
    static PoolKey latestPool(Function function) {
        return new PoolKey(function.getMetadata().getNamespace(), PoolNames.pool(function.functionName(), "$LATEST"));
    }

    /** A Version's pool; none until it has a number. */
    static Optional<PoolKey> versionPool(Version version) {
        return Optional.ofNullable(version.getSpec().version()).map(number -> new PoolKey(
                version.getMetadata().getNamespace(), PoolNames.pool(version.getSpec().functionName(),
                        String.valueOf(number))));
    }

    /** Watches the demand reports for the primaries whose pool {@code poolOf} names. */
    <P extends HasMetadata> InformerEventSource<ConfigMap, P> watchDemand(EventSourceContext<P> context,
            java.util.function.Function<P, Optional<PoolKey>> poolOf) {
        return DemandEvents.watch(context, config.systemNamespace(), demand, poolOf);
    }

    /**
     * What the fresh demand reports, remembered over the idle time, want of {@code pool}; what the
     * pool's Deployment remembers counts where this process remembers nothing.
     */
    <P extends HasMetadata> Demand.Wanted demand(PoolKey pool, Context<P> context) {
        String remembered = context.getSecondaryResource(Deployment.class)
                .map(deployment -> deployment.getMetadata().getAnnotations())
                .map(annotations -> annotations.get(PoolDeployments.DEMAND)).orElse(null);
        return demand.observe(pool, DemandEvents.reports(context), remembered);
    }

    /** The account of {@code namespace}, if the tenant table has one. */
    Optional<ControllerConfig.Tenant> tenant(String namespace) {
        return tenants.byNamespace(namespace);
    }

    /** Whether {@code configuration}'s code can be fetched; NoAccount when the namespace has no account. */
    CodeChecks.Result check(String namespace, Optional<ControllerConfig.Tenant> tenant,
            FunctionConfiguration configuration) {
        return tenant.isPresent() ? codeChecks.check(namespace, configuration)
                : CodeChecks.Result.missing("NoAccount", "namespace " + namespace
                        + " is not in klambda's tenant table (klambda.tenants), so it has no account to run functions in");
    }

    /** The spec of a pool of {@code tenant}'s function, which remembers {@code demand}. */
    PoolSpec spec(String namespace, String functionName, String version, ControllerConfig.Tenant tenant,
            FunctionConfiguration configuration, CodeChecks.Result code, int replicas, Demand.Wanted demand,
            String revision) {
        return new PoolSpec(namespace, functionName, version, tenant.accountId(), tenants.region(), configuration,
                code.layerSha256s(), replicas, demand.annotation(), revision);
    }

    /** Applies {@code pool}'s Deployment and NetworkPolicy through {@code primary}'s workflow; the PoolAvailable condition. */
    <P extends HasMetadata> Condition apply(PoolSpec pool, P primary, Context<P> context) {
        Long generation = primary.getMetadata().getGeneration();
        try {
            PoolDependent.offer(context, Deployment.class, PoolDeployments.desired(pool, settings));
            PoolDependent.offer(context, NetworkPolicy.class, PoolNetworkPolicies.desired(pool, settings));
        } catch (IllegalArgumentException e) {
            return StatusConditions.of(PoolStates.POOL_AVAILABLE, false, "NoRuntimeImage", e.getMessage(), generation);
        }
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        return PoolStates.condition(context.getSecondaryResource(Deployment.class), pool.replicas(), generation);
    }
}
