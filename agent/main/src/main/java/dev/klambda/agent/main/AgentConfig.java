package dev.klambda.agent.main;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the controller describes the function to the agent of a pod, through environment
 * variables (KLAMBDA_FUNCTION_NAME, KLAMBDA_RUNTIME, ...). The function's own variables arrive
 * as {@code KLAMBDA_ENV_<NAME>}, so values from Secrets work and nothing else of the pod leaks in.
 */
@ConfigMapping(prefix = "klambda")
public interface AgentConfig {

    /** Prefix of the container variables that carry the function's own environment. */
    String USER_ENVIRONMENT_PREFIX = "KLAMBDA_ENV_";

    String functionName();

    @WithDefault("$LATEST")
    String functionVersion();

    @WithDefault("us-east-1")
    String region();

    @WithDefault("000000000000")
    String accountId();

    /** A Lambda runtime id, e.g. python3.12; {@code provided.al2023} for container images with their own bootstrap. */
    String runtime();

    Optional<String> handler();

    @WithDefault("128")
    int memorySize();

    @WithDefault("3s")
    Duration timeout();

    @WithDefault("/var/task")
    Path taskRoot();

    @WithDefault("/opt")
    Path optDirectory();

    @WithDefault("/var/runtime")
    Path runtimeDirectory();

    @WithDefault("on-demand")
    String initializationType();

    /**
     * For a container image, whose entrypoint the agent took over: the image's entrypoint, as a JSON
     * array ({@code ["/lambda-entrypoint.sh"]}); the agent starts it, with {@link #imageCommand} as
     * its arguments, as the runtime.
     */
    Optional<String> imageEntryPoint();

    /** The arguments of {@link #imageEntryPoint}, as a JSON array (the image's CMD, e.g. {@code ["app.handler"]}). */
    Optional<String> imageCommand();

    /**
     * The address the Runtime API listens on, and that the runtime gets in
     * {@code AWS_LAMBDA_RUNTIME_API}: loopback, so only the pod's own processes reach it. A test
     * harness that runs many pods on one machine gives each its own 127.0.0.N.
     */
    @WithDefault("127.0.0.1")
    String runtimeApiHost();

    /** Where the Runtime API listens; Lambda reserves 9001. */
    @WithDefault("9001")
    int runtimeApiPort();

    /** The address invokers' requests are accepted on: every interface of the pod, or one 127.0.0.N in a test harness. */
    @WithDefault("0.0.0.0")
    String invokeHost();

    /** Where invokers send invocations. */
    @WithDefault("8080")
    int invokePort();

    /**
     * Start INIT when the pod starts, so it is ready before the first invocation; {@code /klambda/ready}
     * then answers 200 only once INIT has succeeded. Without it the pod is ready as soon as it listens.
     */
    @WithDefault("true")
    boolean eagerInit();
}
