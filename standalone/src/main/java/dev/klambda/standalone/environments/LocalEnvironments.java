package dev.klambda.standalone.environments;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.vertx.core.Vertx;

import dev.klambda.agent.EnvironmentSpec;
import dev.klambda.agent.ExecutionEnvironment;
import dev.klambda.agent.FunctionIdentity;
import dev.klambda.agent.Interpreters;
import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.agent.LogSink;
import dev.klambda.agent.MemoryLimits;
import dev.klambda.agent.RuntimeLaunchers;
import dev.klambda.agent.pool.PoolStats;
import dev.klambda.agent.pool.WarmPool;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodePackages;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.code.UnpackedCodeCache;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.Layer;

/**
 * Standalone's environment provider: execution environments as local processes, one warm pool per
 * function version and code. Code and layers are packaged into the code store and unpacked once
 * per SHA-256; pools grow on demand up to the reserved concurrency (or the account limit), keep
 * the provisioned concurrency initialised, and shrink to zero after the idle time.
 */
public final class LocalEnvironments implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalEnvironments.class);

    /** What identifies a pool: a function version with its exact code and configuration. */
    public record PoolKey(String namespace, String functionName, String version, String revision) {
    }

    /** What the provider needs to know of a function to run it. */
    public record Target(String namespace, String accountId, Function function, String version,
            FunctionConfiguration configuration, String revision, Path manifest) {
    }

    private final Vertx vertx;
    private final String region;
    private final DirectoryCodeStore codeStore;
    private final UnpackedCodeCache unpacked;
    private final Path runtimeDirectory;
    private final Interpreters interpreters;
    private final RuntimeLaunchers launchers;
    private final Duration idleTimeout;
    private final int accountLimit;
    private final Clock clock;
    private final Map<PoolKey, WarmPool> pools = new ConcurrentHashMap<>();
    private final long reaper;

    public LocalEnvironments(Vertx vertx, String region, DirectoryCodeStore codeStore, Path home, Path runtimeDirectory,
            Interpreters interpreters, Duration idleTimeout, int accountLimit, Clock clock) {
        this.vertx = vertx;
        this.region = region;
        this.codeStore = codeStore;
        this.unpacked = new UnpackedCodeCache(home.resolve("unpacked"));
        this.runtimeDirectory = runtimeDirectory;
        this.interpreters = interpreters;
        this.launchers = new RuntimeLaunchers(interpreters);
        this.idleTimeout = idleTimeout;
        this.accountLimit = accountLimit;
        this.clock = clock;
        long period = Math.max(1000, Math.min(30_000, idleTimeout.toMillis() / 4));
        this.reaper = vertx.setPeriodic(period, t -> pools.values().forEach(WarmPool::reap));
    }

    /** Runs an invocation in an environment of {@code target}'s pool, starting one if needed. */
    public CompletionStage<InvokeResult> invoke(Target target, InvokeRequest request) {
        WarmPool pool;
        try {
            pool = pool(target);
        } catch (LambdaException e) {
            return CompletableFuture.failedFuture(e);
        }
        return pool.invoke(request);
    }

    /** Keeps {@code count} environments of {@code target} initialised. */
    public void provision(Target target, int count) {
        pool(target).provision(count);
    }

    /** The pools and what they hold, for metrics and the invoker's decisions. */
    public Map<PoolKey, PoolStats> stats() {
        Map<PoolKey, PoolStats> stats = new HashMap<>();
        pools.forEach((key, pool) -> stats.put(key, pool.stats()));
        return stats;
    }

    private WarmPool pool(Target target) {
        PoolKey key = new PoolKey(target.namespace(), target.function().functionName(), target.version(), target.revision());
        WarmPool existing = pools.get(key);
        if (existing != null) {
            return existing;
        }
        // A new revision of the same version (an edited $LATEST) replaces the old pool, which drains.
        pools.entrySet().removeIf(entry -> {
            PoolKey old = entry.getKey();
            boolean replaced = old.namespace().equals(key.namespace()) && old.functionName().equals(key.functionName())
                    && old.version().equals(key.version());
            if (replaced) {
                entry.getValue().close();
            }
            return replaced;
        });
        EnvironmentSpec spec = prepare(target);
        interpreters.reportMismatch(spec.runtime());
        Integer reserved = target.function().getSpec().getReservedConcurrentExecutions();
        int maximum = reserved != null ? reserved : accountLimit;
        String name = target.function().functionName() + ":" + target.version();
        LogSink sink = logSink(target.function().functionName());
        WarmPool pool = new WarmPool(name, provisioned -> ExecutionEnvironment.create(vertx,
                provisioned ? withInitializationType(spec, "provisioned-concurrency") : spec, launchers,
                MemoryLimits.sampling(), sink, 0), maximum, idleTimeout, clock);
        WarmPool raced = pools.putIfAbsent(key, pool);
        return raced != null ? raced : pool;
    }

    /** Unpacks code and layers and describes the environment; failures are Lambda's errors. */
    EnvironmentSpec prepare(Target target) {
        FunctionConfiguration configuration = target.configuration();
        try {
            Code code = configuration.getCode();
            Path zip = zipOf(code.path(), code.sha256(), target.manifest());
            UnpackedCodeCache.Unpacked task = unpacked.unpacked(CodePackages.digest(zip).hex(), zip);
            List<UnpackedCodeCache.Layer> layers = new ArrayList<>();
            if (configuration.getLayers() != null) {
                for (Layer layer : configuration.getLayers()) {
                    if (layer.path() == null) {
                        throw new LambdaException(ErrorType.ResourceNotReadyException, "Layer " + layer.arn()
                                + " is not available in standalone mode: give the layer as a path");
                    }
                    Path layerZip = zipOf(layer.path(), null, target.manifest());
                    layers.add(new UnpackedCodeCache.Layer(CodePackages.digest(layerZip).hex(), layerZip));
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
                    target.accountId()), configuration.getRuntime().id(), configuration.getHandler(),
                    configuration.getMemorySize() == null ? 128 : configuration.getMemorySize(),
                    Duration.ofSeconds(configuration.getTimeout() == null ? 3 : configuration.getTimeout()), variables,
                    task.directory(), opt.directory(), runtimeDirectory, null, null);
        } catch (dev.klambda.core.code.InvalidCodePackageException e) {
            throw new LambdaException(ErrorType.InvalidZipFileException, e.lambdaMessage());
        } catch (IOException e) {
            throw new LambdaException(ErrorType.ResourceNotReadyException,
                    "The code of " + target.function().functionName() + " cannot be prepared: " + e.getMessage());
        }
    }

    /** The zip of a code or layer path (a directory is packaged), stored in the code store. */
    private Path zipOf(String path, String sha256, Path manifest) throws IOException {
        if (path == null) {
            return codeStore.find(sha256).orElseThrow(() -> new LambdaException(ErrorType.ResourceNotReadyException,
                    "the code store has no zip with SHA-256 " + CodeDigest.toHex(sha256)));
        }
        if (manifest == null) {
            throw new LambdaException(ErrorType.ResourceNotReadyException, "code.path needs a manifest file to be relative to");
        }
        Path source = manifest.getParent().resolve(path).normalize();
        if (!Files.isDirectory(source)) {
            try (InputStream in = Files.newInputStream(source)) {
                CodeDigest digest = codeStore.put(in);
                return codeStore.find(digest.hex()).orElseThrow();
            }
        }
        Path temp = Files.createTempFile("klambda-package-", ".zip");
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                CodePackages.zipDirectory(source, out);
            }
            try (InputStream in = Files.newInputStream(temp)) {
                CodeDigest digest = codeStore.put(in);
                return codeStore.find(digest.hex()).orElseThrow();
            }
        } finally {
            Files.deleteIfExists(temp);
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
        pools.values().forEach(pool -> closing.add(pool.close().toCompletableFuture()));
        pools.clear();
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("some environments did not stop in time", e);
        }
    }

    /** Unpacks the runtime clients shipped with klambda under {@code home}. */
    public static Path runtimeFiles(Path home) {
        try {
            return dev.klambda.agent.RuntimeFiles.unpack(home.resolve("runtimes"));
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("cannot unpack the runtime clients under " + home, e);
        }
    }
}
