package dev.klambda.invoker.cluster;

import java.util.List;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.AliasSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.KafkaSource;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.function.Runtime;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;
import dev.klambda.crds.v1alpha1.version.VersionSpec;

/** Small factories for the four kinds, e.g. {@code function("default", "hello")}. */
public final class Fixtures {

    public static final String SHA256 = "a".repeat(64);

    private Fixtures() {
    }

    /** A Python function named {@code name}, both as resource and in Lambda. */
    public static Function function(String namespace, String name) {
        FunctionSpec spec = new FunctionSpec();
        spec.setRuntime(Runtime.PYTHON_3_12);
        spec.setHandler("app.handler");
        spec.setCode(new Code(null, SHA256, null, null, null));
        Function function = new Function();
        function.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        function.setSpec(spec);
        return function;
    }

    /** A function whose Lambda name ({@code spec.functionName}) is not its resource name. */
    public static Function function(String namespace, String name, String lambdaName) {
        Function function = function(namespace, name);
        function.getSpec().setFunctionName(lambdaName);
        return function;
    }

    /** A Version of {@code function} that waits to be published. */
    public static Version version(String namespace, String name, String function) {
        Version version = new Version();
        version.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        version.setSpec(new VersionSpec(function, null, null, null, null, null, null));
        return version;
    }

    /** A published Version: numbered and frozen. */
    public static Version version(String namespace, String name, String function, int number) {
        Version version = version(namespace, name, function);
        version.setSpec(frozen(version.getSpec(), number));
        return version;
    }

    /** {@code spec} frozen as number {@code number}, as the controller freezes it. */
    public static VersionSpec frozen(VersionSpec spec, int number) {
        FunctionConfiguration configuration = new FunctionConfiguration();
        configuration.setRuntime(Runtime.PYTHON_3_12);
        configuration.setHandler("app.handler");
        configuration.setCode(new Code(null, SHA256, null, null, null));
        return new VersionSpec(spec.functionName(), number, spec.description(), spec.codeSha256(),
                new VersionSnapshot(null, 0L, configuration, "2026-11-23T10:00:00.000+0000"), null, null);
    }

    public static Alias alias(String namespace, String name, String function, String aliasName, String version) {
        Alias alias = new Alias();
        alias.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        alias.setSpec(new AliasSpec(function, aliasName, version, null, null, null, null, null));
        return alias;
    }

    public static EventSourceMapping mapping(String namespace, String name, String function) {
        EventSourceMapping mapping = new EventSourceMapping();
        mapping.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        mapping.setSpec(new EventSourceMappingSpec(function, false,
                new KafkaSource(List.of("broker:9092"), List.of("orders"), null), null, null, null, null, null,
                EventSourceMappingSpec.StartingPosition.LATEST, null, null, null, null, null, null, null, null));
        return mapping;
    }
}
