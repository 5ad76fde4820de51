package dev.klambda.agent.main;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

import dev.klambda.agent.EnvironmentSpec;
import dev.klambda.agent.ExecutionEnvironment;
import dev.klambda.agent.FunctionIdentity;
import dev.klambda.agent.Interpreters;
import dev.klambda.agent.InvokeServer;
import dev.klambda.agent.LogSink;
import dev.klambda.agent.MemoryLimits;
import dev.klambda.agent.RuntimeLaunchers;

/** Runs the pod's execution environment from start to SHUTDOWN (SIGTERM from the kubelet). */
@ApplicationScoped
public class AgentLifecycle {

    private static final Logger LOG = Logger.getLogger(AgentLifecycle.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    AgentConfig config;
    @Inject
    Vertx vertx;

    private ExecutionEnvironment environment;
    private InvokeServer server;

    void start(@Observes StartupEvent event) throws Exception {
        Map<String, String> userEnvironment = userEnvironment(System.getenv());
        EnvironmentSpec spec = new EnvironmentSpec(
                new FunctionIdentity(config.functionName(), config.functionVersion(), config.region(), config.accountId()),
                config.runtime(), config.handler().orElse(null), config.memorySize(), config.timeout(), userEnvironment,
                config.taskRoot(), config.optDirectory(), config.runtimeDirectory(), config.initializationType(),
                "provisioned-concurrency".equals(config.initializationType())
                        ? Duration.ofSeconds(Math.max(130, config.timeout().toSeconds()))
                        : EnvironmentSpec.DEFAULT_INIT_TIMEOUT,
                imageEntryPoint(config));
        RuntimeLaunchers launchers = new RuntimeLaunchers(Interpreters.detect(System.getenv()));
        environment = ExecutionEnvironment.create(vertx, spec, launchers, MemoryLimits.detect(), LogSink.stdout(),
                config.runtimeApiHost(), config.runtimeApiPort()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        // Without eager INIT nothing would ever start the runtime if readiness waited for it.
        InvokeServer.Readiness readiness = config.eagerInit() ? InvokeServer.Readiness.INITIALIZED
                : InvokeServer.Readiness.LISTENING;
        server = InvokeServer.start(vertx, environment, config.invokeHost(), config.invokePort(), readiness)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("agent for %s:%s (%s) takes invocations on %s:%d; Runtime API on %s", config.functionName(),
                config.functionVersion(), config.runtime(), config.invokeHost(), server.port(),
                environment.runtimeApiAddress());
        if (config.eagerInit()) {
            environment.init();
        }
    }

    /**
     * The command line of a container image's runtime: its entrypoint, then its command (or the
     * handler, which is what Lambda's base images take as CMD); null for runtimes that are not images.
     */
    static List<String> imageEntryPoint(AgentConfig config) {
        if (config.imageEntryPoint().isEmpty()) {
            return null;
        }
        List<String> command = new ArrayList<>(jsonArray("KLAMBDA_IMAGE_ENTRY_POINT", config.imageEntryPoint().get()));
        if (config.imageCommand().isPresent()) {
            command.addAll(jsonArray("KLAMBDA_IMAGE_COMMAND", config.imageCommand().get()));
        } else {
            config.handler().ifPresent(command::add);
        }
        return command;
    }

    private static List<String> jsonArray(String variable, String json) {
        try {
            return List.of(JSON.readValue(json, String[].class));
        } catch (IOException e) {
            throw new IllegalArgumentException(variable + " must be a JSON array of strings, not " + json, e);
        }
    }

    void stop(@Observes ShutdownEvent event) throws Exception {
        if (environment != null) {
            environment.shutdown().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    /** The function's own variables: {@code KLAMBDA_ENV_<NAME>=value} becomes {@code <NAME>=value}. */
    static Map<String, String> userEnvironment(Map<String, String> container) {
        Map<String, String> user = new HashMap<>();
        container.forEach((key, value) -> {
            if (key.startsWith(AgentConfig.USER_ENVIRONMENT_PREFIX)
                    && key.length() > AgentConfig.USER_ENVIRONMENT_PREFIX.length()) {
                user.put(key.substring(AgentConfig.USER_ENVIRONMENT_PREFIX.length()), value);
            }
        });
        return user;
    }
}
