package dev.klambda.invoker.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.invoker.async.AsyncTopics;
import dev.klambda.invoker.async.EventQueue;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.routing.Resolver;
import dev.klambda.poller.async.AsyncDrain;
import dev.klambda.poller.async.InvokerFunctions;

/**
 * In a cluster the invoker replicas drain the asynchronous queue they write to: each runs the
 * poller in process, in one Kafka consumer group, so that Kafka spreads the partitions over the
 * replicas and hands a stopped or killed replica's partitions to the others. Attempts are
 * ordinary synchronous invocations of the replica's own invoker, with the event's request id.
 *
 * <p>
 * The topics are created first (the brokers' settings cannot be relied on for the record size);
 * while Kafka cannot be reached, synchronous invocations go on and the replica keeps trying.
 */
@ApplicationScoped
public class AsyncInvocations {

    private static final Logger LOG = Logger.getLogger(AsyncInvocations.class);
    /** How long a replica waits before trying again to create the topics. */
    private static final Duration TOPICS_RETRY = Duration.ofSeconds(10);

    private volatile boolean stopping;
    private Thread starter;
    private AsyncDrain drain;

    void start(@Observes StartupEvent start, EventQueue events, Invoker invoker, Resolver resolver,
            TenantTable tenants, ResourceStore store, MeterRegistry registry, ClusterConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        if (!(events instanceof KafkaEventQueue queue) || bootstrapServers.isEmpty()) {
            return;
        }
        String servers = bootstrapServers.get();
        starter = Thread.ofPlatform().name("klambda-async-start").daemon().start(() -> {
            if (!createTopics(servers, config.kafka())) {
                return;
            }
            synchronized (this) {
                if (!stopping) {
                    drain = AsyncDrain.start(servers,
                            new InvokerFunctions(resolver, invoker, tenants, store, config.region()), queue, registry,
                            config.async(), config.region());
                    LOG.infof("draining the asynchronous queue on %s", servers);
                }
            }
        });
    }

    /** Creates the queue's topics if they are missing; false when the replica stopped before it could. */
    private boolean createTopics(String servers, ClusterConfig.KafkaTopics topics) {
        while (!stopping) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                AsyncTopics.ensure(admin, topics.partitions(), topics.replicationFactor());
                return true;
            } catch (ExecutionException | RuntimeException e) {
                LOG.warnf("cannot create the asynchronous queue's topics on %s (%s); trying again in %d s", servers,
                        e.getCause() != null ? e.getCause() : e, TOPICS_RETRY.toSeconds());
            } catch (InterruptedException e) {
                return false;
            }
            try {
                Thread.sleep(TOPICS_RETRY);
            } catch (InterruptedException e) {
                return false;
            }
        }
        return false;
    }

    /** The poller stops first, while the invoker still serves the attempts under way. */
    void stop(@Observes ShutdownEvent stop) throws InterruptedException {
        stopping = true;
        if (starter != null) {
            starter.interrupt();
        }
        synchronized (this) {
            if (drain != null) {
                drain.close();
            }
        }
    }
}
