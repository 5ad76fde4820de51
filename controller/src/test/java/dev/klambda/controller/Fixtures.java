package dev.klambda.controller;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.core.pool.DemandReports;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.AliasSpec;
import dev.klambda.crds.v1alpha1.alias.RoutingConfig;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.crds.v1alpha1.function.Runtime;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSpec;

/** Small factories for the four kinds, e.g. {@code function("default", "hello", withMemory(256))}. */
public final class Fixtures {

    private Fixtures() {
    }

    @SafeVarargs
    public static Function function(String namespace, String name, Consumer<FunctionSpec>... changes) {
        FunctionSpec spec = new FunctionSpec();
        spec.setRuntime(Runtime.PYTHON_3_12);
        spec.setHandler("app.handler");
        spec.setCode(new Code(null, "a".repeat(64), null, null, null));
        for (Consumer<FunctionSpec> change : changes) {
            change.accept(spec);
        }
        Function function = new Function();
        function.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        function.setSpec(spec);
        return function;
    }

    public static Consumer<FunctionSpec> withMemory(int mb) {
        return spec -> spec.setMemorySize(mb);
    }

    public static Consumer<FunctionSpec> withZip(String sha256) {
        return spec -> spec.setCode(new Code(null, sha256, null, null, null));
    }

    public static Consumer<FunctionSpec> withCode(Code code) {
        return spec -> spec.setCode(code);
    }

    public static Consumer<FunctionSpec> withRuntime(Runtime runtime) {
        return spec -> spec.setRuntime(runtime);
    }

    public static Consumer<FunctionSpec> withLayers(Layer... layers) {
        return spec -> spec.setLayers(List.of(layers));
    }

    public static Consumer<FunctionSpec> withReserved(int count) {
        return spec -> spec.setReservedConcurrentExecutions(count);
    }

    public static Version version(String namespace, String name, String function, Integer number, Integer provisioned) {
        Version version = new Version();
        version.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        version.setSpec(new VersionSpec(function, number, null, null, null, provisioned, null));
        return version;
    }

    public static Alias alias(String namespace, String name, String function, String version,
            Map<String, Double> weights, Integer provisioned) {
        Alias alias = new Alias();
        alias.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        alias.setSpec(new AliasSpec(function, null, version, null, weights == null ? null : new RoutingConfig(weights),
                provisioned, null, null));
        return alias;
    }

    /**
     * The demand report of invoker replica {@code invoker}, written at {@code reportedAt} into the
     * test profile's system namespace: {@code data} maps {@code <namespace>.<pool>} to a count.
     */
    public static ConfigMap demandReport(String invoker, Instant reportedAt, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("klambda")
                .withName(DemandReports.configMapName(invoker)).addToLabels(DemandReports.LABEL, "true")
                .addToAnnotations(DemandReports.REPORTED_AT, reportedAt.toString()).endMetadata()
                .withData(data).build();
    }
}
