package dev.klambda.standalone.environments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import dev.klambda.agent.EnvironmentSpec;
import dev.klambda.agent.ExecutionEnvironment;
import dev.klambda.agent.FunctionIdentity;
import dev.klambda.agent.Interpreters;
import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.agent.LogSink;
import dev.klambda.agent.MemoryLimits;
import dev.klambda.agent.RuntimeFiles;
import dev.klambda.agent.RuntimeLaunchers;
import dev.klambda.agent.pool.PoolStats;
import dev.klambda.agent.pool.WarmPool;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.code.InvalidCodePackageException;
import dev.klambda.core.code.UnpackedCodeCache;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.core.layer.LayerVersion;
import dev.klambda.core.layer.LayerVersionArn;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.invoker.invoke.EnvironmentProvider;
import dev.klambda.invoker.invoke.Target;

/**
 * Standalone's environment provider: execution environments as local processes, one warm pool per
 * function version and code. Code and layers are packaged into the code store and unpacked once
 * per SHA-256; pools grow on demand up to the reserved concurrency (or the account limit), keep
 * the provisioned concurrency initialised, and shrink to zero after the idle time.
 */
public final class LocalEnvironments implements EnvironmentProvider, AutoCloseable {

    /** Where a resource's manifest file is: code paths are relative to it. */
    @FunctionalInterface
    public interface Manifests {
        Optional<Path> of(HasMetadata resource);
    }

    private static final Logger LOG = Logger.getLogger(LocalEnvironments.class);

    /** What identifies a pool: a function version with its exact code and configuration. */
    public record PoolKey(String namespace, String functionName, String version, String revision) {
    }

    /** One function version; a new revision of it (an edited $LATEST) replaces its pool. */
    private record VersionKey(String namespace, String functionName, String version) {
    }

    /** A version's pool for one revision, ready once its code is unpacked. */
    private record Pool(String revision, CompletableFuture<WarmPool> ready) {
    }

    private final Vertx vertx;
    private final String region;
    private final DirectoryCodeStore codeStore;
    private final UnpackedCodeCache unpacked;
    private final Path runtimeDirectory;
    private final Interpreters interpreters;
    private final RuntimeLaunchers launchers;
    private final Duration idleTimeout;
    private final Manifests manifests;
    private final Clock clock;
    private final Map<VersionKey, Pool> pools = new ConcurrentHashMap<>();
    // Code is zipped, stored and unpacked here, never on the caller's (possibly event-loop) thread.
    private final ExecutorService preparing = Executors.newVirtualThreadPerTaskExecutor();
    private final long reaper;
    private final LayerStore layers;

    public LocalEnvironments(Vertx vertx, String region, DirectoryCodeStore codeStore, Path home, Path runtimeDirectory,
            Interpreters interpreters, Duration idleTimeout, Manifests manifests,
            Clock clock) {
        this(vertx, region, codeStore, home, runtimeDirectory, interpreters, idleTimeout, manifests, null, clock);
    }

    /** @param layers the published layers that layer ARNs name, or null when there are none */
    public LocalEnvironments(Vertx vertx, String region, DirectoryCodeStore codeStore, Path home, Path runtimeDirectory,
            Interpreters interpreters, Duration idleTimeout, Manifests manifests, LayerStore layers,
            Clock clock) {
        this.layers = layers;
        this.vertx = vertx;
        this.region = region;
        this.codeStore = codeStore;
        this.unpacked = new UnpackedCodeCache(home.resolve("unpacked"));
        this.runtimeDirectory = runtimeDirectory;
        this.interpreters = interpreters;
        this.launchers = new RuntimeLaunchers(interpreters);
        this.idleTimeout = idleTimeout;
        this.manifests = manifests;
        this.clock = clock;
        long period = Math.max(1000, Math.min(30_000, idleTimeout.toMillis() / 4));
        this.reaper = vertx.setPeriodic(period, t -> readyPools().forEach(WarmPool::reap));
    }

    /** Runs an invocation in an environment of {@code target}'s pool, starting one if needed. */
    @Override
    public CompletionStage<InvokeResult> invoke(Target target, InvokeRequest request) {
        CompletableFuture<WarmPool> pool = pool(target);
        Context caller = Vertx.currentContext();
        if (caller != null && !pool.isDone()) {
            // A pool is prepared on a virtual thread; come back to the caller's event loop, which is
            // where the environments it starts for this caller then live.
            pool = pool.thenApplyAsync(ready -> ready, task -> caller.runOnContext(v -> task.run()));
        }
        return pool.thenCompose(ready -> ready.invoke(request)).exceptionallyCompose(e -> {
            Throwable cause = LambdaException.cause(e);
            // The pool closed under the invocation (a new revision replaced it) or none came free in time:
            // a throttle, which clients retry.
            if (cause instanceof WarmPool.PoolExhaustedException) {
                return CompletableFuture.failedFuture(LambdaException.throttled("ConcurrentInvocationLimitExceeded"));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    @Override
    public int initialised(String namespace, String functionName, String version) {
        Pool pool = pools.get(new VersionKey(namespace, functionName, version));
        if (pool == null || !pool.ready().isDone() || pool.ready().isCompletedExceptionally()) {
            return 0;
        }
        PoolStats stats = pool.ready().join().stats();
        return stats.warm() + stats.busy();
    }

    // demand(): not overridden. A local environment starts in tens of milliseconds, the moment an
    // invocation needs one (WarmPool), so starting them earlier would only hold memory.

    /** Keeps {@code count} environments of {@code target} initialised; completes when the pool exists. */
    public CompletionStage<Void> provision(Target target, int count) {
        return pool(target).thenAccept(pool -> pool.provision(count));
    }

    /** The pools and what they hold, for metrics and the invoker's decisions. */
    public Map<PoolKey, PoolStats> stats() {
        Map<PoolKey, PoolStats> stats = new HashMap<>();
        pools.forEach((key, pool) -> {
            if (pool.ready().isDone() && !pool.ready().isCompletedExceptionally()) {
                stats.put(new PoolKey(key.namespace(), key.functionName(), key.version(), pool.revision()),
                        pool.ready().join().stats());
            }
        });
        return stats;
    }

    private List<WarmPool> readyPools() {
        return pools.values().stream().map(Pool::ready).filter(f -> f.isDone() && !f.isCompletedExceptionally())
                .map(CompletableFuture::join).toList();
    }

    /** {@code target}'s pool: the existing one for its revision, else a new one that replaces the old revision's. */
    private CompletableFuture<WarmPool> pool(Target target) {
        VersionKey key = new VersionKey(target.tenant().namespace(), target.function().functionName(), target.version());
        Pool existing = pools.get(key);
        if (existing != null && existing.revision().equals(target.revision())) {
            return existing.ready();
        }
        List<Pool> replaced = new ArrayList<>(1);
        Pool pool = pools.compute(key, (k, current) -> {
            if (current != null && current.revision().equals(target.revision())) {
                return current;
            }
            if (current != null) {
                replaced.add(current);
            }
            return new Pool(target.revision(), CompletableFuture.supplyAsync(() -> newPool(target), preparing));
        });
        // The old revision's pool drains: its running invocations finish, nothing new goes there.
        replaced.forEach(old -> old.ready().thenAccept(WarmPool::close));
        // A pool that could not be made is forgotten, so that the next invocation tries again.
        pool.ready().whenComplete((made, e) -> {
            if (e != null) {
                pools.remove(key, pool);
            }
        });
        return pool.ready();
    }

    private WarmPool newPool(Target target) {
        EnvironmentSpec spec = prepare(target);
        interpreters.reportMismatch(spec.runtime());
        Integer reserved = target.function().getSpec().getReservedConcurrentExecutions();
        int maximum = reserved != null ? reserved : target.tenant().concurrencyLimit();
        String name = target.function().functionName() + ":" + target.version();
        LogSink sink = logSink(target.function().functionName());
        return new WarmPool(name, provisioned -> ExecutionEnvironment.create(vertx,
                provisioned ? withInitializationType(spec, "provisioned-concurrency") : spec, launchers,
                MemoryLimits.sampling(), sink, 0), maximum, idleTimeout, spec.timeout(), clock);
    }

    /** Unpacks code and layers and describes the environment; failures are Lambda's errors. */
    EnvironmentSpec prepare(Target target) {
        FunctionConfiguration configuration = target.configuration();
        Path manifest = manifests.of(target.function()).orElse(null);
        try {
            Code code = configuration.getCode();
            DirectoryCodeStore.Stored zip = stored(code.path(), code.sha256(), manifest);
            UnpackedCodeCache.Unpacked task = unpacked.unpacked(zip.digest().hex(), zip.zip());
            List<UnpackedCodeCache.Layer> layers = new ArrayList<>();
            if (configuration.getLayers() != null) {
                for (Layer layer : configuration.getLayers()) {
                    DirectoryCodeStore.Stored layerZip = layer.arn() != null ? published(target, layer.arn())
                            : stored(layer.path(), layer.sha256(), manifest);
                    layers.add(new UnpackedCodeCache.Layer(layerZip.digest().hex(), layerZip.zip()));
                }
            }
            UnpackedCodeCache.Unpacked opt = unpacked.layers(layers, task.size());
            Map<String, String> variables = new HashMap<>();
            if (configuration.getEnvironment() != null && configuration.getEnvironment().variables() != null) {
                variables.putAll(configuration.getEnvironment().variables());
            }
            if (configuration.getEnvironment() != null && configuration.getEnvironment().secrets() != null
                    && !configuration.getEnvironment().secrets().isEmpty()) {
                LOG.warnf("%s: environment variables from Secrets are not set in standalone mode (%s)",
                        target.function().functionName(), configuration.getEnvironment().secrets().keySet());
            }
            return new EnvironmentSpec(new FunctionIdentity(target.function().functionName(), target.version(), region,
                    target.tenant().accountId()), configuration.getRuntime().id(), configuration.getHandler(),
                    configuration.getMemorySize() == null ? 128 : configuration.getMemorySize(),
                    Duration.ofSeconds(configuration.getTimeout() == null ? 3 : configuration.getTimeout()), variables,
                    task.directory(), opt.directory(), runtimeDirectory, null, null);
        } catch (InvalidCodePackageException e) {
            throw new LambdaException(ErrorType.InvalidZipFileException, e.lambdaMessage());
        } catch (IOException e) {
            throw new LambdaException(ErrorType.ResourceNotReadyException,
                    "The code of " + target.function().functionName() + " cannot be prepared: " + e.getMessage());
        }
    }

    /** The zip of a published layer version of the function's own account. */
    private DirectoryCodeStore.Stored published(Target target, String arn) throws IOException {
        LayerVersion version = layers == null ? null
                : LayerVersionArn.parse(arn)
                        .filter(named -> named.accountId().equals(target.tenant().accountId()))
                        .flatMap(named -> layers.get(target.tenant().namespace(), named.layerName(), named.version()))
                        .orElse(null);
        if (version == null) {
            throw new LambdaException(ErrorType.ResourceNotReadyException, "Layer version " + arn + " does not exist.");
        }
        return stored(null, version.sha256(), null);
    }

    /** The package of a code or layer (see {@link DirectoryCodeStore#resolve}); a missing one is not ready. */
    private DirectoryCodeStore.Stored stored(String path, String sha256, Path manifest) throws IOException {
        if (path != null && manifest == null) {
            throw new LambdaException(ErrorType.ResourceNotReadyException, "code.path needs a manifest file to be relative to");
        }
        try {
            return codeStore.resolve(manifest == null ? null : manifest.getParent(), path, sha256);
        } catch (DirectoryCodeStore.MissingPackageException e) {
            throw new LambdaException(ErrorType.ResourceNotReadyException, e.getMessage());
        }
    }

    private static EnvironmentSpec withInitializationType(EnvironmentSpec spec, String type) {
        return new EnvironmentSpec(spec.function(), spec.runtime(), spec.handler(), spec.memorySizeMb(), spec.timeout(),
                spec.userEnvironment(), spec.taskRoot(), spec.optDirectory(), spec.runtimeDirectory(), type,
                Duration.ofSeconds(Math.max(130, spec.timeout().toSeconds())));
    }

    private static LogSink logSink(String functionName) {
        Logger functionLog = Logger.getLogger("dev.klambda.function." + functionName);
        return line -> functionLog.info(line);
    }

    @Override
    public void close() {
        vertx.cancelTimer(reaper);
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        pools.values().forEach(pool -> closing.add(pool.ready().thenCompose(WarmPool::close).exceptionally(e -> null)));
        pools.clear();
        preparing.shutdown();
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("some environments did not stop in time", e);
        }
    }

    /** Unpacks the runtime clients shipped with klambda under {@code home}. */
    public static Path runtimeFiles(Path home) {
        try {
            return RuntimeFiles.unpack(home.resolve("runtimes"));
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("cannot unpack the runtime clients under " + home, e);
        }
    }
}
