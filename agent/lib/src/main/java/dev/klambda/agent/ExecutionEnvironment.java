package dev.klambda.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.impl.ContextInternal;

/**
 * One execution environment: a runtime process (and its external extensions), the Runtime API
 * it talks to, and Lambda's lifecycle around it. INIT starts the runtime and ends when the
 * runtime and every extension ask for their first event; INVOKE hands one event at a time to the
 * runtime and enforces the timeout and the memory size; a crash, a timeout or an out-of-memory
 * kill ends the invocation with AWS's error document and the environment starts a fresh runtime;
 * SHUTDOWN tells extensions, then SIGTERM, grace, SIGKILL.
 *
 * <p>
 * All state lives on one Vert.x context (the event loop that also serves this environment's
 * Runtime API), so nothing here locks. Public methods may be called from any thread.
 */
public final class ExecutionEnvironment {

    private static final Logger LOG = Logger.getLogger(ExecutionEnvironment.class);

    /** Lambda's limit on external extensions. */
    static final int MAX_EXTENSIONS = 10;
    /** How long the runtime has to exit after SIGTERM, and extensions after SHUTDOWN. */
    static final Duration RUNTIME_GRACE = Duration.ofMillis(300);
    static final Duration EXTENSIONS_GRACE = Duration.ofMillis(2000);
    /** How often memory is sampled while the runtime may allocate (INIT and INVOKE). */
    static final long MEMORY_SAMPLE_MILLIS = 25;
    /**
     * How often, at most, the end of an invocation reads the runtime's peak memory. The peak read
     * (VmHWM, or the cgroup's memory.peak) keeps every peak in between, so a busy environment's
     * REPORT shows a new peak at most this late, and no /proc reads happen per invocation.
     */
    static final long MEMORY_RESAMPLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Where an environment is in Lambda's lifecycle. */
    public enum State {
        /** No runtime runs; the next invocation starts one (cold start). */
        NEW,
        /** INIT in progress. */
        INITIALIZING,
        /** Initialised and waiting for an invocation. */
        IDLE,
        /** Running an invocation. */
        BUSY,
        /** Shut down for good. */
        STOPPED
    }

    /** Refused: the environment is running another invocation (one at a time, as in Lambda). */
    public static final class EnvironmentBusyException extends RuntimeException {
        EnvironmentBusyException(String requestId) {
            super("the environment is running invocation " + requestId, null, false, false);
        }
    }

    /** Refused: the environment has been shut down. */
    public static final class EnvironmentStoppedException extends RuntimeException {
        EnvironmentStoppedException() {
            super("the environment has been shut down", null, false, false);
        }
    }

    /** Why the runtime could not be made ready, as the invocation that needed it reports it. */
    private record Failure(String errorType, byte[] verbatim, String message) {

        static Failure document(String errorType, byte[] document) {
            return new Failure(errorType, document, null);
        }

        /** An AWS platform message that names the request, e.g. "RequestId: x Error: exit status 1". */
        static Failure platform(String errorType, String message) {
            return new Failure(errorType, null, message);
        }

        byte[] payload(String requestId) {
            if (verbatim != null) {
                return verbatim;
            }
            return PlatformErrors.document(errorType, "RequestId: " + requestId + " Error: " + message);
        }
    }

    /** What INIT started: the runtime and the external extensions by name. */
    private record Launched(RuntimeProcess runtime, Map<String, RuntimeProcess> extensions) {

        /** SIGKILL to all of them; completes when all have exited. */
        CompletableFuture<Void> kill() {
            List<RuntimeProcess> all = new ArrayList<>(extensions.values());
            all.add(runtime);
            all.forEach(RuntimeProcess::kill);
            return CompletableFuture.allOf(all.stream().map(RuntimeProcess::exit).toArray(CompletableFuture[]::new));
        }
    }

    /** INIT could not start the runtime or an extension; the invocation reports {@link #failure}. */
    private static final class LaunchFailedException extends Exception {
        final Failure failure;

        LaunchFailedException(Failure failure) {
            super(failure.errorType(), null, false, false);
            this.failure = failure;
        }
    }

    /** One invocation in flight. */
    private static final class Invocation {
        final InvokeRequest request;
        final CompletableFuture<InvokeResult> result = new CompletableFuture<>();
        long startNanos;
        long deadlineMillis;
        long timer = -1;
        boolean responded;
        boolean runtimeDone;
        Double initDuration;

        Invocation(InvokeRequest request) {
            this.request = request;
        }

        String id() {
            return request.requestId();
        }
    }

    /** An extension registered through the Extensions API. */
    private static final class Extension {
        final String id;
        final String name;
        final boolean invokeEvents;
        final boolean shutdownEvents;
        final List<String> queue = new ArrayList<>();
        HttpServerResponse pendingNext;
        boolean ready;
        boolean invokePending;

        Extension(String id, String name, boolean invokeEvents, boolean shutdownEvents) {
            this.id = id;
            this.name = name;
            this.invokeEvents = invokeEvents;
            this.shutdownEvents = shutdownEvents;
        }
    }

    private final Vertx vertx;
    private final Context context;
    private final EnvironmentSpec spec;
    private final RuntimeLaunchers launchers;
    private final LogRecorder log;
    private final MemoryLimits.Guard memory;
    private final String logStreamName;
    private final String runtimeApiHost;
    private final int runtimeApiPort;

    // Everything below is confined to the context.
    private volatile State state = State.NEW;
    private RuntimeProcess runtime;
    private final Map<String, RuntimeProcess> externalProcesses = new LinkedHashMap<>();
    private final Map<String, Extension> extensions = new LinkedHashMap<>();
    private HttpServerResponse pendingNext;
    private Invocation current;
    private Invocation queued;
    private Failure heldFailure;
    private Failure initError;
    private CompletableFuture<Boolean> initialized = new CompletableFuture<>();
    private long initStartNanos;
    private Double pendingInitDuration;
    private volatile Double lastInitDuration;
    private boolean runtimeReady;
    private boolean suppressedInit;
    private boolean killedForMemory;
    private int generation;
    /** The Runtime API server of the current runtime (still binding, perhaps); null once that runtime is gone. */
    private Future<RuntimeApiServer> apiServer;
    /** Completes when the previous runtime's server has closed, so that a fixed port is free again. */
    private Future<Void> apiServerClosed = Future.succeededFuture();
    private volatile int lastApiPort;
    private long initTimer = -1;
    private Future<Launched> launching;
    private long memoryTimer = -1;
    private double peakMemoryMb;
    private long lastMemorySampleNanos = System.nanoTime() - MEMORY_RESAMPLE_NANOS;

    private ExecutionEnvironment(Vertx vertx, Context context, EnvironmentSpec spec, RuntimeLaunchers launchers,
            MemoryLimits memoryLimits, LogSink sink, String runtimeApiHost, int runtimeApiPort) {
        this.vertx = vertx;
        this.context = context;
        this.spec = spec;
        this.launchers = launchers;
        this.log = new LogRecorder(sink);
        this.logStreamName = RuntimeVariables.logStreamName(spec.function().version());
        this.memory = memoryLimits.guard(UUID.randomUUID().toString(), spec.memorySizeMb() * 1024L * 1024L);
        this.runtimeApiHost = runtimeApiHost;
        this.runtimeApiPort = runtimeApiPort;
    }

    /**
     * Creates an environment whose Runtime API listens on 127.0.0.1:{@code runtimeApiPort} (0 for
     * any free port). No runtime starts until {@link #init()} or the first {@link #invoke}.
     */
    public static CompletionStage<ExecutionEnvironment> create(Vertx vertx, EnvironmentSpec spec,
            RuntimeLaunchers launchers, MemoryLimits memoryLimits, LogSink sink, int runtimeApiPort) {
        return create(vertx, spec, launchers, memoryLimits, sink, "127.0.0.1", runtimeApiPort);
    }

    /**
     * Creates an environment whose Runtime API listens on {@code runtimeApiHost:runtimeApiPort}
     * (port 0 for any free port), the address its runtime gets as {@code AWS_LAMBDA_RUNTIME_API}.
     * Another loopback address than 127.0.0.1 lets many environments on one machine each use
     * Lambda's port, as pods do. No runtime starts until {@link #init()} or the first {@link #invoke}.
     */
    public static CompletionStage<ExecutionEnvironment> create(Vertx vertx, EnvironmentSpec spec,
            RuntimeLaunchers launchers, MemoryLimits memoryLimits, LogSink sink, String runtimeApiHost,
            int runtimeApiPort) {
        // The caller's event loop when there is one: an invoker that creates the environment for a
        // request on its event loop then usually hands it that loop's later requests without a thread hop.
        Context context = vertx.getOrCreateContext();
        if (context instanceof ContextInternal internal) {
            context = internal.unwrap();
        }
        ExecutionEnvironment environment = new ExecutionEnvironment(vertx, context, spec, launchers, memoryLimits, sink,
                runtimeApiHost, runtimeApiPort);
        CompletableFuture<ExecutionEnvironment> created = new CompletableFuture<>();
        context.runOnContext(v -> environment.listen().onComplete(started -> {
            if (started.succeeded()) {
                created.complete(environment);
            } else {
                created.completeExceptionally(started.cause());
            }
        }));
        return created;
    }

    /** Creates an environment with the platform's defaults: cgroup or sampled memory limits, any free port. */
    public static CompletionStage<ExecutionEnvironment> create(Vertx vertx, EnvironmentSpec spec,
            RuntimeLaunchers launchers, LogSink sink) {
        return create(vertx, spec, launchers, MemoryLimits.detect(), sink, 0);
    }

    public EnvironmentSpec spec() {
        return spec;
    }

    /**
     * The port of this environment's Runtime API (on 127.0.0.1 unless created with another host).
     * Created with port 0, each runtime gets a new one; this is the most recent.
     */
    public int runtimeApiPort() {
        return lastApiPort;
    }

    /** {@code AWS_LAMBDA_RUNTIME_API}: where the runtime reaches this environment's Runtime API, as host:port. */
    public String runtimeApiAddress() {
        return runtimeApiAddress(lastApiPort);
    }

    private String runtimeApiAddress(int port) {
        String host = runtimeApiHost.indexOf(':') >= 0 ? "[" + runtimeApiHost + "]" : runtimeApiHost;
        return host + ":" + port;
    }

    /** Starts a Runtime API server for the next runtime, once the previous one's has closed. On the context. */
    private Future<RuntimeApiServer> listen() {
        apiServer = apiServerClosed.transform(v -> RuntimeApiServer.start(vertx, this, runtimeApiHost, runtimeApiPort))
                .onSuccess(api -> lastApiPort = api.port());
        return apiServer;
    }

    /** Closes the current runtime's Runtime API server with every connection to it. On the context. */
    private void closeApiServer() {
        if (apiServer != null) {
            apiServerClosed = apiServer.transform(started -> started.succeeded() ? started.result().close()
                    : Future.succeededFuture());
            apiServer = null;
        }
    }

    /** Whether {@code api} is the current runtime's server; requests to an older one are refused. */
    boolean listensWith(RuntimeApiServer api) {
        return apiServer != null && apiServer.result() == api;
    }

    /** How long the most recent INIT took, in milliseconds, or null before one finished. */
    public Double lastInitDurationMillis() {
        return lastInitDuration;
    }

    /** Where the environment is in its lifecycle; may be stale by the time it is read. */
    public State state() {
        return state;
    }

    /** Starts INIT now (pre-warming); completes with whether the environment is ready for invocations. */
    public CompletionStage<Boolean> init() {
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        context.runOnContext(v -> {
            switch (state) {
                case NEW -> {
                    startInit(spec.initTimeout());
                    initialized.whenComplete((ok, e) -> ready.complete(ok != null && ok));
                }
                case INITIALIZING -> initialized.whenComplete((ok, e) -> ready.complete(ok != null && ok));
                case IDLE, BUSY -> ready.complete(true);
                case STOPPED -> ready.complete(false);
            }
        });
        return ready;
    }

    /**
     * Runs one invocation. Completes with the result (function errors, timeouts and crashes are
     * results, with {@code functionError} set), or exceptionally with
     * {@link EnvironmentBusyException} when another invocation is running and
     * {@link EnvironmentStoppedException} after {@link #shutdown()}.
     */
    public CompletionStage<InvokeResult> invoke(InvokeRequest request) {
        Invocation invocation = new Invocation(request);
        context.runOnContext(v -> accept(invocation));
        return invocation.result;
    }

    /** SHUTDOWN: extensions are told, the runtime gets SIGTERM, then SIGKILL after the grace period. */
    public CompletionStage<Void> shutdown() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> stop("spindown", done));
        return done;
    }

    // Invocations

    private void accept(Invocation invocation) {
        if (state == State.STOPPED) {
            invocation.result.completeExceptionally(new EnvironmentStoppedException());
            return;
        }
        if ((current != null && !current.responded) || queued != null) {
            String busyWith = queued != null ? queued.id() : current.id();
            invocation.result.completeExceptionally(new EnvironmentBusyException(busyWith));
            return;
        }
        if (heldFailure != null) {
            // INIT failed before anyone asked: this invocation reports it, the next one starts afresh
            Failure failure = heldFailure;
            heldFailure = null;
            failWithoutRunning(invocation, failure, pendingInitDuration);
            pendingInitDuration = null;
            return;
        }
        queued = invocation;
        if (state == State.NEW) {
            startInit(spec.initTimeout());
        } else {
            dispatchIfReady();
        }
    }

    private void dispatchIfReady() {
        if (state != State.IDLE || queued == null || pendingNext == null) {
            return;
        }
        Invocation invocation = queued;
        queued = null;
        current = invocation;
        state = State.BUSY;
        invocation.startNanos = System.nanoTime();
        invocation.initDuration = pendingInitDuration;
        pendingInitDuration = null;
        long now = System.currentTimeMillis();
        invocation.deadlineMillis = invocation.request.deadlineEpochMillis() > 0 ? invocation.request.deadlineEpochMillis()
                : now + spec.timeout().toMillis();
        invocation.timer = vertx.setTimer(Math.max(1, invocation.deadlineMillis - now), t -> onTimeout(invocation));
        log.beginInvocation();
        log.line("START RequestId: " + invocation.id() + " Version: " + spec.function().version());

        HttpServerResponse next = pendingNext;
        pendingNext = null;
        InvokeRequest request = invocation.request;
        next.putHeader("Lambda-Runtime-Aws-Request-Id", request.requestId())
                .putHeader("Lambda-Runtime-Deadline-Ms", Long.toString(invocation.deadlineMillis))
                .putHeader("Lambda-Runtime-Invoked-Function-Arn",
                        request.invokedFunctionArn() != null ? request.invokedFunctionArn() : spec.function().arn())
                .putHeader("Content-Type", "application/json");
        if (request.traceId() != null) {
            next.putHeader("Lambda-Runtime-Trace-Id", request.traceId());
        }
        if (request.clientContext() != null) {
            next.putHeader("Lambda-Runtime-Client-Context", request.clientContext());
        }
        if (request.cognitoIdentity() != null) {
            next.putHeader("Lambda-Runtime-Cognito-Identity", request.cognitoIdentity());
        }
        next.setStatusCode(200).end(Buffer.buffer(request.payload()));
        for (Extension extension : extensions.values()) {
            if (extension.invokeEvents) {
                extension.invokePending = true;
                send(extension, invokeEvent(invocation));
            }
        }
        watchMemory();
    }

    /** The runtime answered; the caller gets its answer now, the invocation ends when the runtime asks for the next. */
    private void respond(Invocation invocation, byte[] payload, String contentType, String functionError,
            String errorType, String status) {
        invocation.responded = true;
        double duration = (System.nanoTime() - invocation.startNanos) / 1_000_000.0;
        boolean tailLog = invocation.request.tailLog();
        Function<String, InvokeResult> result = tail -> new InvokeResult(payload, contentType, functionError, errorType,
                tail, duration, invocation.initDuration, maxMemoryUsedMb());
        if (!tailLog) {
            // Nobody waits for the log: answer first, write END and REPORT after.
            invocation.result.complete(result.apply(null));
        }
        whenLogsDrained(runtime, 20, () -> {
            String tail = finishLog(invocation.id(), duration, invocation.initDuration, status, errorType, tailLog);
            if (tailLog) {
                invocation.result.complete(result.apply(tail));
            }
        });
    }

    /** The runtime could not answer (it crashed, timed out, or answered too much): the caller gets AWS's error document. */
    private void respondFailed(Invocation invocation, Failure failure, String status) {
        respond(invocation, failure.payload(invocation.id()), "application/json", "Unhandled", failure.errorType(), status);
    }

    private Failure timedOut(Invocation invocation) {
        return Failure.document("Sandbox.Timedout",
                PlatformErrors.timedOut(invocation.id(), spec.timeout().toMillis() / 1000.0));
    }

    /** An invocation that never reached a runtime, because INIT failed. */
    private void failWithoutRunning(Invocation invocation, Failure failure, Double initDuration) {
        log.beginInvocation();
        log.line("START RequestId: " + invocation.id() + " Version: " + spec.function().version());
        String tail = finishLog(invocation.id(), 0, initDuration, "error", failure.errorType(),
                invocation.request.tailLog());
        invocation.result.complete(new InvokeResult(failure.payload(invocation.id()), "application/json", "Unhandled",
                failure.errorType(), tail, 0, initDuration, maxMemoryUsedMb()));
    }

    /** The peak memory of the environment so far, in whole MB as REPORT shows it. */
    private long maxMemoryUsedMb() {
        peakMemoryMb = Math.max(peakMemoryMb, memory.peakBytes() / (1024.0 * 1024.0));
        return (long) Math.ceil(peakMemoryMb);
    }

    /** Writes END and REPORT and closes the invocation's log; returns its tail if {@code tail}, else null. */
    private String finishLog(String requestId, double duration, Double initDuration, String status, String errorType,
            boolean tail) {
        log.line("END RequestId: " + requestId);
        StringBuilder report = new StringBuilder("REPORT RequestId: ").append(requestId)
                .append("\tDuration: ").append(twoDecimals(duration)).append(" ms")
                .append("\tBilled Duration: ").append((long) Math.ceil(Math.max(duration, 1))).append(" ms")
                .append("\tMemory Size: ").append(spec.memorySizeMb()).append(" MB")
                .append("\tMax Memory Used: ").append(maxMemoryUsedMb()).append(" MB");
        if (initDuration != null) {
            report.append("\tInit Duration: ").append(twoDecimals(initDuration)).append(" ms");
        }
        if (status != null) {
            report.append("\tStatus: ").append(status);
            if (errorType != null) {
                report.append("\tError Type: ").append(errorType);
            }
        }
        report.append('\t');
        log.line(report.toString());
        return log.endInvocation(tail);
    }

    /** 3.14159 as "3.14", without String.format's cost on every invocation. */
    static String twoDecimals(double value) {
        long hundredths = Math.round(value * 100);
        long fraction = hundredths % 100;
        return (hundredths / 100) + (fraction < 10 ? ".0" : ".") + fraction;
    }

    /** Measures the runtime's peak memory off the event loop, for the next REPORT lines. */
    private void sampleMemoryLater() {
        RuntimeProcess process = runtime;
        if (process != null) {
            lastMemorySampleNanos = System.nanoTime();
            vertx.executeBlocking(() -> {
                memory.sample(process.handle());
                return null;
            }, false);
        }
    }

    /** Runs {@code then} once the runtime's output so far is in the log, trying for a few milliseconds at most. */
    private void whenLogsDrained(RuntimeProcess process, int attempts, Runnable then) {
        if (process == null || attempts <= 0 || process.outputDrained()) {
            then.run();
        } else {
            vertx.setTimer(1, t -> whenLogsDrained(process, attempts - 1, then));
        }
    }

    private void endInvocationIfDone() {
        Invocation invocation = current;
        if (invocation == null || !invocation.responded || !invocation.runtimeDone) {
            return;
        }
        for (Extension extension : extensions.values()) {
            if (extension.invokePending) {
                return;
            }
        }
        vertx.cancelTimer(invocation.timer);
        current = null;
        state = State.IDLE;
        stopWatchingMemory();
        if (System.nanoTime() - lastMemorySampleNanos >= MEMORY_RESAMPLE_NANOS) {
            sampleMemoryLater();
        }
        dispatchIfReady();
    }

    /**
     * The timeout covers the whole invocation: an answer ends the caller's wait, but the runtime
     * must still ask for the next event, and INVOKE-subscribed extensions must finish, in time.
     */
    private void onTimeout(Invocation invocation) {
        if (current != invocation) {
            return;
        }
        if (invocation.responded) {
            LOG.infof("%s answered %s but its runtime or extensions did not finish within the timeout; resetting",
                    spec.function().name(), invocation.id());
        } else {
            respondFailed(invocation, timedOut(invocation), "timeout");
        }
        reset("timeout");
    }

    // INIT

    private void startInit(Duration limit) {
        int gen = ++generation;
        state = State.INITIALIZING;
        if (initialized.isDone()) {
            initialized = new CompletableFuture<>();
        }
        runtimeReady = false;
        initError = null;
        killedForMemory = false;
        extensions.clear();
        initStartNanos = System.nanoTime();
        initTimer = vertx.setTimer(Math.max(1, limit.toMillis()), t -> onInitTimeout(gen));
        Future<RuntimeApiServer> listening = apiServer != null ? apiServer : listen();
        // fork/exec and the file checks before it block: a worker thread does them, this context goes on serving
        launching = listening.compose(api -> gen != generation ? Future.failedFuture(new EnvironmentStoppedException())
                : vertx.executeBlocking(() -> launch(api.port()), false));
        launching.onComplete(launched -> onLaunched(gen, launched));
    }

    /** Starts the extensions, then the runtime. Runs on a worker thread, so it reads only final state. */
    private Launched launch(int apiPort) throws LaunchFailedException {
        RuntimeCommand command;
        Map<String, String> environment;
        try {
            command = launchers.command(spec);
            environment = RuntimeVariables.forRuntime(spec, runtimeApiAddress(apiPort), logStreamName, command);
        } catch (RuntimeLaunchers.UnlaunchableRuntimeException e) {
            throw new LaunchFailedException(Failure.platform(e.errorType(), e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new LaunchFailedException(Failure.document("InvalidParameterValueException",
                    PlatformErrors.document("InvalidParameterValueException", e.getMessage())));
        }
        Map<String, RuntimeProcess> extensionProcesses = startExtensions(environment);
        try {
            RuntimeProcess process = RuntimeProcess.start(command.command(), environment, command.workingDirectory(), log);
            memory.attach(process.handle());
            return new Launched(process, extensionProcesses);
        } catch (IOException e) {
            extensionProcesses.values().forEach(RuntimeProcess::kill);
            boolean wrapped = spec.userEnvironment().containsKey("AWS_LAMBDA_EXEC_WRAPPER");
            throw new LaunchFailedException(wrapped ? Failure.platform("Runtime.ExitError", PlatformErrors.exitReason(127))
                    : Failure.platform("Runtime.InvalidEntrypoint",
                            "fork/exec " + command.command().get(0) + ": " + rootMessage(e)));
        }
    }

    private void onLaunched(int gen, AsyncResult<Launched> launched) {
        if (gen != generation) {
            // torn down or shut down while the processes were starting
            if (launched.succeeded()) {
                launched.result().kill();
            }
            return;
        }
        if (launched.failed()) {
            failInit(launched.cause() instanceof LaunchFailedException e ? e.failure
                    : Failure.platform("Runtime.Unknown", rootMessage(launched.cause())));
            return;
        }
        RuntimeProcess started = launched.result().runtime();
        runtime = started;
        started.exit().thenAccept(code -> context.runOnContext(v -> onRuntimeExit(gen, started, code)));
        launched.result().extensions().forEach((name, process) -> {
            externalProcesses.put(name, process);
            process.exit().thenAccept(code -> context.runOnContext(v -> onExtensionExit(gen, name, process, code)));
        });
        watchMemory();
        finishInitIfReady(); // the runtime and extensions may have asked for their first event already
    }

    private void finishInitIfReady() {
        if (state != State.INITIALIZING || !runtimeReady || runtime == null) {
            return;
        }
        for (String name : externalProcesses.keySet()) {
            Extension extension = extensions.values().stream().filter(e -> e.name.equals(name)).findFirst().orElse(null);
            if (extension == null || !extension.ready) {
                return;
            }
        }
        for (Extension extension : extensions.values()) {
            if (!extension.ready) {
                return;
            }
        }
        vertx.cancelTimer(initTimer);
        suppressedInit = false;
        state = State.IDLE;
        stopWatchingMemory();
        lastInitDuration = (System.nanoTime() - initStartNanos) / 1_000_000.0;
        // A cold start is an invocation that waited for INIT; one that finds the environment
        // pre-warmed reports no Init Duration, as with Lambda's provisioned concurrency.
        pendingInitDuration = queued != null ? lastInitDuration : null;
        initialized.complete(true);
        sampleMemoryLater();
        dispatchIfReady();
    }

    private void failInit(Failure failure) {
        double initDuration = (System.nanoTime() - initStartNanos) / 1_000_000.0;
        tearDown("failure");
        suppressedInit = false;
        initialized.complete(false);
        if (queued != null) {
            Invocation invocation = queued;
            queued = null;
            failWithoutRunning(invocation, failure, initDuration);
        } else {
            heldFailure = failure;
            pendingInitDuration = initDuration;
        }
    }

    private void onInitTimeout(int gen) {
        if (gen != generation || state != State.INITIALIZING) {
            return;
        }
        tearDown("timeout");
        if (queued != null && !suppressedInit) {
            // As Lambda does: INIT that overran its limit is tried again within the invocation, under its timeout.
            suppressedInit = true;
            LOG.infof("INIT of %s exceeded %d ms; retrying it within the first invocation", spec.function().name(),
                    spec.initTimeout().toMillis());
            startInit(spec.timeout());
        } else if (queued != null) {
            Invocation invocation = queued;
            queued = null;
            suppressedInit = false;
            initialized.complete(false);
            failWithoutRunning(invocation, timedOut(invocation), null);
        } else {
            initialized.complete(false);
        }
    }

    // The runtime process

    private void onRuntimeExit(int gen, RuntimeProcess process, int exitCode) {
        if (gen != generation || process != runtime) {
            return; // a runtime we already replaced
        }
        process.kill(); // what it started and left behind goes with it
        runtime = null;
        pendingNext = null;
        Failure exited = killedForMemory || memory.oomKilled()
                ? Failure.platform("Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
                : Failure.platform("Runtime.ExitError", PlatformErrors.exitReason(exitCode));
        switch (state) {
            case INITIALIZING -> failInit(initError != null ? initError : exited);
            case BUSY -> {
                if (!current.responded) {
                    respondFailed(current, exited, "error");
                }
                reset("failure");
            }
            case IDLE -> {
                LOG.warnf("the runtime of %s exited while idle (%s); starting a new one", spec.function().name(),
                        PlatformErrors.exitReason(exitCode));
                reset("failure");
            }
            default -> {
            }
        }
    }

    /** After a timeout or crash: the runtime and extensions go, and a fresh runtime starts at once. */
    private void reset(String reason) {
        tearDown(reason);
        if (current != null) {
            vertx.cancelTimer(current.timer);
            current.runtimeDone = true;
            current = null;
        }
        startInit(spec.initTimeout());
    }

    /**
     * Kills the runtime, stops the extensions and closes their Runtime API server; the environment is
     * NEW again, and what they still send cannot reach the next runtime.
     */
    private void tearDown(String reason) {
        vertx.cancelTimer(initTimer);
        stopWatchingMemory();
        if (runtime != null) {
            runtime.kill();
            runtime = null;
        }
        generation++;
        stopExtensions(reason); // their SHUTDOWN events go out before the server closes
        closeApiServer();
        state = State.NEW;
        pendingNext = null;
    }

    private void stop(String reason, CompletableFuture<Void> done) {
        if (state == State.STOPPED) {
            done.complete(null);
            return;
        }
        state = State.STOPPED;
        vertx.cancelTimer(initTimer);
        stopWatchingMemory();
        if (queued != null) {
            queued.result.completeExceptionally(new EnvironmentStoppedException());
            queued = null;
        }
        if (current != null && !current.responded) {
            current.result.completeExceptionally(new EnvironmentStoppedException());
        }
        current = null;
        initialized.complete(false);
        RuntimeProcess process = runtime;
        runtime = null;
        generation++;
        List<CompletableFuture<?>> exits = new ArrayList<>(stopExtensions(reason));
        closeApiServer();
        if (process != null) {
            process.terminate();
            exits.add(process.exit());
            vertx.setTimer(RUNTIME_GRACE.toMillis(), t -> process.kill());
        }
        if (launching != null && !launching.isComplete()) {
            // processes still being started are killed as soon as they exist (onLaunched sees the new generation)
            exits.add(launching.toCompletionStage().toCompletableFuture().handle((launched, e) -> launched)
                    .thenCompose(launched -> launched == null ? CompletableFuture.completedFuture(null) : launched.kill()));
        }
        CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> context.runOnContext(x -> apiServerClosed.onComplete(c -> {
                    memory.close();
                    done.complete(null);
                })));
    }

    // Memory

    private void watchMemory() {
        if (memoryTimer >= 0 || runtime == null) {
            return;
        }
        memoryTimer = vertx.setPeriodic(MEMORY_SAMPLE_MILLIS, t -> {
            RuntimeProcess process = runtime;
            if (process == null) {
                return;
            }
            // /proc is read on a worker thread, never on this event loop
            vertx.executeBlocking(() -> memory.exceeded(process.handle()), false).onSuccess(exceeded -> {
                if (exceeded && process == runtime) {
                    LOG.infof("%s exceeded its memory size of %d MB; killing its runtime", spec.function().name(),
                            spec.memorySizeMb());
                    killedForMemory = true;
                    stopWatchingMemory();
                    process.kill();
                }
            });
        });
    }

    private void stopWatchingMemory() {
        if (memoryTimer >= 0) {
            vertx.cancelTimer(memoryTimer);
            memoryTimer = -1;
        }
    }

    // Runtime API, called by RuntimeApiServer on this environment's context

    void onNext(HttpServerResponse response) {
        if (pendingNext != null && pendingNext != response) {
            RuntimeApiServer.error(pendingNext, 403, "InvalidStateTransition",
                    "State transition from Ready to Ready failed for runtime. Error: another next request replaced this one");
        }
        pendingNext = response;
        response.closeHandler(v -> {
            if (pendingNext == response) {
                pendingNext = null;
            }
        });
        switch (state) {
            case INITIALIZING -> {
                runtimeReady = true;
                finishInitIfReady();
            }
            case BUSY -> {
                Invocation invocation = current;
                if (!invocation.responded) {
                    // the runtime moved on without an answer: the caller gets an empty one
                    respond(invocation, new byte[0], "application/json", null, null, null);
                }
                invocation.runtimeDone = true;
                endInvocationIfDone();
            }
            default -> dispatchIfReady();
        }
    }

    void onResponse(String requestId, Buffer body, boolean tooLarge, String contentType, HttpServerResponse response) {
        Invocation invocation = checkInvocation(requestId, response);
        if (invocation == null) {
            return;
        }
        if (tooLarge) {
            RuntimeApiServer.error(response, 413, "RequestEntityTooLarge",
                    "Exceeded maximum allowed payload size (" + PlatformErrors.MAX_RESPONSE_BYTES + " bytes).");
            respondFailed(invocation, Failure.document("Function.ResponseSizeTooLarge", PlatformErrors.responseTooLarge()),
                    "error");
            return;
        }
        RuntimeApiServer.accepted(response);
        respond(invocation, body.getBytes(), contentType == null ? "application/json" : contentType, null, null, null);
    }

    void onError(String requestId, Buffer body, String errorTypeHeader, String contentType, HttpServerResponse response) {
        Invocation invocation = checkInvocation(requestId, response);
        if (invocation == null) {
            return;
        }
        RuntimeApiServer.accepted(response);
        ErrorDocument error = ErrorDocument.of(body, errorTypeHeader, contentType);
        respond(invocation, error.payload(), "application/json", "Unhandled", error.errorType(), "error");
    }

    void onInitError(Buffer body, String errorTypeHeader, String contentType, HttpServerResponse response) {
        if (state != State.INITIALIZING) {
            RuntimeApiServer.error(response, 403, "InvalidStateTransition",
                    "State transition from " + stateName() + " to InitError failed for runtime. Error: not initializing");
            return;
        }
        RuntimeApiServer.accepted(response);
        ErrorDocument error = ErrorDocument.of(body, errorTypeHeader, contentType);
        initError = Failure.document(error.errorType(), error.payload());
    }

    private Invocation checkInvocation(String requestId, HttpServerResponse response) {
        if (current == null || state != State.BUSY) {
            RuntimeApiServer.error(response, 403, "InvalidStateTransition",
                    "State transition from " + stateName()
                            + " to InvocationResponse failed for runtime. Error: no invocation in progress");
            return null;
        }
        if (!current.id().equals(requestId) || current.responded) {
            RuntimeApiServer.error(response, 400, "InvalidRequestID", "Invalid request ID");
            return null;
        }
        return current;
    }

    private String stateName() {
        return switch (state) {
            case NEW, STOPPED -> "Shutdown";
            case INITIALIZING -> "Initializing";
            case IDLE -> "Ready";
            case BUSY -> current != null && current.responded ? "InvocationResponse" : "Running";
        };
    }

    // Extensions API

    /** Starts the executables in /opt/extensions with the runtime's environment (AWS's subset of it). */
    private Map<String, RuntimeProcess> startExtensions(Map<String, String> runtimeEnvironment)
            throws LaunchFailedException {
        Path directory = spec.optDirectory() == null ? null : spec.optDirectory().resolve("extensions");
        if (directory == null || !Files.isDirectory(directory)) {
            return Map.of();
        }
        Map<String, RuntimeProcess> started = new LinkedHashMap<>();
        try {
            List<Path> executables;
            try (Stream<Path> files = Files.list(directory)) {
                executables = files.filter(Files::isRegularFile).filter(Files::isExecutable).sorted().toList();
            }
            if (executables.size() > MAX_EXTENSIONS) {
                throw new LaunchFailedException(Failure.platform("Extension.TooManyExtensions",
                        "Too many extensions: " + executables.size() + " found, at most " + MAX_EXTENSIONS + " allowed"));
            }
            Map<String, String> environment = new LinkedHashMap<>(runtimeEnvironment);
            // Extensions get the runtime's environment minus what only the runtime needs (AWS's list).
            for (String key : List.of("AWS_EXECUTION_ENV", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
                    "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT",
                    "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT", "_HANDLER")) {
                environment.remove(key);
            }
            for (Path executable : executables) {
                started.put(executable.getFileName().toString(),
                        RuntimeProcess.start(List.of(executable.toString()), environment, spec.taskRoot(), log));
            }
            return started;
        } catch (IOException e) {
            started.values().forEach(RuntimeProcess::kill);
            throw new LaunchFailedException(Failure.platform("Extension.LaunchError", e.getMessage()));
        }
    }

    private void onExtensionExit(int gen, String name, RuntimeProcess process, int exitCode) {
        if (gen != generation || externalProcesses.get(name) != process) {
            return;
        }
        externalProcesses.remove(name);
        extensions.values().removeIf(e -> e.name.equals(name));
        if (state == State.INITIALIZING) {
            failInit(Failure.platform("Extension.Crash", "extension " + name + ": " + PlatformErrors.exitReason(exitCode)
                    .replace("Runtime exited", "exited")));
        } else if (state == State.BUSY) {
            LOG.warnf("extension %s of %s exited during an invocation (%s)", name, spec.function().name(),
                    PlatformErrors.exitReason(exitCode));
            endInvocationIfDone();
        }
    }

    /** SHUTDOWN to the extensions that asked for it, SIGKILL after the grace period; returns their exits. */
    private List<CompletableFuture<Integer>> stopExtensions(String reason) {
        for (Extension extension : extensions.values()) {
            if (extension.shutdownEvents) {
                send(extension, shutdownEvent(reason));
            }
        }
        List<RuntimeProcess> processes = List.copyOf(externalProcesses.values());
        externalProcesses.clear();
        extensions.clear();
        if (!processes.isEmpty()) {
            vertx.setTimer(EXTENSIONS_GRACE.toMillis(), t -> processes.forEach(RuntimeProcess::kill));
        }
        return processes.stream().map(RuntimeProcess::exit).toList();
    }

    void onRegister(String name, String acceptFeature, Buffer body, HttpServerResponse response) {
        if (state != State.INITIALIZING) {
            RuntimeApiServer.error(response, 403, "Extension.RegistrationClosed", "Extension registration closed already");
            return;
        }
        if (name == null || name.isBlank()) {
            RuntimeApiServer.error(response, 403, "Extension.InvalidExtensionName", "Empty extension name");
            return;
        }
        if (extensions.size() >= MAX_EXTENSIONS) {
            RuntimeApiServer.error(response, 403, "Extension.TooManyExtensions", "Too many extensions registered");
            return;
        }
        Set<String> events = RuntimeApiServer.eventsOf(body);
        if (events == null) {
            RuntimeApiServer.error(response, 400, "InvalidRequestFormat", "events must be a list of INVOKE and SHUTDOWN");
            return;
        }
        String id = UUID.randomUUID().toString();
        extensions.put(id, new Extension(id, name, events.contains("INVOKE"), events.contains("SHUTDOWN")));
        StringBuilder out = new StringBuilder("{\"functionName\":\"").append(PlatformErrors.escape(spec.function().name()))
                .append("\",\"functionVersion\":\"").append(PlatformErrors.escape(spec.function().version()))
                .append("\",\"handler\":\"").append(PlatformErrors.escape(spec.handler() == null ? "" : spec.handler()))
                .append('"');
        if ("accountId".equals(acceptFeature)) {
            out.append(",\"accountId\":\"").append(spec.function().accountId()).append('"');
        }
        out.append('}');
        response.setStatusCode(200).putHeader("Lambda-Extension-Identifier", id)
                .putHeader("Content-Type", "application/json").end(out.toString());
    }

    void onExtensionNext(String identifier, HttpServerResponse response) {
        Extension extension = extension(identifier, response);
        if (extension == null) {
            return;
        }
        extension.pendingNext = response;
        response.closeHandler(v -> {
            if (extension.pendingNext == response) {
                extension.pendingNext = null;
            }
        });
        boolean wasReady = extension.ready;
        extension.ready = true;
        if (!extension.queue.isEmpty()) {
            String event = extension.queue.remove(0);
            deliver(extension, event);
        }
        if (!wasReady && state == State.INITIALIZING) {
            finishInitIfReady();
        } else if (extension.invokePending && state == State.BUSY && extension.queue.isEmpty()
                && extension.pendingNext != null) {
            extension.invokePending = false;
            endInvocationIfDone();
        }
    }

    void onExtensionError(String identifier, String errorType, Buffer body, boolean init, HttpServerResponse response) {
        Extension extension = extension(identifier, response);
        if (extension == null) {
            return;
        }
        RuntimeApiServer.accepted(response);
        if (init && state == State.INITIALIZING) {
            ErrorDocument error = ErrorDocument.of(body, errorType, "application/json");
            failInit(Failure.document(error.errorType(), error.payload()));
        }
    }

    private Extension extension(String identifier, HttpServerResponse response) {
        if (identifier == null || identifier.isEmpty()) {
            RuntimeApiServer.error(response, 403, "Extension.MissingExtensionIdentifier",
                    "Missing Lambda-Extension-Identifier header");
            return null;
        }
        try {
            UUID.fromString(identifier);
        } catch (IllegalArgumentException e) {
            RuntimeApiServer.error(response, 403, "Extension.InvalidExtensionIdentifier",
                    "Invalid Lambda-Extension-Identifier");
            return null;
        }
        Extension extension = extensions.get(identifier);
        if (extension == null) {
            RuntimeApiServer.error(response, 403, "Extension.UnknownExtensionIdentifier", "Unknown extension " + identifier);
        }
        return extension;
    }

    private void send(Extension extension, String event) {
        if (extension.pendingNext != null) {
            deliver(extension, event);
        } else {
            extension.queue.add(event);
        }
    }

    private static void deliver(Extension extension, String event) {
        HttpServerResponse next = extension.pendingNext;
        extension.pendingNext = null;
        next.setStatusCode(200).putHeader("Lambda-Extension-Event-Identifier", UUID.randomUUID().toString())
                .putHeader("Content-Type", "application/json").end(event);
    }

    private String invokeEvent(Invocation invocation) {
        StringBuilder event = new StringBuilder("{\"eventType\":\"INVOKE\",\"deadlineMs\":").append(invocation.deadlineMillis)
                .append(",\"requestId\":\"").append(invocation.id()).append("\",\"invokedFunctionArn\":\"")
                .append(PlatformErrors.escape(invocation.request.invokedFunctionArn() != null
                        ? invocation.request.invokedFunctionArn()
                        : spec.function().arn()))
                .append('"');
        if (invocation.request.traceId() != null) {
            event.append(",\"tracing\":{\"type\":\"X-Amzn-Trace-Id\",\"value\":\"")
                    .append(PlatformErrors.escape(invocation.request.traceId())).append("\"}");
        }
        return event.append('}').toString();
    }

    private static String shutdownEvent(String reason) {
        return "{\"eventType\":\"SHUTDOWN\",\"deadlineMs\":" + (System.currentTimeMillis() + EXTENSIONS_GRACE.toMillis())
                + ",\"shutdownReason\":\"" + reason + "\"}";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.toString() : root.getMessage();
        return message.toLowerCase(Locale.ROOT).contains("no such file") ? "no such file or directory"
                : message.toLowerCase(Locale.ROOT).contains("permission denied") ? "permission denied" : message;
    }

    /** A runtime's error document, with AWS's handling of the error-cause content type. */
    record ErrorDocument(byte[] payload, String errorType) {

        static final String ERROR_CAUSE_TYPE = "application/vnd.aws.lambda.error.cause+json";

        static ErrorDocument of(Buffer body, String errorTypeHeader, String contentType) {
            byte[] bytes = body.getBytes();
            String type = errorTypeHeader;
            if (contentType != null && contentType.startsWith(ERROR_CAUSE_TYPE)) {
                bytes = RuntimeApiServer.withoutErrorCause(bytes);
            }
            if (type == null || type.isBlank()) {
                type = RuntimeApiServer.errorTypeOf(bytes);
            }
            if (bytes.length == 0) {
                bytes = PlatformErrors.document(type == null ? "Runtime.Unknown" : type, "");
            }
            return new ErrorDocument(bytes, type == null ? "Runtime.Unknown" : type);
        }

        @Override
        public String toString() {
            return errorType + ": " + new String(payload, StandardCharsets.UTF_8);
        }
    }
}
