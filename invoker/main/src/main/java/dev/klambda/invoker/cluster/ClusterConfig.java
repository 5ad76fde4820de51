package dev.klambda.invoker.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import dev.klambda.invoker.config.TenantConfig;
import dev.klambda.poller.async.AsyncConfig;

/**
 * The cluster invoker's settings. The Helm chart writes them into
 * {@code /etc/klambda/application.properties}, shared with the controller and the poller; secrets
 * arrive as environment variables the file names.
 */
@ConfigMapping(prefix = "klambda")
public interface ClusterConfig {

    /** The region in ARNs, and the one clients sign their requests for. */
    @WithDefault("us-east-1")
    String region();

    /** Where klambda's own services run: the invokers' Leases and demand reports live here. */
    @WithDefault("klambda")
    String systemNamespace();

    /** The tenant table: namespace, 12-digit account id, access keys, concurrency limit. */
    List<TenantConfig> tenants();

    /** The code store: the volume uploads go to, and how function pods reach it. */
    CodeStoreConfig codeStore();

    interface CodeStoreConfig {
        /** The code store's volume, shared with the controller. */
        Path directory();

        /** This service's address inside the cluster, where function pods fetch code. */
        String url();

        /** The key that signs code locations, shared with the controller. */
        Optional<String> signingKey();
    }

    /**
     * A domain under which function URLs also answer on host names of their own,
     * {@code <function>[--<alias>][.<namespace>].<domain>}.
     */
    Optional<String> functionUrlDomain();

    /** How this replica works with function pods and with the other replicas. */
    InvokerConfig invoker();

    /** How the replicas drain the asynchronous queue, once {@code kafka.bootstrap.servers} names a Kafka cluster. */
    AsyncConfig async();

    /** The asynchronous queue's topics, which the first replica to start creates. */
    KafkaTopics kafka();

    interface KafkaTopics {

        /** Partitions of each topic: at most this many replicas drain the queue at once. */
        @WithDefault("8")
        int partitions();

        /** Copies of each partition; the brokers' default.replication.factor when not set. */
        Optional<Short> replicationFactor();
    }

    interface InvokerConfig {
        /**
         * This replica's name: the pod name, which Kubernetes also makes the host name. It names the
         * replica's Lease and demand report.
         */
        @WithDefault("${HOSTNAME:invoker}")
        String name();

        /** How often the demand report is rewritten when no request waits. */
        @WithDefault("5s")
        Duration demandReportInterval();

        /**
         * How long a replica's Lease lasts without renewal. Replicas renew at a third of it; a replica
         * that stops renewing loses its share of the pods once it expires.
         */
        @WithDefault("15s")
        Duration leaseDuration();

        /**
         * How long PublishVersion (and a Version created through the API without a snapshot) waits
         * for the controller to freeze the Version or refuse it for good, before it answers with what
         * it has then.
         */
        @WithDefault("10s")
        Duration publishTimeout();

        /**
         * How long a write through the API waits for this replica's cache to show it, so that the
         * requests after it read it back. A write that takes longer still happened; it is only
         * logged.
         */
        @WithDefault("5s")
        Duration writeVisibilityTimeout();
    }
}
