package dev.klambda.controller.reconcile;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.common.PoolStatus;

/** What a pool's Deployment says about it: the PoolAvailable condition and the pool's counts. */
final class PoolStates {

    static final String POOL_AVAILABLE = "PoolAvailable";

    private PoolStates() {
    }

    static Condition condition(Optional<Deployment> deployment, int wanted, Long generation) {
        if (deployment.isEmpty()) {
            return new Condition(POOL_AVAILABLE, Condition.ConditionStatus.Unknown, "Creating",
                    "the pool's Deployment is being created", null, generation);
        }
        int ready = ready(deployment.get());
        if (wanted == 0) {
            return new Condition(POOL_AVAILABLE, Condition.ConditionStatus.True, "ScaledToZero",
                    "no environments are wanted; they start when invocations arrive", null, generation);
        }
        if (ready == 0) {
            return new Condition(POOL_AVAILABLE, Condition.ConditionStatus.False, "Starting",
                    "0 of " + wanted + " environments are ready", null, generation);
        }
        return new Condition(POOL_AVAILABLE, Condition.ConditionStatus.True, "Ready",
                ready + " of " + wanted + " environments are ready", null, generation);
    }

    static PoolStatus counts(Optional<Deployment> deployment) {
        return deployment.map(d -> {
            int ready = ready(d);
            int replicas = d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas();
            return new PoolStatus(ready, null, Math.max(0, replicas - ready));
        }).orElse(new PoolStatus(0, null, 0));
    }

    private static int ready(Deployment deployment) {
        return deployment.getStatus() == null || deployment.getStatus().getReadyReplicas() == null ? 0
                : deployment.getStatus().getReadyReplicas();
    }
}
