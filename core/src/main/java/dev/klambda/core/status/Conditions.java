package dev.klambda.core.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.klambda.crds.v1alpha1.common.Condition;

/**
 * Keeps a list of conditions the Kubernetes way: one per type, and a condition's
 * lastTransitionTime moves only when its status or message changes.
 */
public final class Conditions {

    private Conditions() {
    }

    /**
     * {@code current} with {@code update} in place of the condition of the same type. The
     * update's lastTransitionTime is replaced by the existing one when status and message are
     * unchanged, else by {@code now}.
     */
    public static List<Condition> set(List<Condition> current, Condition update, Instant now) {
        List<Condition> result = new ArrayList<>(current == null ? List.of() : current);
        Optional<Condition> existing = find(result, update.type());
        String transition = existing
                .filter(c -> c.status() == update.status() && Objects.equals(c.message(), update.message()))
                .map(Condition::lastTransitionTime)
                .orElse(now.toString());
        Condition merged = new Condition(update.type(), update.status(), update.reason(), update.message(), transition,
                update.observedGeneration());
        existing.ifPresentOrElse(c -> result.set(result.indexOf(c), merged), () -> result.add(merged));
        return List.copyOf(result);
    }

    /** The condition of {@code type}, if present. */
    public static Optional<Condition> find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return Optional.empty();
        }
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
    }

    /** Whether the condition {@code type} is True and was computed from {@code generation}. */
    public static boolean isTrue(List<Condition> conditions, String type, Long generation) {
        return find(conditions, type)
                .filter(c -> c.status() == Condition.ConditionStatus.True)
                .filter(c -> Objects.equals(c.observedGeneration(), generation))
                .isPresent();
    }
}
