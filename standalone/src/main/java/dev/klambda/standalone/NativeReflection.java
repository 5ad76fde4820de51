package dev.klambda.standalone;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * Manifests are bound to the resource classes with Jackson, and fabric8 reads their
 * {@code @Group}/{@code @Version} annotations: both need reflection in a native image. The whole
 * hierarchy (specs, statuses and the records they hold) is registered from the four kinds.
 */
@RegisterForReflection(targets = { Function.class, Version.class, Alias.class,
        EventSourceMapping.class }, registerFullHierarchy = true)
final class NativeReflection {

    private NativeReflection() {
    }
}
