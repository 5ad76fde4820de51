package dev.klambda.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;

import dev.klambda.agent.EnvironmentSpec;
import dev.klambda.agent.ExecutionEnvironment;
import dev.klambda.agent.FunctionIdentity;
import dev.klambda.agent.Interpreters;
import dev.klambda.agent.InvokeServer;
import dev.klambda.agent.LogSink;
import dev.klambda.agent.MemoryLimits;
import dev.klambda.agent.RuntimeLaunchers;

/**
 * The direct path of the invoker benchmark, in a process of its own: {@code count} execution
 * environments of a Python function, each behind the agent's own invoke endpoint, as the agents of
 * that many pods would be, logging to stdout as pods do. Prints {@code agents ready on <port>,<port>,...}.
 * Arguments: count, task root, runtime directory.
 */
public final class AgentHost {

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        Path task = Path.of(args[1]);
        Path runtimes = Path.of(args[2]);
        Vertx vertx = Vertx.vertx();
        RuntimeLaunchers launchers = new RuntimeLaunchers(Interpreters.detect(System.getenv()));
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            EnvironmentSpec spec = new EnvironmentSpec(new FunctionIdentity("noop", "$LATEST", "us-east-1", "000000000000"),
                    "python3.12", "handler.handler", 128, Duration.ofSeconds(30), Map.of(), task, task.resolveSibling("opt"),
                    runtimes, null, null);
            ExecutionEnvironment environment = ExecutionEnvironment.create(vertx, spec, launchers, MemoryLimits.sampling(),
                    LogSink.stdout(), 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
            environment.init().toCompletableFuture().get(30, TimeUnit.SECONDS);
            InvokeServer server = InvokeServer.start(vertx, environment, "127.0.0.1", 0).toCompletionStage()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            ports.add(Integer.toString(server.port()));
        }
        System.out.println("agents ready on " + String.join(",", ports));
        Thread.currentThread().join();
    }
}
