package dev.klambda.standalone.invoke;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;

import dev.klambda.core.code.CodeLocations;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.invoker.admit.ConcurrencyLimits;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.auth.SigV4Verifier;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.manage.FunctionPackages;
import dev.klambda.invoker.metrics.InvocationMetrics;
import dev.klambda.invoker.routing.Resolver;
import dev.klambda.invoker.url.FunctionUrlRoute;
import dev.klambda.standalone.StandaloneConfig;
import dev.klambda.standalone.environments.LocalEnvironments;
import dev.klambda.standalone.store.ManifestDirectoryStore;

/** The embedded invoker: the manifest store to resolve names, local processes to run them. */
@ApplicationScoped
public class InvokerProducer {

    @Produces
    @Singleton
    Resolver resolver(ResourceStore store, TenantTable tenants, StandaloneConfig config) {
        return new Resolver(store, tenants, config.region(), () -> ThreadLocalRandom.current().nextDouble());
    }

    @Produces
    @Singleton
    Invoker invoker(Resolver resolver, ResourceStore store, LocalEnvironments environments, MeterRegistry registry,
            Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingOff,
            KafkaEventQueue events) {
        return new Invoker(resolver, new ConcurrencyLimits(), environments, store, new InvocationMetrics(registry),
                Invoker.tracer(tracer, tracingOff), events, Clock.systemUTC());
    }

    @Produces
    @Singleton
    FunctionUrlRoute functionUrls(Invoker invoker, ResourceStore store, TenantTable tenants, SigV4Verifier verifier,
            StandaloneConfig config) {
        return new FunctionUrlRoute(invoker, store, tenants, verifier, config.region(), config.defaultNamespace(),
                config.functionUrlDomain(), Clock.systemUTC());
    }

    @Produces
    @Singleton
    SigV4Verifier verifier(TenantTable tenants, StandaloneConfig config) {
        return new SigV4Verifier(tenants, config.region(), Clock.systemUTC());
    }

    @Produces
    @Singleton
    CodeLocations codeLocations() {
        // One process: a key of its own is enough, and locations end with it, as they expire anyway.
        return new CodeLocations(null, Clock.systemUTC());
    }

    @Produces
    @Singleton
    FunctionPackages functionPackages(ManifestDirectoryStore store, DirectoryCodeStore codeStore) {
        return function -> {
            Code code = function.getSpec().getCode();
            if (code.isImage() || (code.path() == null && code.sha256() == null)) {
                return Optional.empty();
            }
            Path manifest = store.manifestOf(function).orElse(null);
            try {
                return Optional.of(codeStore.resolve(manifest == null ? null : manifest.getParent(), code.path(),
                        code.sha256()));
            } catch (IOException e) {
                return Optional.empty();
            }
        };
    }
}
