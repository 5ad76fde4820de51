package dev.klambda.core.store;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * Read access to the four kinds, per namespace, with Lambda's way of finding things: functions
 * by their Lambda name, versions by number, aliases by alias name. Cluster mode reads the
 * Kubernetes API (informers); standalone mode reads its manifest directories. Implementations
 * return consistent snapshots and are safe to call from any thread.
 */
public interface ResourceStore {

    /** The functions of {@code namespace}, sorted by Lambda function name. */
    List<Function> functions(String namespace);

    /** The function whose Lambda name is {@code functionName}. */
    Optional<Function> function(String namespace, String functionName);

    /** The versions of a function, sorted by version number; unpublished ones (no number yet) last. */
    List<Version> versions(String namespace, String functionName);

    /** The aliases of a function, sorted by alias name. */
    List<Alias> aliases(String namespace, String functionName);

    /** The event source mappings of {@code namespace}, sorted by name. */
    List<EventSourceMapping> eventSourceMappings(String namespace);

    /**
     * The published version {@code number} of a function: numbered and frozen. A Version that names
     * the same number but is not published (yet) is not it.
     */
    default Optional<Version> version(String namespace, String functionName, int number) {
        return versions(namespace, functionName).stream()
                .filter(v -> v.getSpec().version() != null && v.getSpec().version() == number
                        && v.getSpec().snapshot() != null)
                .findFirst();
    }

    /** The published version a qualifier such as {@code "3"} names; empty for anything else. */
    default Optional<Version> publishedVersion(String namespace, String functionName, String number) {
        int parsed;
        try {
            parsed = Integer.parseInt(number);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return version(namespace, functionName, parsed);
    }

    /** What the store holds now of the resource {@code resource} was read from: same kind, namespace and name. */
    default <T extends HasMetadata> Optional<T> reread(T resource) {
        String namespace = resource.getMetadata().getNamespace();
        String name = resource.getMetadata().getName();
        List<? extends HasMetadata> candidates = switch (resource) {
            case Function function -> functions(namespace);
            case Version version -> versions(namespace, version.getSpec().functionName());
            case Alias alias -> aliases(namespace, alias.getSpec().functionName());
            case EventSourceMapping mapping -> eventSourceMappings(namespace);
            default -> List.of();
        };
        @SuppressWarnings("unchecked")
        Optional<T> found = (Optional<T>) candidates.stream().filter(c -> c.getMetadata().getName().equals(name))
                .findFirst();
        return found;
    }

    /** The alias named {@code aliasName} of a function. */
    default Optional<Alias> alias(String namespace, String functionName, String aliasName) {
        return aliases(namespace, functionName).stream().filter(a -> a.aliasName().equals(aliasName)).findFirst();
    }
}
