package dev.klambda.invoker.cluster.pods;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;

import dev.klambda.cluster.ReplicaLeases;
import dev.klambda.invoker.cluster.ClusterConfig;
import dev.klambda.invoker.invoke.EnvironmentProvider;

/**
 * The function pods as the invoker's environments: the pod directory, this replica's Lease among
 * the others, the demand reports, and the provider that dispatches to pods. Started with the
 * application, so that pods and replicas are known before the first request.
 */
@ApplicationScoped
public class ClusterPods {

    /** Everything that runs for the pods, started and stopped together. */
    public record Running(PodEnvironments environments, PodDirectory directory, ReplicaLeases leases,
            DemandReporter reporter, PodClient client) {
    }

    @Produces
    @Singleton
    @Startup
    Running running(Vertx vertx, KubernetesClient kubernetes, ClusterConfig config, MeterRegistry registry) {
        ClusterConfig.InvokerConfig invoker = config.invoker();
        PodEnvironments[] environments = new PodEnvironments[1];
        PodDirectory directory = new PodDirectory(pool -> environments[0].podsChanged(pool));
        ReplicaLeases leases = new ReplicaLeases(kubernetes, config.systemNamespace(), "invoker", invoker.name(),
                invoker.leaseDuration(), Clock.systemUTC(), () -> environments[0].replicasChanged());
        DemandReporter[] reporter = new DemandReporter[1];
        PodClient client = new PodClient(vertx);
        environments[0] = new PodEnvironments(vertx, directory, leases::members, invoker.name(), client,
                () -> reporter[0].reportNow());
        reporter[0] = new DemandReporter(kubernetes, config.systemNamespace(), invoker.name(),
                invoker.demandReportInterval(), Clock.systemUTC(), environments[0]::demand);
        FunctionCounter.builder("klambda_invoker_pod_refusals", environments[0], PodEnvironments::refusals)
                .description("Invocations a function pod refused because it was busy (another replica's call) or stopping")
                .register(registry);
        Gauge.builder("klambda_invoker_replicas", leases, l -> l.members().size())
                .description("Invoker replicas this one sees alive, itself included").register(registry);
        leases.start();
        directory.start(kubernetes);
        reporter[0].start();
        return new Running(environments[0], directory, leases, reporter[0], client);
    }

    void stop(@Disposes Running running) {
        running.reporter().close();
        running.leases().close();
        running.directory().close();
        running.client().close();
    }

    @Produces
    @Singleton
    EnvironmentProvider environments(Running running) {
        return running.environments();
    }
}
