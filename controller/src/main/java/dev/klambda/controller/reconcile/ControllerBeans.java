package dev.klambda.controller.reconcile;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import dev.klambda.controller.config.ControllerConfig;
import dev.klambda.controller.demand.Demand;
import dev.klambda.controller.model.PoolSettings;
import dev.klambda.core.code.CodeLocations;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.layer.LayerStore;

/** The controller's parts, from its configuration. */
public class ControllerBeans {

    @Produces
    @Singleton
    PoolSettings poolSettings(ControllerConfig config) {
        byte[] key = config.codeStore().signingKey().map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        return new PoolSettings(config.controller().agentImage(), config.controller().runtimeImages(),
                config.controller().imagePullPolicy(), config.codeStore().url(),
                new CodeLocations(key, Clock.systemUTC()), config.systemNamespace());
    }

    @Produces
    @Singleton
    DirectoryCodeStore codeStore(ControllerConfig config) {
        return new DirectoryCodeStore(config.codeStore().directory());
    }

    @Produces
    @Singleton
    LayerStore layerStore(ControllerConfig config) {
        return new LayerStore(config.codeStore().directory().resolve("layers"));
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    Demand demand(ControllerConfig config, Clock clock) {
        return new Demand(clock, config.controller().demandStaleness(), config.controller().idleTime());
    }

    /**
     * The Operator SDK's metrics per controller, not per resource: per-resource meters grow with every
     * Function, Version and Alias (238,007 samples, a 59 MiB scrape, at 1,000 functions), enough for a
     * Prometheus scrape to exhaust the controller's heap.
     */
    @Produces
    @Singleton
    Metrics operatorMetrics(MeterRegistry registry) {
        return MicrometerMetrics.withoutPerResourceMetrics(registry);
    }

    /** One controller replica acts at a time (profiles: quarkus.operator-sdk.activate-leader-election-for-profiles). */
    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(ControllerConfig config) {
        return new LeaderElectionConfiguration("klambda-controller", config.systemNamespace());
    }
}
