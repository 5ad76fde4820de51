package dev.klambda.crds.v1alpha1;

import java.util.List;

import io.fabric8.kubernetes.client.CustomResource;

import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/** The four kinds of the klambda API, in dependency order. */
public final class CustomResources {

    /** Function, Version, Alias, EventSourceMapping: each kind may refer to the ones before it. */
    public static final List<Class<? extends CustomResource<?, ?>>> KINDS = List.of(Function.class, Version.class,
            Alias.class, EventSourceMapping.class);

    private CustomResources() {
    }

    /** The file name of the generated CRD of {@code kind}, e.g. {@code functions.klambda.dev-v1.yml}. */
    public static String crdFileName(Class<? extends CustomResource<?, ?>> kind) {
        return CustomResource.getCRDName(kind) + "-v1.yml";
    }

    /** The classpath resource holding the generated CRD of {@code kind}. */
    public static String crdResource(Class<? extends CustomResource<?, ?>> kind) {
        return "META-INF/klambda/crds/" + crdFileName(kind);
    }
}
