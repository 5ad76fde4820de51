package dev.klambda.standalone;

import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.http.HttpServerStart;

import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.standalone.async.EmbeddedKafka;
import dev.klambda.standalone.store.ManifestDirectoryStore;

/** Tells the user, once the HTTP server listens, where klambda is and how to talk to it. */
@ApplicationScoped
public class StartupBanner {

    @Inject
    StandaloneConfig config;
    @Inject
    TenantTable tenants;
    @Inject
    ManifestDirectoryStore store;
    @Inject
    EmbeddedKafka kafka;
    @ConfigProperty(name = "quarkus.http.host")
    String host;

    /** Quarkus announces the listening server asynchronously. */
    void onHttpStart(@ObservesAsync HttpServerStart start) {
        String url = config.advertisedUrl().orElse("http://" + host + ":" + start.options().getPort());
        Tenant tenant = tenants.byNamespace(config.defaultNamespace()).orElseThrow();
        String key = tenant.accessKeys().isEmpty() ? "(none)" : tenant.accessKeys().get(0).id();
        String secret = tenant.accessKeys().isEmpty() ? "(none)" : tenant.accessKeys().get(0).secret();
        Map<String, Integer> counts = store.snapshot().counts();
        String loaded = counts.entrySet().stream().map(e -> e.getValue() + " " + plural(e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
        int problems = store.snapshot().problems().size();
        StringBuilder banner = new StringBuilder()
                .append("\nklambda standalone is listening on ").append(url).append('\n')
                .append("  region      ").append(config.region()).append('\n')
                .append("  account     ").append(tenant.accountId()).append(" (namespace ").append(tenant.namespace())
                .append(")\n")
                .append("  credentials access key ").append(key).append(", secret ").append(secret).append('\n')
                .append("  manifests   ")
                .append(store.manifestDirectories().stream().map(Object::toString).collect(Collectors.joining(", ")))
                .append(": ").append(loaded).append(problems == 0 ? "" : " (" + problems + " problems, see above)").append('\n')
                .append("  state       ").append(config.home().toAbsolutePath().normalize()).append('\n')
                .append("  kafka       ").append(kafka.bootstrapServers())
                .append(" (queues Event invocations; produce to it to try Kafka event sources)\n")
                .append("  health      ").append(url).append("/q/health\n")
                .append("Try: AWS_ACCESS_KEY_ID=").append(key).append(" AWS_SECRET_ACCESS_KEY=").append(secret)
                .append(" aws --endpoint-url ").append(url).append(" --region ").append(config.region())
                .append(" lambda list-functions\n")
                .append("Ctrl-C stops klambda.\n");
        System.out.println(banner);
    }

    void onStop(@Observes ShutdownEvent event) {
        System.out.println("klambda standalone stopped.");
    }

    private static String plural(String kind, int count) {
        if (count == 1) {
            return kind;
        }
        return kind.endsWith("s") ? kind + "es" : kind + "s";
    }
}
