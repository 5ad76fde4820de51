package dev.klambda.poller.mapping;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.poller.Backoff;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One SQS event source mapping: pollers that long-poll the queue, gather a batch (up to the batch
 * size, the batching window and the 6 MB payload cap), invoke the function with Lambda's SQS event
 * and delete the messages it processed. What fails is left alone, so the queue shows it again after
 * its visibility timeout and its redrive policy decides when to give up. A message whose visibility
 * timeout ran out before its batch was invoked is not invoked: the queue already shows it again.
 *
 * <p>
 * Pollers scale as Lambda's do: five to start (fewer when {@code MaximumConcurrency} is lower),
 * one more each second while batches come back full, up to {@code MaximumConcurrency}; a poller
 * beyond the first five stops when a long poll finds the queue empty. Each poller has one batch in
 * flight, so the pollers are the mapping's concurrency.
 */
public final class SqsMapping implements MappingConsumer {

    /** Pollers a mapping starts with, as Lambda does. */
    public static final int INITIAL_POLLERS = 5;

    private static final Logger LOG = Logger.getLogger(SqsMapping.class);
    private static final int LONG_POLL_SECONDS = 20;
    private static final int RECEIVE_MAX = 10;
    private static final Duration SCALE_UP = Duration.ofSeconds(1);

    /** A message received: its record for the event, or null when the filter skips it. */
    private record Received(Message message, byte[] json, Instant received) {

        boolean invokable() {
            return json != null;
        }

        String id() {
            return message.messageId();
        }

        /** What it adds to an event: its JSON and a comma. */
        long size() {
            return invokable() ? json.length + 1 : 0;
        }
    }

    private final SqsMappingSettings settings;
    private final MappingFunctions functions;
    private final MappingMetrics metrics;
    private final MappingListener listener;
    private final Clock clock;
    private final ConsumerOptions options;
    private final Backoff backoff;
    private final SqsClient client;
    private final int initialPollers;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Set<Poller> pollers = ConcurrentHashMap.newKeySet();
    /** When the last poller was added; guarded by {@link #pollers}. */
    private long lastScaleUp;
    private final Thread connecting;
    private volatile String queueUrl;
    private volatile String queueArn;
    private volatile Duration visibility;

    public SqsMapping(SqsMappingSettings settings, MappingFunctions functions, MappingMetrics metrics,
            MappingListener listener, Clock clock, ConsumerOptions options, AwsCredentialsProvider credentials) {
        this.settings = settings;
        this.functions = functions;
        this.metrics = metrics;
        this.listener = listener;
        this.clock = clock;
        this.options = options;
        this.backoff = new Backoff(options.firstBackoff(), options.maxBackoff());
        this.initialPollers = Math.min(INITIAL_POLLERS, settings.maxConcurrency());
        this.client = SqsClient.builder().region(Region.of(settings.region())).credentialsProvider(credentials)
                // Every poller holds a connection through its long poll; deletes and releases need a few more.
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(settings.maxConcurrency() + 4))
                .applyMutation(builder -> {
                    if (settings.endpoint() != null) {
                        builder.endpointOverride(settings.endpoint());
                    }
                }).build();
        this.connecting = Thread.ofVirtual().name("klambda-mapping-" + settings.uuid()).unstarted(this::connect);
    }

    @Override
    public void start() {
        connecting.start();
    }

    /** Finds the queue and its visibility timeout, then starts the pollers; a queue not reached is tried again. */
    private void connect() {
        int failures = 0;
        while (!stopping()) {
            try {
                String url = settings.queueUrl() != null ? settings.queueUrl()
                        : client.getQueueUrl(r -> r.queueName(settings.queueName())
                                .queueOwnerAWSAccountId(settings.queueOwner())).queueUrl();
                Map<QueueAttributeName, String> attributes = client.getQueueAttributes(
                        r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN,
                                QueueAttributeName.VISIBILITY_TIMEOUT))
                        .attributes();
                queueUrl = url;
                queueArn = attributes.getOrDefault(QueueAttributeName.QUEUE_ARN, settings.queueArn());
                visibility = Duration.ofSeconds(Long.parseLong(
                        attributes.getOrDefault(QueueAttributeName.VISIBILITY_TIMEOUT, "30")));
                listener.running();
                for (int i = 0; i < initialPollers; i++) {
                    startPoller();
                }
                return;
            } catch (SdkException e) {
                if (failedAndStopped(e, failures++)) {
                    return;
                }
            }
        }
    }

    private void startPoller() {
        synchronized (pollers) {
            if (stopping()) {
                return;
            }
            Poller poller = new Poller();
            pollers.add(poller);
            poller.thread.start();
        }
    }

    /** Reports {@code e} unless the mapping stops, and backs off; true when the mapping stops. */
    private boolean failedAndStopped(SdkException e, int failures) {
        if (stopping()) {
            return true;
        }
        problem(e);
        return pause(backoff.after(failures));
    }

    /** Reports why the queue cannot be read, in Lambda's terms. */
    private void problem(SdkException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MissingSecretException missing) {
                listener.sourceProblem("EVENT_SOURCE_AUTHN_ERROR", missing.getMessage());
                return;
            }
        }
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            String code = aws.awsErrorDetails().errorCode() == null ? "" : aws.awsErrorDetails().errorCode();
            String reason = switch (code) {
                case "AccessDenied", "AccessDeniedException" -> "EVENT_SOURCE_AUTHZ_ERROR";
                case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidSecurity",
                        "MissingAuthenticationToken", "IncompleteSignature" ->
                    "EVENT_SOURCE_AUTHN_ERROR";
                default -> "PROBLEM";
            };
            listener.sourceProblem(reason, code + ": " + aws.awsErrorDetails().errorMessage());
        } else {
            listener.sourceProblem("PROBLEM", "Connection error: " + e.getMessage());
        }
    }

    /** One batch at a time: gather, invoke, delete what succeeded. */
    private final class Poller {
        final Thread thread = Thread.ofVirtual().name("klambda-mapping-" + settings.uuid() + "-poller")
                .unstarted(this::run);
        /** Messages received and not yet invoked, oldest first; only this poller's thread touches them. */
        final List<Received> held = new ArrayList<>();
        long heldBytes;
        /** Whether the poller waits on the queue, when close() may cut the wait short; guarded by this. */
        boolean receiving;

        private void run() {
            int failures = 0;
            try {
                while (true) {
                    synchronized (this) {
                        if (stopping()) {
                            return;
                        }
                        receiving = true;
                    }
                    boolean gathered;
                    try {
                        gathered = gather();
                    } catch (SdkException e) {
                        if (failedAndStopped(e, failures++)) {
                            return;
                        }
                        continue;
                    } finally {
                        synchronized (this) {
                            receiving = false;
                            // An interrupt from close() was for the wait only.
                            Thread.interrupted();
                        }
                    }
                    failures = 0;
                    if (stopping()) {
                        return;
                    }
                    if (!gathered) {
                        if (retire()) {
                            return;
                        }
                        continue;
                    }
                    List<Received> batch = take();
                    if (batch.size() >= settings.batchSize() || !held.isEmpty()) {
                        // A full batch: the queue has more than this poller takes.
                        scaleUp();
                    }
                    process(batch);
                }
            } catch (RuntimeException e) {
                if (!stopping()) {
                    LOG.errorf(e, "A poller of event source mapping %s failed", settings.uuid());
                    listener.sourceProblem("PROBLEM", "Internal error: " + e);
                }
            } finally {
                release(held);
                pollers.remove(this);
            }
        }

        /** Cuts a waiting poll short: the messages it holds are let go. */
        synchronized void stopReceiving() {
            if (receiving) {
                thread.interrupt();
            }
        }

        /**
         * Receives until a batch is due: full, at the payload cap, or its window (from its first
         * message) over. False when a long poll found the queue empty and nothing is held.
         */
        private boolean gather() {
            Instant deadline = held.isEmpty() ? null : held.getFirst().received().plus(settings.batchingWindow());
            while (held.size() < settings.batchSize() && SqsEvents.ENVELOPE.size() + heldBytes < options.maxPayload()) {
                int wait = LONG_POLL_SECONDS;
                if (deadline != null) {
                    long left = Duration.between(clock.instant(), deadline).toMillis();
                    if (left <= 0) {
                        break;
                    }
                    wait = (int) Math.min(LONG_POLL_SECONDS, left / 1000);
                }
                int waitSeconds = wait;
                int wanted = Math.min(RECEIVE_MAX, settings.batchSize() - held.size());
                List<Message> messages = client.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(wanted)
                        .waitTimeSeconds(waitSeconds).messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                        .messageAttributeNames("All")).messages();
                Instant now = clock.instant();
                for (Message message : messages) {
                    metrics.polled();
                    Received received = received(message, now);
                    held.add(received);
                    heldBytes += received.size();
                }
                if (messages.isEmpty()) {
                    if (deadline == null) {
                        return false;
                    }
                    if (waitSeconds == 0) {
                        // The window's last second brought nothing more.
                        break;
                    }
                    continue;
                }
                if (deadline == null) {
                    deadline = now.plus(settings.batchingWindow());
                }
                if (settings.batchingWindow().isZero()) {
                    break;
                }
            }
            return !held.isEmpty();
        }

        private Received received(Message message, Instant now) {
            ObjectNode record = SqsEvents.record(message, queueArn, settings.region());
            boolean invokable = !settings.filter().filters() || settings.filter().matches(SqsEvents.filterView(record));
            return new Received(message, invokable ? SqsEvents.bytes(record) : null, now);
        }

        /** The held messages that fit one event; a message that would pass the payload cap waits for the next. */
        private List<Received> take() {
            List<Received> batch = new ArrayList<>();
            long bytes = SqsEvents.ENVELOPE.size();
            while (!held.isEmpty()) {
                Received next = held.getFirst();
                long size = next.size();
                if (!batch.isEmpty() && bytes + size > options.maxPayload()) {
                    break;
                }
                bytes += size;
                heldBytes -= size;
                batch.add(held.removeFirst());
            }
            return batch;
        }

        /** A poller beyond the first ones goes when the queue is empty. */
        private boolean retire() {
            synchronized (pollers) {
                return pollers.size() > initialPollers && pollers.remove(this);
            }
        }
    }

    /** Adds a poller, at most one a second, while batches come back full and the mapping may have more. */
    private void scaleUp() {
        long now = clock.millis();
        synchronized (pollers) {
            if (pollers.size() < settings.maxConcurrency() && now - lastScaleUp >= SCALE_UP.toMillis()) {
                lastScaleUp = now;
                startPoller();
            }
        }
    }

    private void process(List<Received> batch) {
        Instant now = clock.instant();
        List<Received> live = batch.stream().filter(r -> now.isBefore(r.received().plus(visibility))).toList();
        if (live.size() < batch.size()) {
            LOG.infof("Mapping %s: %d messages were visible again before their batch was invoked; the queue has them",
                    settings.uuid(), batch.size() - live.size());
        }
        List<Received> skipped = live.stream().filter(r -> !r.invokable()).toList();
        List<Received> invokable = live.stream().filter(Received::invokable).toList();
        if (invokable.isEmpty()) {
            delete(skipped);
            return;
        }
        String requestId = UUID.randomUUID().toString();
        byte[] event = SqsEvents.ENVELOPE.event(invokable.stream().map(Received::json).toList());
        metrics.invoked(invokable.size());
        InvocationRecords.Response response;
        try {
            response = functions.invoke(settings.namespace(), settings.function(), requestId, event)
                    .toCompletableFuture().get();
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = LambdaException.cause(e);
            boolean throttled = cause instanceof LambdaException l && l.type() == ErrorType.TooManyRequestsException;
            metrics.retried(throttled ? "throttle" : "platform_error");
            listener.result("PROBLEM: " + (cause instanceof LambdaException l ? l.type().name() + ": " + l.getMessage()
                    : "Function call failed: " + cause));
            delete(skipped);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        List<Received> done = new ArrayList<>(skipped);
        if (response.functionError() != null) {
            functionFailed();
        } else if (!settings.reportItemFailures()) {
            done.addAll(invokable);
            listener.result("OK");
        } else {
            Set<String> ids = new HashSet<>();
            invokable.forEach(r -> ids.add(r.id()));
            switch (BatchItemFailures.readIds(response.payload(), ids)) {
                case BatchItemFailures.Success success -> {
                    done.addAll(invokable);
                    listener.result("OK");
                }
                case BatchItemFailures.FailedIds failed -> {
                    done.addAll(succeeded(invokable, failed.ids()));
                    metrics.functionError();
                    metrics.retried("function_error");
                    listener.result("OK");
                }
                case BatchItemFailures.Invalid invalid -> {
                    LOG.debugf("Mapping %s: the partial batch response fails the batch: %s", settings.uuid(),
                            invalid.reason());
                    functionFailed();
                }
                case BatchItemFailures.FailedFrom from -> throw new IllegalStateException("readIds() names messages");
            }
        }
        delete(done);
    }

    private void functionFailed() {
        metrics.functionError();
        metrics.retried("function_error");
        listener.result("PROBLEM: Function call failed");
    }

    /**
     * The messages not named failed. In a FIFO queue a failed message also holds back the later
     * messages of its group, which must not be processed before it.
     */
    private List<Received> succeeded(List<Received> invokable, Set<String> failed) {
        Set<String> blockedGroups = new HashSet<>();
        List<Received> out = new ArrayList<>();
        for (Received received : invokable) {
            String group = received.message().attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
            boolean blocked = settings.fifo() && group != null && blockedGroups.contains(group);
            if (failed.contains(received.id()) || blocked) {
                if (group != null) {
                    blockedGroups.add(group);
                }
            } else {
                out.add(received);
            }
        }
        return out;
    }

    /** Deletes processed messages; one not deleted comes back after its visibility timeout. */
    private void delete(List<Received> messages) {
        inTens(messages, chunk -> {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(chunk.get(i).message().receiptHandle()).build());
            }
            return client.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)).failed();
        }, "delete");
    }

    /** Lets messages a stopping poller holds go back to the queue now, not after their visibility timeout. */
    private void release(List<Received> messages) {
        inTens(messages, chunk -> {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(chunk.get(i).message().receiptHandle()).visibilityTimeout(0).build());
            }
            return client.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries)).failed();
        }, "release");
        messages.clear();
    }

    private void inTens(List<Received> messages, Function<List<Received>, List<BatchResultErrorEntry>> call,
            String what) {
        for (int from = 0; from < messages.size(); from += RECEIVE_MAX) {
            List<Received> chunk = messages.subList(from, Math.min(messages.size(), from + RECEIVE_MAX));
            try {
                List<BatchResultErrorEntry> failed = call.apply(chunk);
                if (!failed.isEmpty()) {
                    LOG.warnf("Mapping %s could not %s %d messages; they come back after their visibility timeout: %s",
                            settings.uuid(), what, failed.size(), failed.getFirst().message());
                }
            } catch (SdkException e) {
                LOG.warnf("Mapping %s could not %s %d messages; they come back after their visibility timeout: %s",
                        settings.uuid(), what, chunk.size(), e.getMessage());
            }
        }
    }

    /** Waits {@code wait}; true when the mapping stops meanwhile. */
    private boolean pause(Duration wait) {
        try {
            return stopped.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    private boolean stopping() {
        return stopped.getCount() == 0;
    }

    /**
     * Stops polling: waits cut short let their messages go back to the queue, batches under way
     * finish and delete what succeeded (for at most {@link ConsumerOptions#SHUTDOWN_DRAIN}).
     */
    @Override
    public void close() throws InterruptedException {
        stopped.countDown();
        connecting.interrupt();
        List<Poller> stopping;
        synchronized (pollers) {
            stopping = List.copyOf(pollers);
        }
        stopping.forEach(Poller::stopReceiving);
        long deadline = System.nanoTime() + options.shutdownDrain().toNanos();
        connecting.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        for (Poller poller : stopping) {
            poller.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        client.close();
    }
}
