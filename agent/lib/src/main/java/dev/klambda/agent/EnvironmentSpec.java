package dev.klambda.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one execution environment needs to run a function version.
 *
 * @param function which function and version
 * @param runtime the Lambda runtime id, e.g. {@code python3.12}, {@code provided.al2023}
 * @param handler the handler string, or null for container images and custom runtimes that take none
 * @param memorySizeMb the configured memory, which the agent enforces
 * @param timeout the invocation timeout
 * @param userEnvironment the function's own environment variables
 * @param taskRoot the directory standing in for /var/task
 * @param optDirectory the directory standing in for /opt (layers, extensions), may be empty
 * @param runtimeDirectory the directory with klambda's runtime clients (standing in for /var/runtime)
 * @param initializationType {@code on-demand} or {@code provisioned-concurrency}
 * @param initTimeout how long INIT may take before it is retried within the first invocation
 * @param entryPoint for a container image: the command line that starts its runtime (the image's
 *        entrypoint and command, as Lambda's ImageConfig gives them); null to start the runtime's
 *        own client, or a custom runtime's bootstrap
 */
public record EnvironmentSpec(FunctionIdentity function, String runtime, String handler, int memorySizeMb,
        Duration timeout, Map<String, String> userEnvironment, Path taskRoot, Path optDirectory,
        Path runtimeDirectory, String initializationType, Duration initTimeout, List<String> entryPoint) {

    /** Lambda's limit on INIT for on-demand environments. */
    public static final Duration DEFAULT_INIT_TIMEOUT = Duration.ofSeconds(10);

    public EnvironmentSpec {
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(taskRoot, "taskRoot");
        userEnvironment = userEnvironment == null ? Map.of() : Map.copyOf(userEnvironment);
        initializationType = initializationType == null ? "on-demand" : initializationType;
        initTimeout = initTimeout == null ? DEFAULT_INIT_TIMEOUT : initTimeout;
        entryPoint = entryPoint == null || entryPoint.isEmpty() ? null : List.copyOf(entryPoint);
    }

    /** An environment that starts its runtime's own client (or a custom runtime's bootstrap). */
    public EnvironmentSpec(FunctionIdentity function, String runtime, String handler, int memorySizeMb, Duration timeout,
            Map<String, String> userEnvironment, Path taskRoot, Path optDirectory, Path runtimeDirectory,
            String initializationType, Duration initTimeout) {
        this(function, runtime, handler, memorySizeMb, timeout, userEnvironment, taskRoot, optDirectory, runtimeDirectory,
                initializationType, initTimeout, null);
    }

    /** Whether the runtime is a custom one ({@code provided*}) that brings its own bootstrap. */
    public boolean customRuntime() {
        return runtime.startsWith("provided");
    }
}
