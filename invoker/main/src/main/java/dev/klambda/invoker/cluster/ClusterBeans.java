package dev.klambda.invoker.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;

import dev.klambda.core.api.FunctionConfigurations;
import dev.klambda.core.code.CodeLocations;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.invoker.admit.ConcurrencyLimits;
import dev.klambda.invoker.async.EventQueue;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.auth.SigV4Verifier;
import dev.klambda.invoker.config.TenantConfig;
import dev.klambda.invoker.invoke.EnvironmentProvider;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.manage.FunctionPackages;
import dev.klambda.invoker.metrics.InvocationMetrics;
import dev.klambda.invoker.routing.Resolver;
import dev.klambda.invoker.url.FunctionUrlRoute;

/** Wires the invoker library into the cluster service: the tenant table, the code store on its volume, the gateway. */
@ApplicationScoped
public class ClusterBeans {

    @Produces
    @Singleton
    TenantTable tenants(ClusterConfig config) {
        return TenantConfig.table(config.tenants());
    }

    @Produces
    @Singleton
    ManifestValidator validator(ObjectMapper mapper) {
        return new ManifestValidator(mapper);
    }

    @Produces
    @Singleton
    DirectoryCodeStore codeStore(ClusterConfig config) {
        return new DirectoryCodeStore(config.codeStore().directory().toAbsolutePath());
    }

    @Produces
    @Singleton
    LayerStore layerStore(ClusterConfig config) {
        return new LayerStore(config.codeStore().directory().toAbsolutePath().resolve("layers"));
    }

    @Produces
    @Singleton
    FunctionConfigurations functionConfigurations(ClusterConfig config) {
        // Invokers and function pods run on the same cluster's nodes.
        return new FunctionConfigurations(config.region(), FunctionConfigurations.hostArchitecture());
    }

    @Produces
    @Singleton
    CodeLocations codeLocations(ClusterConfig config) {
        // The controller signs pods' code locations with the same key, so any replica serves them.
        byte[] key = config.codeStore().signingKey().map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        return new CodeLocations(key, Clock.systemUTC());
    }

    @Produces
    @Singleton
    FunctionPackages functionPackages(DirectoryCodeStore codeStore) {
        return function -> {
            Code code = function.getSpec().getCode();
            if (code.isImage() || code.sha256() == null) {
                return Optional.empty();
            }
            return codeStore.find(code.sha256());
        };
    }

    @Produces
    @Singleton
    Resolver resolver(ResourceStore store, TenantTable tenants, ClusterConfig config) {
        return new Resolver(store, tenants, config.region(), () -> ThreadLocalRandom.current().nextDouble());
    }

    @Produces
    @Singleton
    Invoker invoker(Resolver resolver, ResourceStore store, EnvironmentProvider environments, MeterRegistry registry,
            Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingOff,
            EventQueue events) {
        return new Invoker(resolver, new ConcurrencyLimits(), environments, store, new InvocationMetrics(registry),
                Invoker.tracer(tracer, tracingOff), events, Clock.systemUTC());
    }

    /**
     * The Kafka cluster of the Helm values ({@code kafka.bootstrap.servers}) queues Event
     * invocations; without one they are refused with a clear error.
     */
    @Produces
    @Singleton
    EventQueue eventQueue(@ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        return bootstrapServers.filter(servers -> !servers.isBlank())
                .<EventQueue> map(servers -> KafkaEventQueue.connect(servers, Map.of())).orElse(EventQueue.NONE);
    }

    void closeEventQueue(@Disposes EventQueue events) {
        if (events instanceof KafkaEventQueue kafka) {
            kafka.close();
        }
    }

    @Produces
    @Singleton
    SigV4Verifier verifier(TenantTable tenants, ClusterConfig config) {
        return new SigV4Verifier(tenants, config.region(), Clock.systemUTC());
    }

    @Produces
    @Singleton
    FunctionUrlRoute functionUrls(Invoker invoker, ResourceStore store, TenantTable tenants, SigV4Verifier verifier,
            ClusterConfig config) {
        String defaultNamespace = config.tenants().isEmpty() ? "default" : config.tenants().get(0).namespace();
        return new FunctionUrlRoute(invoker, store, tenants, verifier, config.region(), defaultNamespace,
                config.functionUrlDomain(), Clock.systemUTC());
    }
}
