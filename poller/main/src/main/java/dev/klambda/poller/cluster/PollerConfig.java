package dev.klambda.poller.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import dev.klambda.invoker.config.TenantConfig;
import dev.klambda.poller.async.AsyncConfig;
import dev.klambda.poller.mapping.MappingsConfig;

/**
 * The poller's settings. The Helm chart writes them into {@code /etc/klambda/application.properties},
 * shared with the controller and the invoker; the tenants' secret keys arrive as environment
 * variables the file names.
 */
@ConfigMapping(prefix = "klambda")
public interface PollerConfig {

    /** The region in ARNs, and the one requests to the invoker are signed for. */
    @WithDefault("us-east-1")
    String region();

    /** Where klambda's own services run: the pollers' Leases live here. */
    @WithDefault("klambda")
    String systemNamespace();

    /** The tenant table: a mapping's batches are invoked with the access key of its namespace's tenant. */
    List<TenantConfig> tenants();

    /** The SQS-compatible service that SQS destinations and SQS sources without an endpoint of their own use. */
    AsyncConfig async();

    /** How mappings retry, drain and rescan. */
    MappingsConfig mappings();

    /** This replica, and how it reaches the invoker. */
    Replica poller();

    interface Replica {

        /** This replica's name: the pod name, which Kubernetes also makes the host name. It names its Lease. */
        @WithDefault("${HOSTNAME:poller}")
        String name();

        /**
         * How long a replica's Lease lasts without renewal. A replica that stops renewing loses its SQS
         * mappings to the others once it expires.
         */
        @WithDefault("15s")
        Duration leaseDuration();

        /** The invoker's Service: every batch is a synchronous Invoke through its Lambda API. */
        URI invokerUrl();

        /** Invocations under way at once through this replica, over all mappings. */
        @WithDefault("1024")
        int maxConnections();
    }
}
