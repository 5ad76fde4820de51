package dev.klambda.standalone.environments;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;

import dev.klambda.core.error.LambdaException;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.invoker.invoke.Target;
import dev.klambda.invoker.routing.Resolver;
import dev.klambda.standalone.store.ManifestDirectoryStore;

/**
 * Keeps the provisioned concurrency of Versions and Aliases initialised in the local pools, and
 * follows the manifests: when a setting appears, changes or goes, the pool is told the new count
 * (the reaper then stops what is no longer provisioned). An alias's setting provisions its own
 * version. Publishes {@code lambda_provisioned_concurrent_executions} (configured) and
 * {@code lambda_provisioned_concurrency_utilization} (busy share of them) per version.
 */
@ApplicationScoped
@Startup
public class ProvisionedConcurrency {

    private static final Logger LOG = Logger.getLogger(ProvisionedConcurrency.class);

    private record Key(Tenant tenant, String function, String version) {
    }

    private final ManifestDirectoryStore store;
    private final LocalEnvironments environments;
    private final TenantTable tenants;
    private final Resolver resolver;
    private final MeterRegistry registry;
    private final Vertx vertx;
    private final long timer;

    private ManifestDirectoryStore.Snapshot applied;
    private Map<Key, Integer> provisioned = new HashMap<>();
    private final Map<Key, Target> targets = new HashMap<>();

    @Inject
    public ProvisionedConcurrency(ManifestDirectoryStore store, LocalEnvironments environments, TenantTable tenants,
            Resolver resolver, MeterRegistry registry, Vertx vertx) {
        this.store = store;
        this.environments = environments;
        this.tenants = tenants;
        this.resolver = resolver;
        this.registry = registry;
        this.vertx = vertx;
        reconcile();
        // The store swaps in a new snapshot on every manifest change; following it is one comparison a second.
        this.timer = vertx.setPeriodic(1000, t -> vertx.executeBlocking(() -> {
            reconcile();
            return null;
        }, false));
    }

    @PreDestroy
    void stop() {
        vertx.cancelTimer(timer);
    }

    synchronized void reconcile() {
        ManifestDirectoryStore.Snapshot snapshot = store.snapshot();
        if (snapshot == applied) {
            return;
        }
        applied = snapshot;
        Map<Key, Integer> desired = desired();
        for (Map.Entry<Key, Integer> entry : desired.entrySet()) {
            if (!Objects.equals(provisioned.get(entry.getKey()), entry.getValue())) {
                provision(entry.getKey(), entry.getValue());
            }
        }
        for (Key gone : provisioned.keySet()) {
            if (!desired.containsKey(gone)) {
                provision(gone, 0);
            }
        }
        provisioned = desired;
    }

    private Map<Key, Integer> desired() {
        Map<Key, Integer> desired = new HashMap<>();
        for (Tenant tenant : tenants.tenants()) {
            for (Function function : store.functions(tenant.namespace())) {
                for (Version version : store.versions(tenant.namespace(), function.functionName())) {
                    Integer count = version.getSpec().provisionedConcurrentExecutions();
                    if (count != null && version.getSpec().version() != null && version.getSpec().snapshot() != null) {
                        desired.merge(new Key(tenant, function.functionName(), version.getSpec().version().toString()),
                                count, Integer::sum);
                    }
                }
                for (Alias alias : store.aliases(tenant.namespace(), function.functionName())) {
                    Integer count = alias.getSpec().provisionedConcurrentExecutions();
                    if (count != null) {
                        desired.merge(new Key(tenant, function.functionName(), alias.getSpec().functionVersion()), count,
                                Integer::sum);
                    }
                }
            }
        }
        return desired;
    }

    private void provision(Key key, int count) {
        Function function = store.function(key.tenant().namespace(), key.function()).orElse(null);
        Target target;
        try {
            target = function == null ? targets.get(key) : resolver.target(key.tenant(), function, key.version());
        } catch (LambdaException e) {
            LOG.warnf("cannot provision %d environments of %s:%s yet: %s", count, key.function(), key.version(),
                    e.getMessage());
            return;
        }
        if (target == null) {
            return;
        }
        targets.put(key, target);
        if (count > 0) {
            publish(key);
        }
        environments.provision(target, count).whenComplete((ready, failure) -> {
            if (failure != null) {
                LOG.warnf("cannot provision environments of %s:%s: %s", key.function(), key.version(),
                        failure.getMessage());
            }
        });
    }

    private void publish(Key key) {
        String[] tags = { "account", key.tenant().accountId(), "function", key.function(), "version", key.version() };
        Gauge.builder("lambda.provisioned.concurrent.executions", this, p -> p.configured(key))
                .description("Environments kept initialised for the version").tags(tags).register(registry);
        Gauge.builder("lambda.provisioned.concurrency.utilization", this, p -> p.utilization(key))
                .description("Share of the provisioned environments running an invocation").tags(tags).register(registry);
    }

    private synchronized double configured(Key key) {
        return provisioned.getOrDefault(key, 0);
    }

    private double utilization(Key key) {
        double configured = configured(key);
        if (configured == 0) {
            return 0;
        }
        int busy = environments.stats().entrySet().stream()
                .filter(e -> e.getKey().namespace().equals(key.tenant().namespace())
                        && e.getKey().functionName().equals(key.function()) && e.getKey().version().equals(key.version()))
                .mapToInt(e -> e.getValue().busy()).sum();
        return Math.min(busy, configured) / configured;
    }
}
