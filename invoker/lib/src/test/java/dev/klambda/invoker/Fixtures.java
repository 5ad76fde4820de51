package dev.klambda.invoker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.AccessKey;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/** Small fixtures for the invoker's tests: tenants, and resources read from YAML into a store held in memory. */
public final class Fixtures {

    public static final Tenant DEFAULT = new Tenant("default", "000000000000", List.of(new AccessKey("test", "test")));
    public static final Tenant OTHER = new Tenant("other", "111111111111", List.of(new AccessKey("other", "secret")), 2);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Fixtures() {
    }

    /** Reads one resource of the given kind from YAML. */
    public static <T extends HasMetadata> T resource(Class<T> kind, String yaml) {
        try {
            return YAML.readValue(yaml, kind);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * An Active function with the echo code; {@code extraSpec} is added to its spec, e.g.
     * {@code "reservedConcurrentExecutions: 1"}.
     */
    public static Function function(String namespace, String name, String... extraSpec) {
        return resource(Function.class, """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: %s, namespace: %s}
                spec:
                  runtime: python3.12
                  handler: handler.handler
                  code: {path: src}
                  %s
                status: {state: Active, revisionId: r1}
                """.formatted(name, namespace, String.join("\n  ", extraSpec)));
    }

    /** A published version of a function, frozen with {@code memorySize} as its configuration. */
    public static Version version(String namespace, String functionName, int number, int memorySize) {
        return resource(Version.class, """
                apiVersion: klambda.dev/v1alpha1
                kind: Version
                metadata: {name: %s-%d, namespace: %s}
                spec:
                  functionName: %s
                  version: %d
                  snapshot:
                    codeSha256: "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="
                    publishedAt: "2026-11-01T00:00:00.000+0000"
                    configuration:
                      runtime: python3.12
                      handler: handler.handler
                      code: {sha256: abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789}
                      memorySize: %d
                """.formatted(functionName, number, namespace, functionName, number, memorySize));
    }

    /** An alias; {@code weights} is YAML for additionalVersionWeights, e.g. {@code {"2": 0.3}}, or null. */
    public static Alias alias(String namespace, String functionName, String name, String version, String weights) {
        return resource(Alias.class, """
                apiVersion: klambda.dev/v1alpha1
                kind: Alias
                metadata: {name: %s-%s, namespace: %s}
                spec:
                  functionName: %s
                  name: %s
                  functionVersion: "%s"
                %s
                """.formatted(functionName, name, namespace, functionName, name, version,
                weights == null ? "" : "  routingConfig: {additionalVersionWeights: " + weights + "}"));
    }

    /** A resource store over a fixed list of resources. */
    public static final class Store implements ResourceStore {

        private final List<HasMetadata> resources = new ArrayList<>();

        public Store with(HasMetadata... added) {
            resources.addAll(List.of(added));
            return this;
        }

        public Store without(HasMetadata removed) {
            resources.remove(removed);
            return this;
        }

        private <T extends HasMetadata> List<T> of(Class<T> kind, String namespace) {
            return resources.stream().filter(kind::isInstance).map(kind::cast)
                    .filter(r -> r.getMetadata().getNamespace().equals(namespace)).toList();
        }

        @Override
        public List<Function> functions(String namespace) {
            return of(Function.class, namespace).stream().sorted(Comparator.comparing(Function::functionName)).toList();
        }

        @Override
        public Optional<Function> function(String namespace, String functionName) {
            return of(Function.class, namespace).stream().filter(f -> f.functionName().equals(functionName)).findFirst();
        }

        @Override
        public List<Version> versions(String namespace, String functionName) {
            return of(Version.class, namespace).stream().filter(v -> v.getSpec().functionName().equals(functionName))
                    .toList();
        }

        @Override
        public List<Alias> aliases(String namespace, String functionName) {
            return of(Alias.class, namespace).stream().filter(a -> a.getSpec().functionName().equals(functionName))
                    .toList();
        }

        @Override
        public List<EventSourceMapping> eventSourceMappings(String namespace) {
            return of(EventSourceMapping.class, namespace);
        }
    }
}
