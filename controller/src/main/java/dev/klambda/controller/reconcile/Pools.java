package dev.klambda.controller.reconcile;

import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.reconciler.Context;

import dev.klambda.controller.config.ControllerConfig;
import dev.klambda.controller.model.PoolDeployments;
import dev.klambda.controller.model.PoolNetworkPolicies;
import dev.klambda.controller.model.PoolSettings;
import dev.klambda.controller.model.PoolSpec;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;

/** The steps a Function ($LATEST) and a Version share: check the code of their namespace's account, then apply their pool. */
@Singleton
public class Pools {

    @Inject
    Tenants tenants;
    @Inject
    CodeChecks codeChecks;
    @Inject
    PoolSettings settings;

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

    /** The spec of a pool of {@code tenant}'s function. */
    PoolSpec spec(String namespace, String functionName, String version, ControllerConfig.Tenant tenant,
            FunctionConfiguration configuration, CodeChecks.Result code, int replicas, String revision) {
        return new PoolSpec(namespace, functionName, version, tenant.accountId(), tenants.region(), configuration,
                code.layerSha256s(), replicas, revision);
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
