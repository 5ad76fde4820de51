package dev.klambda.invoker.cluster.store;

import java.util.LinkedHashSet;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.Startup;

import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.invoker.cluster.ClusterConfig;

/**
 * The resource store (it is both the {@code ResourceStore} and the {@code ResourceWriter} the
 * invoker library injects), with its informers started with the application and stopped with it.
 * {@link ResourceStoreReadiness} keeps the service unready until they have synced.
 */
@ApplicationScoped
public class StoreProducer {

    @Produces
    @Singleton
    @Startup
    KubernetesResourceStore store(KubernetesClient client, ClusterConfig config, ManifestValidator validator) {
        Set<String> namespaces = new LinkedHashSet<>();
        config.tenants().forEach(tenant -> namespaces.add(tenant.namespace()));
        KubernetesResourceStore store = new KubernetesResourceStore(client, namespaces, validator,
                config.invoker().writeVisibilityTimeout(), config.invoker().publishTimeout());
        store.start();
        return store;
    }

    void close(@Disposes KubernetesResourceStore store) {
        store.close();
    }
}
