package dev.klambda.poller.mapping;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec.StartingPosition;
import dev.klambda.poller.Backoff;
import dev.klambda.poller.ConsumerPauses;
import dev.klambda.poller.destination.Destinations;
import dev.klambda.poller.mapping.FailureRecords.Condition;

/**
 * One Kafka event source mapping: a consumer in the mapping's group that batches each partition's
 * records into Lambda's Kafka event and invokes the function with one batch per partition at a time,
 * so records of a partition are processed in order while other partitions go on. An offset is
 * committed only once every record before it is done: processed, skipped by the filter, or given up
 * to the on-failure destination. A failing batch is retried, bisected, or resumed at the first
 * record the function reports failed, and blocks only its own partition.
 */
public final class KafkaMapping implements MappingConsumer {

    private static final Logger LOG = Logger.getLogger(KafkaMapping.class);
    private static final Duration BUSY_POLL = Duration.ofMillis(5);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final Duration CONNECT = Duration.ofSeconds(10);
    private static final Duration LAG_INTERVAL = Duration.ofSeconds(1);

    /** A record read: its place, and its JSON for the event, or null when the filter skips it. */
    private record Pending(long offset, long timestamp, byte[] json, Instant received) {

        boolean invokable() {
            return json != null;
        }
    }

    /** Why a batch goes to the on-failure destination instead of the function. */
    private record GiveUp(Condition condition, InvocationRecords.Response response, int invokeCount, String requestId) {
    }

    /** Records of one partition handled together; {@code attempts} counts failed invocations so far. */
    private record Batch(List<Pending> records, int attempts, GiveUp giveUp) {

        long first() {
            return records.getFirst().offset();
        }

        long last() {
            return records.getLast().offset();
        }

        List<Pending> invokable() {
            return records.stream().filter(Pending::invokable).toList();
        }

        Batch attempted(int count) {
            return new Batch(records, count, null);
        }

        Batch givenUp(GiveUp why) {
            return new Batch(records, attempts, why);
        }

        /** The records before {@code offset}, with this batch's attempts. */
        Batch before(long offset) {
            return new Batch(records.stream().filter(p -> p.offset() < offset).toList(), attempts, null);
        }

        /** The records from {@code offset} on, with this batch's attempts. */
        Batch from(long offset) {
            return new Batch(records.stream().filter(p -> p.offset() >= offset).toList(), attempts, null);
        }
    }

    /** A partition's pipeline, oldest first: the batch under way, batches to go again, records not yet batched. */
    private final class Partition {
        final TopicPartition topicPartition;
        final String key;
        final EventEnvelope envelope;
        final ArrayDeque<Pending> buffer = new ArrayDeque<>();
        final ArrayDeque<Batch> again = new ArrayDeque<>();
        Batch current;
        long bufferedBytes;
        int bufferedInvokable;
        Instant notBefore = Instant.EPOCH;
        int failuresInARow;
        long finishedThrough = -1;
        long committed = -1;
        volatile long lag;
        Gauge lagGauge;

        Partition(TopicPartition topicPartition) {
            this.topicPartition = topicPartition;
            this.key = KafkaEvents.partitionKey(topicPartition.topic(), topicPartition.partition());
            this.envelope = KafkaEvents.envelope(settings.bootstrap(), key);
        }

        boolean idle() {
            return current == null;
        }

        /** The offset to commit: the first record still in the pipeline, else the one after the last finished. */
        long position() {
            long position = Long.MAX_VALUE;
            if (current != null) {
                position = current.first();
            }
            for (Batch batch : again) {
                position = Math.min(position, batch.first());
            }
            if (!buffer.isEmpty()) {
                position = Math.min(position, buffer.peekFirst().offset());
            }
            return position == Long.MAX_VALUE ? finishedThrough + 1 : position;
        }

        /** The position to commit when it moved past what was committed since a record finished, else -1. */
        long uncommitted() {
            long position = position();
            return position > committed && finishedThrough >= 0 ? position : -1;
        }

        void add(Pending pending) {
            buffer.add(pending);
            if (pending.invokable()) {
                bufferedInvokable++;
                bufferedBytes += pending.json().length + 1;
            }
        }

        /** The next batch from the buffer when it is due: full, at the payload cap, or its window over. */
        Batch take(Instant now) {
            if (buffer.isEmpty()) {
                return null;
            }
            boolean full = bufferedInvokable >= settings.batchSize()
                    || bufferedBytes + envelope.size() >= options.maxPayload();
            if (!full && now.isBefore(buffer.peekFirst().received().plus(settings.batchingWindow()))) {
                return null;
            }
            List<Pending> records = new ArrayList<>();
            int count = 0;
            long bytes = envelope.size();
            while (!buffer.isEmpty()) {
                Pending next = buffer.peekFirst();
                if (next.invokable()) {
                    long size = next.json().length + 1;
                    if (count > 0 && (count >= settings.batchSize() || bytes + size > options.maxPayload())) {
                        break;
                    }
                    count++;
                    bytes += size;
                    bufferedInvokable--;
                    bufferedBytes -= size;
                }
                records.add(buffer.pollFirst());
            }
            return new Batch(records, 0, null);
        }
    }

    private final KafkaMappingSettings settings;
    private final MappingFunctions functions;
    private final Destinations destinations;
    private final MappingMetrics metrics;
    private final MappingSecrets secrets;
    private final MappingListener listener;
    private final Clock clock;
    private final ConsumerOptions options;
    private final Backoff backoff;
    private final String functionArn;
    private final BlockingQueue<Runnable> completions = new LinkedBlockingQueue<>();
    // Touched by the consumer's thread only (rebalance callbacks and completions run on it).
    private final Map<TopicPartition, Partition> partitions = new HashMap<>();
    /** Counted down by close(). */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    /** Set while the consumer waits for the cluster to answer, when only a wakeup ends the wait early. */
    private volatile Consumer<byte[], byte[]> connecting;
    private Consumer<byte[], byte[]> consumer;
    private Instant lastLag = Instant.EPOCH;
    private boolean commitInFlight;
    private Instant commitRetryAt = Instant.EPOCH;
    private int commitFailures;

    /** @param destinations where given-up records go; its Kafka topics are on the source's cluster */
    public KafkaMapping(KafkaMappingSettings settings, MappingFunctions functions, Destinations destinations,
            MappingMetrics metrics, MappingSecrets secrets, MappingListener listener, Clock clock,
            ConsumerOptions options) {
        this.settings = settings;
        this.functions = functions;
        this.destinations = destinations;
        this.metrics = metrics;
        this.secrets = secrets;
        this.listener = listener;
        this.clock = clock;
        this.options = options;
        this.backoff = new Backoff(options.firstBackoff(), options.maxBackoff());
        this.functionArn = functionArnOrName();
        this.thread = Thread.ofPlatform().name("klambda-mapping-" + settings.uuid()).daemon().unstarted(this::run);
    }

    @Override
    public void start() {
        thread.start();
    }

    private String functionArnOrName() {
        try {
            return functions.functionArn(settings.namespace(), settings.function());
        } catch (RuntimeException e) {
            return settings.function();
        }
    }

    /** Reads until closed; a source that cannot be read is reported and tried again with backoff. */
    private void run() {
        int failures = 0;
        while (!stopping()) {
            try {
                consume();
                return;
            } catch (WakeupException e) {
                // close() cut a wait for the cluster short.
                return;
            } catch (MissingSecretException | AuthenticationException e) {
                listener.sourceProblem("EVENT_SOURCE_AUTHN_ERROR", e.getMessage());
            } catch (AuthorizationException e) {
                listener.sourceProblem("EVENT_SOURCE_AUTHZ_ERROR", e.getMessage());
            } catch (KafkaException e) {
                listener.sourceProblem("PROBLEM", "Connection error: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.errorf(e, "Event source mapping %s failed; it starts again", settings.uuid());
                listener.sourceProblem("PROBLEM", "Internal error: " + e);
            }
            try {
                if (stopped.await(backoff.after(failures++).toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void consume() {
        consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            connecting = consumer;
            if (stopping()) {
                return;
            }
            checkSource();
            connecting = null;
            listener.running();
            consumer.subscribe(settings.topics(), new Rebalances());
            while (!stopping()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout())) {
                    accept(record);
                }
                runCompletions();
                commitPending();
                dispatch();
                pauseWhenFull();
                reportLag();
            }
            drain();
        } finally {
            connecting = null;
            partitions.values().forEach(this::forget);
            partitions.clear();
            completions.clear();
            consumer.close(Duration.ofSeconds(2));
            consumer = null;
        }
    }

    private Map<String, Object> consumerConfig() {
        // The Secrets are read on every attempt: one that is missing or wrong may be fixed meanwhile.
        Map<String, Object> config = new HashMap<>(
                KafkaSecurity.config(settings.namespace(), settings.access(), secrets));
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.consumerGroup());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "klambda-mapping-" + settings.uuid());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                settings.startingPosition() == StartingPosition.TRIM_HORIZON ? "earliest" : "latest");
        // A source that is away is tried every few seconds, not many times a second.
        config.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000);
        // A poller that crashed holds its partitions until its session ends (Kafka's default is 45 s).
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) options.sessionTimeout().toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) options.sessionTimeout().toMillis() / 3);
        // One poll may refill every partition's buffer (pauseWhenFull bounds what is held); 1,000 a poll
        // held batches of 1,000 on 8 partitions to a third of what the broker serves.
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        // A fetch for partitions with nothing new waits at most this long at the broker; meanwhile a
        // partition resumed after a pause cannot be fetched (one fetch per broker at a time).
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        // The classic group protocol works with brokers older than Kafka 4; cooperative rebalances only
        // take from a consumer the partitions that move.
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return config;
    }

    /** Fails with the client's own exception when the cluster cannot be reached or refuses us. */
    private void checkSource() {
        List<String> missing = new ArrayList<>();
        for (String topic : settings.topics()) {
            try {
                if (consumer.partitionsFor(topic, CONNECT).isEmpty()) {
                    missing.add(topic);
                }
            } catch (TimeoutException e) {
                throw new KafkaException("the Kafka cluster at " + settings.bootstrap() + " did not answer within "
                        + CONNECT.toSeconds() + " s", e);
            }
        }
        if (!missing.isEmpty()) {
            listener.result("PROBLEM: Topic not found: " + String.join(", ", missing));
        }
    }

    private Duration pollTimeout() {
        if (partitions.values().stream().anyMatch(p -> !p.idle())) {
            return BUSY_POLL;
        }
        Instant now = clock.instant();
        Duration wait = IDLE_POLL;
        for (Partition p : partitions.values()) {
            if (!p.again.isEmpty()) {
                wait = min(wait, Duration.between(now, p.notBefore));
            } else if (!p.buffer.isEmpty()) {
                wait = min(wait, Duration.between(now, p.buffer.peekFirst().received().plus(settings.batchingWindow())));
            }
        }
        return wait.isNegative() ? Duration.ZERO : wait;
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        Partition partition = partitions.get(new TopicPartition(record.topic(), record.partition()));
        if (partition == null) {
            return;
        }
        metrics.polled();
        boolean passes = !settings.filter().filters() || settings.filter().matches(KafkaEvents.filterView(record));
        partition.add(new Pending(record.offset(), record.timestamp(), passes ? KafkaEvents.record(record) : null,
                clock.instant()));
    }

    private void runCompletions() {
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
        }
    }

    private void dispatch() {
        if (stopping()) {
            return;
        }
        Instant now = clock.instant();
        for (Partition partition : partitions.values()) {
            if (!partition.idle() || now.isBefore(partition.notBefore)) {
                continue;
            }
            Batch next = partition.again.pollFirst();
            if (next == null) {
                next = partition.take(now);
            }
            if (next != null) {
                start(partition, next, now);
            }
        }
    }

    private void start(Partition partition, Batch batch, Instant now) {
        partition.current = batch;
        if (batch.giveUp() != null) {
            deliver(partition, batch);
            return;
        }
        List<Pending> invokable = batch.invokable();
        if (invokable.isEmpty()) {
            finished(partition, batch);
            return;
        }
        if (settings.maxRecordAge() != null) {
            long cutoff = now.minus(settings.maxRecordAge()).toEpochMilli();
            List<Pending> expired = invokable.stream().filter(p -> p.timestamp() < cutoff).toList();
            if (!expired.isEmpty()) {
                List<Pending> rest = batch.records().stream().filter(p -> !p.invokable() || p.timestamp() >= cutoff)
                        .toList();
                if (!rest.isEmpty()) {
                    partition.again.addFirst(new Batch(rest, batch.attempts(), null));
                }
                Batch old = new Batch(expired, batch.attempts(),
                        new GiveUp(Condition.RecordAgeExceeded, null, batch.attempts(), UUID.randomUUID().toString()));
                partition.current = old;
                deliver(partition, old);
                return;
            }
        }
        List<byte[]> records = invokable.stream().map(Pending::json).toList();
        if (records.size() == 1 && partition.envelope.size(records) > options.maxPayload()) {
            Batch tooLarge = batch.givenUp(new GiveUp(Condition.MaximumPayloadSizeExceeded, null, batch.attempts(),
                    UUID.randomUUID().toString()));
            partition.current = tooLarge;
            deliver(partition, tooLarge);
            return;
        }
        byte[] event = partition.envelope.event(records);
        String requestId = UUID.randomUUID().toString();
        metrics.invoked(records.size());
        CompletionStage<InvocationRecords.Response> call;
        try {
            call = functions.invoke(settings.namespace(), settings.function(), requestId, event);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((response, failure) -> completions
                .add(() -> invoked(partition, batch, requestId, response, failure)));
    }

    private void invoked(Partition partition, Batch batch, String requestId, InvocationRecords.Response response,
            Throwable failure) {
        if (partitions.get(partition.topicPartition) != partition) {
            return;
        }
        partition.current = null;
        if (failure != null) {
            Throwable cause = LambdaException.cause(failure);
            boolean throttled = cause instanceof LambdaException e && e.type() == ErrorType.TooManyRequestsException;
            metrics.retried(throttled ? "throttle" : "platform_error");
            listener.result("PROBLEM: " + (cause instanceof LambdaException e ? e.type().name() + ": " + e.getMessage()
                    : "Function call failed: " + cause));
            retryLater(partition, batch);
            return;
        }
        partition.failuresInARow = 0;
        if (response.functionError() != null) {
            functionFailed(partition, batch, requestId, response);
            return;
        }
        if (settings.reportItemFailures()) {
            List<Pending> invokable = batch.invokable();
            BatchItemFailures.Result result = BatchItemFailures.read(response.payload(), partition.key,
                    invokable.getFirst().offset(), invokable.getLast().offset());
            switch (result) {
                case BatchItemFailures.FailedFrom(long offset) -> {
                    Batch done = batch.before(offset);
                    if (!done.records().isEmpty()) {
                        partition.finishedThrough = Math.max(partition.finishedThrough, done.last());
                    }
                    functionFailed(partition, batch.from(offset), requestId, response);
                    return;
                }
                case BatchItemFailures.Invalid(String reason) -> {
                    LOG.debugf("Mapping %s: the partial batch response fails the batch: %s", settings.uuid(), reason);
                    functionFailed(partition, batch, requestId, response);
                    return;
                }
                case BatchItemFailures.Success success -> {
                    // Every record succeeded.
                }
                case BatchItemFailures.FailedIds ids -> throw new IllegalStateException("read() names offsets");
            }
        }
        listener.result("OK");
        finished(partition, batch);
    }

    private void functionFailed(Partition partition, Batch batch, String requestId,
            InvocationRecords.Response response) {
        metrics.functionError();
        listener.result("PROBLEM: Function call failed");
        List<Pending> invokable = batch.invokable();
        if (settings.bisect() && invokable.size() > 1) {
            long split = invokable.get(invokable.size() / 2).offset();
            partition.again.addFirst(batch.from(split));
            partition.again.addFirst(batch.before(split));
            metrics.retried("bisect");
            commitPending();
            return;
        }
        int attempts = batch.attempts() + 1;
        if (settings.exhausted(attempts)) {
            partition.again.addFirst(batch.givenUp(new GiveUp(Condition.RetryAttemptsExhausted, response, attempts,
                    requestId)));
        } else {
            metrics.retried("function_error");
            partition.again.addFirst(batch.attempted(attempts));
            partition.notBefore = clock.instant().plus(backoff.after(attempts - 1));
        }
        commitPending();
    }

    /** Sends given-up records to the on-failure destination (or drops them when there is none). */
    private void deliver(Partition partition, Batch batch) {
        GiveUp why = batch.giveUp();
        List<Pending> records = batch.invokable();
        if (settings.onFailure() == null || records.isEmpty()) {
            metrics.failed(records.size(), why.condition().name(), "dropped");
            LOG.infof("Mapping %s gave up %d records of %s (%s) and has no on-failure destination", settings.uuid(),
                    records.size(), partition.key, why.condition());
            finished(partition, batch);
            return;
        }
        CompletionStage<Void> sent;
        try {
            sent = send(partition, why, records);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((ok, failure) -> completions.add(() -> delivered(partition, batch, failure)));
    }

    private CompletionStage<Void> send(Partition partition, GiveUp why, List<Pending> records) {
        Instant now = clock.instant();
        String account = functions.account(settings.namespace());
        if (!settings.onFailure().startsWith("kafka://")) {
            long payloadSize = partition.envelope.size(records.stream().map(Pending::json).toList());
            byte[] record = FailureRecords.batch(now, why.requestId(), functionArn, why.condition(), why.invokeCount(),
                    why.response(), settings.bootstrap(), partition.key,
                    records.stream().map(p -> new FailureRecords.Failed(p.offset(), p.timestamp())).toList(),
                    payloadSize);
            return destinations.record(settings.onFailure(), account, why.requestId(), record);
        }
        CompletableFuture<?>[] sends = new CompletableFuture<?>[records.size()];
        for (int i = 0; i < records.size(); i++) {
            Pending pending = records.get(i);
            byte[] event = partition.envelope.event(List.of(pending.json()));
            byte[] record = FailureRecords.single(now, why.requestId(), functionArn, why.condition(),
                    why.invokeCount(), why.response(), settings.bootstrap(),
                    new FailureRecords.Failed(pending.offset(), pending.timestamp()), event);
            sends[i] = destinations.record(settings.onFailure(), account, why.requestId(), record).toCompletableFuture();
        }
        return CompletableFuture.allOf(sends);
    }

    private void delivered(Partition partition, Batch batch, Throwable failure) {
        if (partitions.get(partition.topicPartition) != partition) {
            return;
        }
        partition.current = null;
        int records = batch.invokable().size();
        if (failure != null) {
            LOG.warnf("Mapping %s could not send %d records of %s to %s; it tries again: %s", settings.uuid(), records,
                    partition.key, settings.onFailure(), failure.getMessage());
            metrics.retried("destination_error");
            listener.result("PROBLEM: Sending to the on-failure destination failed: " + failure.getMessage());
            retryLater(partition, batch);
            return;
        }
        partition.failuresInARow = 0;
        metrics.failed(records, batch.giveUp().condition().name(), "destination");
        finished(partition, batch);
    }

    /** Puts the batch first again, after a wait that grows with the partition's failures in a row. */
    private void retryLater(Partition partition, Batch batch) {
        partition.again.addFirst(batch);
        partition.notBefore = clock.instant().plus(backoff.after(partition.failuresInARow++));
    }

    private void finished(Partition partition, Batch batch) {
        partition.current = null;
        partition.finishedThrough = Math.max(partition.finishedThrough, batch.last());
        commitPending();
    }

    /**
     * Commits the positions that moved, all partitions in one request, with at most one request in
     * flight: a busy consumer does not queue a commit per batch behind a slow coordinator. A failed
     * commit is sent again after a backoff, so the group's offsets catch up even when no further
     * batch comes.
     */
    private void commitPending() {
        if (commitInFlight || clock.instant().isBefore(commitRetryAt)) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = toCommit(partitions.values(), Partition::uncommitted);
        if (offsets.isEmpty()) {
            return;
        }
        commitInFlight = true;
        consumer.commitAsync(offsets, (sent, failure) -> {
            // On the consumer's thread, in a poll.
            commitInFlight = false;
            if (failure == null) {
                commitFailures = 0;
                return;
            }
            LOG.warnf("Mapping %s: committing %d partitions failed; trying again: %s", settings.uuid(), sent.size(),
                    failure.getMessage());
            sent.forEach((topicPartition, offset) -> {
                Partition partition = partitions.get(topicPartition);
                if (partition != null && partition.committed == offset.offset()) {
                    partition.committed = -1;
                }
            });
            commitRetryAt = clock.instant().plus(backoff.after(commitFailures++));
        });
    }

    /** A partition with a full buffer waits in Kafka until its batches move. */
    private void pauseWhenFull() {
        long limit = 2L * settings.batchSize();
        ConsumerPauses.apply(consumer, topicPartition -> {
            Partition partition = partitions.get(topicPartition);
            return partition != null && (partition.bufferedInvokable >= limit || partition.buffer.size() >= 4 * limit
                    || partition.bufferedBytes >= 2L * options.maxPayload());
        });
    }

    private void reportLag() {
        Instant now = clock.instant();
        if (Duration.between(lastLag, now).compareTo(LAG_INTERVAL) < 0) {
            return;
        }
        lastLag = now;
        long total = 0;
        for (Partition partition : partitions.values()) {
            long behind = consumer.currentLag(partition.topicPartition).orElse(0) + partition.buffer.size();
            partition.lag = behind;
            total += behind;
        }
        listener.lag(total);
    }

    /** Waits a while for the batches under way, so their offsets are committed before the consumer goes. */
    private void drain() {
        awaitIdle(partitions.values(), options.shutdownDrain());
        commitNow(partitions.values());
    }

    private void awaitIdle(Collection<Partition> which, Duration atMost) {
        Instant deadline = clock.instant().plus(atMost);
        try {
            while (which.stream().anyMatch(p -> !p.idle()) && clock.instant().isBefore(deadline)) {
                Runnable completion = completions.poll(50, TimeUnit.MILLISECONDS);
                if (completion != null) {
                    completion.run();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void commitNow(Collection<Partition> which) {
        // Also what an asynchronous commit still under way carries: it may yet fail.
        Map<TopicPartition, OffsetAndMetadata> offsets = toCommit(which,
                partition -> partition.finishedThrough >= 0 ? partition.position() : -1);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, CONNECT);
        } catch (KafkaException e) {
            LOG.warnf("Mapping %s: committing %s failed; those records will be processed again: %s", settings.uuid(),
                    offsets, e.getMessage());
        }
    }

    /** The offsets {@code position} gives {@code which} (-1: nothing to commit), noted as committed. */
    private Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<Partition> which,
            ToLongFunction<Partition> position) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Partition partition : which) {
            long offset = position.applyAsLong(partition);
            if (offset >= 0) {
                offsets.put(partition.topicPartition, new OffsetAndMetadata(offset));
                partition.committed = offset;
            }
        }
        return offsets;
    }

    private void forget(Partition partition) {
        if (partition.lagGauge != null) {
            metrics.remove(partition.lagGauge);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Partitions going to another consumer finish their batch under way first and commit; lost ones just go. */
    private final class Rebalances implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            for (TopicPartition topicPartition : assigned) {
                Partition partition = new Partition(topicPartition);
                partition.lagGauge = metrics.lag(partition.key, partition, p -> p.lag);
                partitions.put(topicPartition, partition);
            }
            if (settings.startingPosition() == StartingPosition.AT_TIMESTAMP && settings.startingTimestamp() != null) {
                seekToTimestamp(assigned);
            }
        }

        /** Partitions the group has no offset for start at the first record at or after the timestamp. */
        private void seekToTimestamp(Collection<TopicPartition> assigned) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(assigned), CONNECT);
            Map<TopicPartition, Long> fresh = new HashMap<>();
            for (TopicPartition partition : assigned) {
                if (committed.get(partition) == null) {
                    fresh.put(partition, settings.startingTimestamp().toEpochMilli());
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(fresh, CONNECT);
            List<TopicPartition> toEnd = new ArrayList<>();
            fresh.keySet().forEach(partition -> {
                OffsetAndTimestamp at = found.get(partition);
                if (at == null) {
                    toEnd.add(partition);
                } else {
                    consumer.seek(partition, at.offset());
                }
            });
            if (!toEnd.isEmpty()) {
                consumer.seekToEnd(toEnd);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            List<Partition> leaving = revoked.stream().map(partitions::get).filter(p -> p != null).toList();
            awaitIdle(leaving, options.drain());
            commitNow(leaving);
            onPartitionsLost(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            for (TopicPartition topicPartition : lost) {
                Partition partition = partitions.remove(topicPartition);
                if (partition != null) {
                    forget(partition);
                }
            }
        }
    }

    private boolean stopping() {
        return stopped.getCount() == 0;
    }

    /**
     * Stops reading, lets batches under way finish (for at most {@link ConsumerOptions#SHUTDOWN_DRAIN}), commits,
     * and closes the consumer.
     */
    @Override
    public void close() throws InterruptedException {
        stopped.countDown();
        Consumer<byte[], byte[]> waiting = connecting;
        if (waiting != null) {
            waiting.wakeup();
        }
        thread.join(options.drain().plusSeconds(15).toMillis());
    }
}
