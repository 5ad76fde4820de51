package dev.klambda.poller.mapping;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus.State;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.poller.async.AsyncConfig;
import dev.klambda.poller.destination.Destinations;
import dev.klambda.poller.destination.SqsQueues;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Runs the event source mappings of every tenant namespace as the store describes them: a consumer
 * per enabled Kafka mapping, restarted when the mapping changes (after the old one committed what it
 * finished, so no committed work is lost or repeated), stopped when it is disabled or deleted. The
 * state each mapping is in goes to a {@link StatusWriter} in Lambda's terms. Kafka and SQS sources
 * run; others are left to a later poller.
 * <p>
 * Several runners (poller replicas) can share the mappings: each runs every Kafka mapping, and the
 * mapping's consumer group divides the partitions among them; an SQS mapping runs in the one runner
 * its {@link QueueShare} names, so its {@code MaximumConcurrency} holds for the mapping as a whole.
 */
public final class MappingRunner implements AutoCloseable {

    /** Where the mappings come from: the resource store, or the Kubernetes API. */
    public interface Source {

        /** The mappings in {@code namespace}. */
        List<EventSourceMapping> eventSourceMappings(String namespace);
    }

    /** Which SQS mappings this runner polls. */
    public interface QueueShare {

        /** Alone: every one. */
        QueueShare ALL = Set::copyOf;

        /** Of the SQS mappings with {@code uuids}, the ones this runner polls. */
        Set<String> polled(Collection<String> uuids);
    }

    /** Where mapping statuses go: the status subresource in a cluster, memory in standalone. */
    public interface StatusWriter {

        void write(EventSourceMapping mapping, EventSourceMappingStatus status);

        /** The mapping is gone. */
        void forget(EventSourceMapping mapping);
    }

    /**
     * @param rescan how often the store is compared with what runs
     * @param lagReport how often a changed lag alone is written to the status
     */
    public record Options(Duration rescan, Duration lagReport, ConsumerOptions consumers) {

        public static final Options DEFAULT = new Options(Duration.ofSeconds(1), Duration.ofSeconds(10),
                ConsumerOptions.DEFAULT);
    }

    private static final Logger LOG = Logger.getLogger(MappingRunner.class);
    private static final Duration CLOSE = Duration.ofSeconds(8);

    private final Source source;
    private final QueueShare share;
    private final TenantTable tenants;
    private final MappingFunctions functions;
    private final KafkaEventQueue events;
    private final SqsQueues sqs;
    private final SqsMappingSettings.Defaults sqsDefaults;
    private final AwsCredentialsProvider sqsCredentials;
    private final MappingSecrets secrets;
    private final StatusWriter statuses;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Options options;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService scans = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("klambda-mappings").daemon().factory());
    private final ExecutorService transitions = Executors.newVirtualThreadPerTaskExecutor();
    // Touched by the scan thread only.
    private final Map<String, Running> running = new HashMap<>();

    /**
     * @param events the asynchronous event queue, for function destinations; null when there is none
     * @param async the platform's SQS-compatible service (SQS destinations, and SQS sources that name no
     *        endpoint or keys of their own); the runner's client for it is closed with the runner
     * @param secrets where source access configurations find their Secrets
     * @param share the SQS mappings this runner polls; its answers are asked again at every scan
     */
    public MappingRunner(Source source, QueueShare share, TenantTable tenants, MappingFunctions functions,
            KafkaEventQueue events, AsyncConfig async, String region, MappingSecrets secrets, StatusWriter statuses,
            MeterRegistry registry, Clock clock, Options options) {
        this.source = source;
        this.share = share;
        this.tenants = tenants;
        this.functions = functions;
        this.events = events;
        this.sqs = SqsQueues.configured(async, region);
        this.sqsDefaults = new SqsMappingSettings.Defaults(async.sqsEndpoint().orElse(null), region);
        this.sqsCredentials = async.sqsCredentials();
        this.secrets = secrets;
        this.statuses = statuses;
        this.registry = registry;
        this.clock = clock;
        this.options = options;
    }

    public void start() {
        scans.scheduleWithFixedDelay(this::scan, 0, options.rescan().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scan() {
        try {
            Map<String, EventSourceMapping> existing = new HashMap<>();
            for (Tenant tenant : tenants.tenants()) {
                for (EventSourceMapping mapping : source.eventSourceMappings(tenant.namespace())) {
                    existing.put(key(mapping), mapping);
                }
            }
            Set<String> polled = share.polled(existing.values().stream().filter(m -> m.getSpec().sqs() != null)
                    .map(EventSourceMapping::uuid).toList());
            Map<String, EventSourceMapping> wanted = new HashMap<>();
            existing.forEach((key, mapping) -> {
                if (mapping.getSpec().kafka() != null || polled.contains(mapping.uuid())) {
                    wanted.put(key, mapping);
                }
            });
            wanted.forEach(this::reconcile);
            for (String key : List.copyOf(running.keySet())) {
                if (!wanted.containsKey(key)) {
                    // Another runner polls it now, or it is gone (with its status and default group).
                    running.remove(key).stop(!existing.containsKey(key));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("Reconciling event source mappings failed; trying again", e);
        }
    }

    private void reconcile(String key, EventSourceMapping mapping) {
        Running current = running.get(key);
        if (current != null && current.spec.equals(mapping.getSpec())) {
            return;
        }
        boolean enabled = !Boolean.FALSE.equals(mapping.getSpec().enabled());
        Running next = new Running(mapping, current);
        running.put(key, next);
        if (current == null) {
            next.status(enabled ? State.Creating : State.Disabled, "USER_INITIATED");
        } else {
            next.status(enabled ? State.Updating : State.Disabling, "USER_INITIATED");
        }
        CompletableFuture<Void> previous = current == null ? CompletableFuture.completedFuture(null) : current.stop(false);
        next.stopped = previous.thenRunAsync(enabled ? next::start : () -> next.status(State.Disabled, "USER_INITIATED"),
                transitions);
    }

    static String key(EventSourceMapping mapping) {
        return mapping.getMetadata().getNamespace() + "/" + mapping.getMetadata().getName();
    }

    /** One mapping as it runs, or waits for its previous configuration to stop. */
    private final class Running implements MappingListener {
        final EventSourceMapping mapping;
        final EventSourceMappingSpec spec;
        final String uuid;
        final MappingMetrics metrics;
        volatile CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);
        // The status in Lambda's terms, guarded by this; a new configuration starts from the old one's.
        private State state;
        private String reason;
        private String result = "No records processed";
        private Double modified;
        private Long lag;
        private Instant lagWritten = Instant.EPOCH;
        private MappingConsumer consumer;
        private KafkaEventQueue topics;
        /** Stopped: what its consumer still reports is no longer the mapping's status. */
        private boolean closed;

        Running(EventSourceMapping mapping, Running previous) {
            this.mapping = mapping;
            this.spec = mapping.getSpec();
            this.uuid = mapping.uuid();
            this.metrics = previous != null ? previous.metrics : new MappingMetrics(registry, spec.functionName(), uuid);
            if (previous != null) {
                synchronized (previous) {
                    state = previous.state;
                    reason = previous.reason;
                    result = previous.result;
                    modified = previous.modified;
                    lag = previous.lag;
                }
            }
        }

        void start() {
            try {
                if (spec.kafka() != null) {
                    startKafka(KafkaMappingSettings.of(mapping, uuid));
                } else {
                    startSqs(SqsMappingSettings.of(mapping, uuid, sqsDefaults));
                }
            } catch (InvalidMappingException e) {
                status(State.Disabled, "ESM_CONFIG_NOT_VALID");
                result("PROBLEM: " + e.getMessage());
            }
        }

        private synchronized void startKafka(KafkaMappingSettings settings) {
            if (closed) {
                return;
            }
            if (settings.onFailure() != null && settings.onFailure().startsWith("kafka://")) {
                Map<String, Object> security;
                try {
                    security = KafkaSecurity.config(settings.namespace(), settings.access(), secrets);
                } catch (MissingSecretException e) {
                    // The consumer reports it and tries again; the destination is made when it runs again.
                    security = Map.of();
                }
                topics = KafkaEventQueue.connect(settings.bootstrap(), security);
            }
            Destinations destinations = new Destinations(events, topics != null ? topics : events, sqs, http, clock);
            consumer = new KafkaMapping(settings, functions, destinations, metrics, secrets, this, clock,
                    options.consumers());
            consumer.start();
        }

        private synchronized void startSqs(SqsMappingSettings settings) {
            if (closed) {
                return;
            }
            AwsCredentialsProvider credentials = settings.credentialsSecret() == null ? sqsCredentials
                    : new SecretCredentials(secrets, settings.namespace(), settings.credentialsSecret(), clock);
            consumer = new SqsMapping(settings, functions, metrics, this, clock, options.consumers(), credentials);
            consumer.start();
        }

        /** Stops the consumer; {@code deleted} also forgets the status and the default consumer group. */
        CompletableFuture<Void> stop(boolean deleted) {
            return stopped.thenRunAsync(() -> {
                MappingConsumer stopping;
                KafkaEventQueue producer;
                synchronized (this) {
                    closed = true;
                    stopping = consumer;
                    producer = topics;
                }
                if (stopping != null) {
                    try {
                        stopping.close();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (producer != null) {
                    producer.close();
                }
                if (deleted) {
                    statuses.forget(mapping);
                    metrics.close();
                    deleteDefaultGroup();
                }
            }, transitions);
        }

        /** A group named after the mapping is the mapping's alone: it goes with it. */
        private void deleteDefaultGroup() {
            if (spec.kafka() == null || spec.kafka().consumerGroupId() != null
                    && !spec.kafka().consumerGroupId().equals(uuid)) {
                return;
            }
            Map<String, Object> config = new HashMap<>(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    String.join(",", spec.kafka().bootstrapServers()), AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
            try {
                config.putAll(KafkaSecurity.config(mapping.getMetadata().getNamespace(),
                        spec.sourceAccessConfigurations(), secrets));
            } catch (RuntimeException e) {
                LOG.infof("The consumer group %s of deleted mapping %s was not deleted: %s", uuid, key(mapping),
                        e.getMessage());
                return;
            }
            try (Admin admin = Admin.create(config)) {
                admin.deleteConsumerGroups(List.of(uuid)).all().get(15, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.infof("The consumer group %s of deleted mapping %s was not deleted: %s", uuid, key(mapping),
                        e.getMessage());
            }
        }

        void status(State state, String reason) {
            update(() -> {
                this.state = state;
                this.reason = reason;
                this.modified = LambdaTimestamps.epochSeconds(clock.instant());
                return true;
            });
        }

        @Override
        public void running() {
            status(State.Enabled, "USER_INITIATED");
        }

        @Override
        public void result(String lastProcessingResult) {
            update(() -> {
                boolean changed = !lastProcessingResult.equals(result);
                result = lastProcessingResult;
                return changed;
            });
        }

        @Override
        public void sourceProblem(String code, String message) {
            LOG.warnf("Event source mapping %s cannot read its source (%s): %s", key(mapping), code, message);
            update(() -> {
                if (!code.equals("PROBLEM")) {
                    reason = code;
                }
                result = "PROBLEM: " + message;
                return true;
            });
        }

        /** A changed lag alone is written at most every {@code lagReport}, and at once when it reaches 0. */
        @Override
        public void lag(long records) {
            update(() -> {
                if (lag != null && lag == records) {
                    return false;
                }
                lag = records;
                return records == 0 || Duration.between(lagWritten, clock.instant()).compareTo(options.lagReport()) >= 0;
            });
        }

        /** Applies {@code change}, and writes the status when it says the change is worth writing. */
        private void update(BooleanSupplier change) {
            EventSourceMappingStatus status;
            synchronized (this) {
                if (closed || !change.getAsBoolean()) {
                    return;
                }
                lagWritten = clock.instant();
                status = new EventSourceMappingStatus(mapping.getMetadata().getGeneration(), null, uuid, state, reason,
                        result, modified, lag);
            }
            try {
                statuses.write(mapping, status);
            } catch (RuntimeException e) {
                LOG.warnf("Writing the status of mapping %s failed: %s", key(mapping), e.getMessage());
            }
        }
    }

    /** Stops every consumer, each committing what it finished, waiting at most {@link #CLOSE} for them. */
    @Override
    public void close() throws InterruptedException {
        scans.shutdownNow();
        scans.awaitTermination(10, TimeUnit.SECONDS);
        List<CompletableFuture<Void>> stops = running.values().stream().map(r -> r.stop(false)).toList();
        try {
            // Bounded, so that a consumer stuck on a slow cluster cannot hold the process: what it did
            // not commit is read again after the restart.
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(CLOSE.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("Not every event source mapping stopped cleanly: %s", e.getMessage());
        }
        transitions.shutdownNow();
        if (sqs != null) {
            sqs.close();
        }
    }
}
