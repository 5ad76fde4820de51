package dev.klambda.controller.reconcile;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * The four kinds refer to each other by Lambda function name, not by object name. This watches a
 * related kind for a reconciler and maps each of its changes to the primaries of the same
 * function, through an index of the primaries by namespace and function name.
 */
final class Related {

    private static final String BY_FUNCTION = "by-function";

    private Related() {
    }

    /** The namespace and Lambda function name a resource of one of the four kinds belongs to. */
    static String functionKey(HasMetadata resource) {
        String name = switch (resource) {
            case Function f -> f.functionName();
            case Version v -> v.getSpec().functionName();
            case Alias a -> a.getSpec().functionName();
            case EventSourceMapping m -> mappedFunction(m.getSpec().functionName());
            default -> throw new IllegalArgumentException(resource.getKind());
        };
        return resource.getMetadata().getNamespace() + "/" + name;
    }

    /** The bare function name of a mapping's FunctionName (a name, name:qualifier or an ARN). */
    private static String mappedFunction(String reference) {
        try {
            return FunctionReference.parse(reference, null, FunctionReference.Shape.FUNCTION_NAME).name();
        } catch (LambdaException e) {
            return reference;
        }
    }

    /** Watches {@code type} and reconciles the primaries of the same function when one changes. */
    static <R extends HasMetadata, P extends HasMetadata> InformerEventSource<R, P> sameFunction(Class<R> type,
            EventSourceContext<P> context) {
        context.getPrimaryCache().addIndexer(BY_FUNCTION, primary -> List.of(functionKey(primary)));
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, context.getPrimaryResourceClass())
                .withName(type.getSimpleName().toLowerCase(java.util.Locale.ROOT))
                .withSecondaryToPrimaryMapper(related -> context.getPrimaryCache()
                        .byIndex(BY_FUNCTION, functionKey(related)).stream().map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper(primary -> Set.of())
                .build(), context);
    }

    /** The resources of {@code type} that belong to the same function as {@code primary}, from the watch's cache. */
    @SuppressWarnings("unchecked")
    static <R extends HasMetadata, P extends HasMetadata> Stream<R> ofFunction(Class<R> type, P primary,
            Context<P> context) {
        InformerEventSource<R, P> source = (InformerEventSource<R, P>) context.eventSourceRetriever()
                .getEventSourceFor(type, type.getSimpleName().toLowerCase(java.util.Locale.ROOT));
        String key = functionKey(primary);
        return source.list(primary.getMetadata().getNamespace(), r -> functionKey(r).equals(key));
    }

    /** The primaries of the same function as {@code primary} (itself included), from the reconciler's cache. */
    static <P extends HasMetadata> Stream<P> siblings(P primary, Context<P> context) {
        String key = functionKey(primary);
        return context.getPrimaryCache().list(primary.getMetadata().getNamespace(), p -> functionKey(p).equals(key));
    }

    /** An owner reference to {@code function}, so that deleting the function deletes what belongs to it. */
    static OwnerReference ownedBy(Function function) {
        return new OwnerReferenceBuilder().withApiVersion(function.getApiVersion()).withKind(function.getKind())
                .withName(function.getMetadata().getName()).withUid(function.getMetadata().getUid()).build();
    }

    /** Whether {@code resource} is owned by {@code function}. */
    static boolean isOwnedBy(HasMetadata resource, Function function) {
        return resource.getMetadata().getOwnerReferences() != null && resource.getMetadata().getOwnerReferences()
                .stream().anyMatch(o -> function.getMetadata().getUid().equals(o.getUid()));
    }

    /** Adds an owner reference to {@code function}; true when it was missing. */
    static boolean adopt(HasMetadata resource, Function function) {
        if (function == null || isOwnedBy(resource, function)) {
            return false;
        }
        List<OwnerReference> owners = new java.util.ArrayList<>(resource.getMetadata().getOwnerReferences() == null
                ? List.of()
                : resource.getMetadata().getOwnerReferences());
        owners.add(ownedBy(function));
        resource.getMetadata().setOwnerReferences(owners);
        return true;
    }
}
