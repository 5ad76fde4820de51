package dev.klambda.controller.reconcile;

import java.time.Instant;
import java.util.List;

import dev.klambda.core.status.Conditions;
import dev.klambda.crds.v1alpha1.common.Condition;

/** Builds a resource's condition list: the given conditions, then Ready, True only when all of them are. */
final class StatusConditions {

    static final String READY = "Ready";

    private StatusConditions() {
    }

    static List<Condition> withReady(List<Condition> current, Instant now, Long generation, Condition... conditions) {
        List<Condition> result = current;
        Condition notReady = null;
        for (Condition condition : conditions) {
            result = Conditions.set(result, condition, now);
            if (notReady == null && condition.status() != Condition.ConditionStatus.True) {
                notReady = condition;
            }
        }
        Condition ready = notReady == null
                ? new Condition(READY, Condition.ConditionStatus.True, "Ready", null, null, generation)
                : new Condition(READY, notReady.status(), notReady.reason(), notReady.message(), null, generation);
        return Conditions.set(result, ready, now);
    }

    static Condition of(String type, boolean status, String reason, String message, Long generation) {
        return new Condition(type, status ? Condition.ConditionStatus.True : Condition.ConditionStatus.False, reason,
                message, null, generation);
    }
}
