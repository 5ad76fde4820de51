package dev.klambda.core.status;

import java.util.Optional;
import java.util.Set;

import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * How the platform says whether a Version that names only its function was published: its
 * {@code spec.snapshot} is set once it is, and until then the {@link #CONDITION Published}
 * condition is False with one of the reasons below. The controller writes them in a cluster;
 * readers (the invoker's PublishVersion) turn them into Lambda's errors.
 */
public final class VersionPublication {

    /** The condition type that says whether the Version is published. */
    public static final String CONDITION = "Published";

    /** The function the Version names does not exist (yet); published once it does. */
    public static final String FUNCTION_NOT_FOUND = "FunctionNotFound";
    /** The function is not Active at its current generation (yet); published once it is. */
    public static final String FUNCTION_NOT_ACTIVE = "FunctionNotActive";
    /** {@code spec.codeSha256} is not $LATEST's; never published as it stands. */
    public static final String CODE_SHA256_MISMATCH = "CodeSha256Mismatch";
    /** {@code spec.version} was used before; never published as it stands. */
    public static final String VERSION_NUMBER_TAKEN = "VersionNumberTaken";

    /** Refusals that last only until the function catches up: whoever waits for the Version keeps waiting. */
    private static final Set<String> PASSING = Set.of(FUNCTION_NOT_FOUND, FUNCTION_NOT_ACTIVE);

    private VersionPublication() {
    }

    /** Whether {@code version} is published: frozen, with its number. */
    public static boolean published(Version version) {
        return version.getSpec() != null && version.getSpec().snapshot() != null && version.getSpec().version() != null;
    }

    /** The False {@link #CONDITION} that says why {@code version} is not published, if the platform gave one. */
    public static Optional<Condition> refusal(Version version) {
        if (published(version) || version.getStatus() == null) {
            return Optional.empty();
        }
        return Conditions.find(version.getStatus().conditions(), CONDITION)
                .filter(c -> c.status() == Condition.ConditionStatus.False && c.reason() != null);
    }

    /**
     * Whether {@code version} has its answer: published, or refused for a reason that waiting does
     * not change (a passing refusal such as {@link #FUNCTION_NOT_ACTIVE} is not an answer yet).
     */
    public static boolean settled(Version version) {
        return published(version) || refusal(version).filter(c -> !PASSING.contains(c.reason())).isPresent();
    }
}
