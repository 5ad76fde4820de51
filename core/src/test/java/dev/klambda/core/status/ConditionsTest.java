package dev.klambda.core.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.common.Condition.ConditionStatus;

class ConditionsTest {

    static final Instant T1 = Instant.parse("2026-11-23T10:00:00Z");
    static final Instant T2 = Instant.parse("2026-11-23T11:00:00Z");

    static Condition ready(ConditionStatus status, String message, long generation) {
        return new Condition("Ready", status, "Reconciled", message, null, generation);
    }

    @Test
    void keepsTheTransitionTimeWhileStatusAndMessageStay() {
        List<Condition> first = Conditions.set(List.of(), ready(ConditionStatus.True, "ok", 1), T1);
        List<Condition> again = Conditions.set(first, ready(ConditionStatus.True, "ok", 2), T2);
        assertThat(again).singleElement().satisfies(c -> {
            assertThat(c.lastTransitionTime()).isEqualTo(T1.toString());
            assertThat(c.observedGeneration()).isEqualTo(2);
        });
    }

    @Test
    void movesTheTransitionTimeWhenStatusOrMessageChange() {
        List<Condition> first = Conditions.set(List.of(), ready(ConditionStatus.True, "ok", 1), T1);
        assertThat(Conditions.set(first, ready(ConditionStatus.False, "ok", 1), T2).get(0).lastTransitionTime())
                .isEqualTo(T2.toString());
        assertThat(Conditions.set(first, ready(ConditionStatus.True, "still ok", 1), T2).get(0).lastTransitionTime())
                .isEqualTo(T2.toString());
    }

    @Test
    void keepsOneConditionPerTypeAndCountsReadyOnlyForTheCurrentGeneration() {
        List<Condition> conditions = Conditions.set(List.of(), ready(ConditionStatus.True, "ok", 3), T1);
        conditions = Conditions.set(conditions, new Condition("CodeAvailable", ConditionStatus.True, "Fetched", null, null, 3L),
                T1);
        conditions = Conditions.set(conditions, ready(ConditionStatus.True, "ok", 3), T2);
        assertThat(conditions).extracting(Condition::type).containsExactly("Ready", "CodeAvailable");
        assertThat(Conditions.isTrue(conditions, "Ready", 3L)).isTrue();
        assertThat(Conditions.isTrue(conditions, "Ready", 4L)).as("stale generation").isFalse();
        assertThat(Conditions.isTrue(conditions, "PoolAvailable", 3L)).isFalse();
    }
}
