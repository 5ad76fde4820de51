package dev.klambda.standalone;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import dev.klambda.invoker.config.TenantConfig;
import dev.klambda.poller.async.AsyncConfig;
import dev.klambda.poller.mapping.MappingsConfig;

/** Settings of the one-process platform; {@code ./klambda up} fills them from KLAMBDA_* variables. */
@ConfigMapping(prefix = "klambda")
public interface StandaloneConfig {

    /** Where state lives: the code store, frozen versions, the Kafka log (KLAMBDA_HOME). */
    Path home();

    /** Directories of manifests to load and watch (KLAMBDA_MANIFESTS, comma-separated). */
    List<Path> manifests();

    /** The region in ARNs and the one clients sign for. */
    @WithDefault("us-east-1")
    String region();

    /** The namespace of manifests that name none. */
    @WithDefault("default")
    String defaultNamespace();

    /** The tenant table: namespace, 12-digit account id, access keys. */
    List<TenantConfig> tenants();

    /** How execution environments are kept. */
    Environments environments();

    /** Settings of the local warm pools. */
    interface Environments {

        /** How long an environment may stay idle before it is stopped (pools scale to zero). */
        @WithDefault("10m")
        java.time.Duration idleTimeout();
    }

    /** How the code store is kept. */
    CodeStoreConfig codeStore();

    /** Settings of the code store's collection of zips nothing refers to. */
    interface CodeStoreConfig {

        /** How often unreferenced zips are looked for. */
        @WithDefault("5m")
        java.time.Duration collectInterval();

        /** How old an unreferenced zip must be to go: an upload is referenced moments after it is stored. */
        @WithDefault("10m")
        java.time.Duration grace();
    }

    /** The embedded Kafka broker that queues asynchronous invocations. */
    Kafka kafka();

    /** Settings of the embedded Kafka broker. */
    interface Kafka {

        /** The broker's client port on loopback (KLAMBDA_KAFKA_PORT); 0 takes a free one. */
        @WithDefault("9092")
        int port();

        /** Partitions of the queue's topics: how many consumers can share the queue. */
        @WithDefault("8")
        int partitions();
    }

    /** How asynchronous invocations are attempted and retried. */
    AsyncConfig async();

    /** How event source mappings batch, retry and stop. */
    MappingsConfig mappings();

    /**
     * A domain under which function URLs also answer on host names of their own,
     * {@code <function>[--<alias>][.<namespace>].<domain>}, for an ingress with a wildcard host
     * (KLAMBDA_FUNCTION_URL_DOMAIN). Without it, URLs are {@code /url/<function>[/<alias>]/...}.
     */
    Optional<String> functionUrlDomain();

    /** The address printed in the banner when it differs from the bound one, e.g. behind a proxy. */
    Optional<String> advertisedUrl();
}
