package dev.klambda.bench;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;

import dev.klambda.agent.EnvironmentSpec;
import dev.klambda.agent.ExecutionEnvironment;
import dev.klambda.agent.FunctionIdentity;
import dev.klambda.agent.Interpreters;
import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.agent.MemoryLimits;
import dev.klambda.agent.RuntimeCommand;
import dev.klambda.agent.RuntimeFiles;
import dev.klambda.agent.RuntimeLaunchers;
import dev.klambda.agent.RuntimeVariables;

/**
 * Issue 3's benchmarks, printed as Markdown for bench/RESULTS.md:
 * cold start of the hello functions over fresh environments next to the bare interpreter's
 * start-and-exit, and the agent's warm overhead against a raw Runtime API loop driving the same
 * runtime client.
 */
public final class AgentBenchmarks {

    static final int COLD_RUNS = Integer.getInteger("bench.cold.runs", 30);
    static final int WARM_RUNS = Integer.getInteger("bench.warm.runs", 5000);
    static final int WARM_UP = Integer.getInteger("bench.warm.warmup", 500);

    private final Vertx vertx = Vertx.vertx();
    private final Path work;
    private final Path runtimeDir;
    private final Interpreters interpreters = Interpreters.detect(System.getenv());
    private final RuntimeLaunchers launchers = new RuntimeLaunchers(interpreters);
    private final Path examples;

    AgentBenchmarks(Path examples) throws Exception {
        this.examples = examples;
        this.work = Files.createTempDirectory("klambda-bench-");
        this.runtimeDir = RuntimeFiles.unpack(work.resolve("cache"));
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 && !args[0].isBlank() ? args[0] : "all";
        Path examples = Path.of(System.getProperty("bench.examples", "../examples")).toAbsolutePath().normalize();
        AgentBenchmarks bench = new AgentBenchmarks(examples);
        StringBuilder out = new StringBuilder();
        out.append("## Agent: cold start and warm overhead (").append(LocalDate.now()).append(")\n\n");
        out.append(machine(bench.interpreters)).append('\n');
        if (which.equals("all") || which.equals("cold")) {
            out.append(bench.coldStarts()).append('\n');
        }
        if (which.equals("all") || which.equals("warm")) {
            out.append(bench.warm()).append('\n');
        }
        System.out.println(out);
        bench.vertx.close().toCompletionStage().toCompletableFuture().get();
        System.exit(0);
    }

    private EnvironmentSpec spec(String runtime, String handler, Path task) {
        return new EnvironmentSpec(new FunctionIdentity("bench", "$LATEST", "us-east-1", "000000000000"), runtime, handler, 128,
                Duration.ofSeconds(30), Map.of(), task, work.resolve("opt"), runtimeDir, null, null);
    }

    String coldStarts() throws Exception {
        StringBuilder out = new StringBuilder(
                "### Cold start: first invocation of a fresh environment (" + COLD_RUNS + " each)\n\n")
                .append("Measured from creating the environment to the first response, in-process (no HTTP hop in front); ")
                .append("the bare interpreter is started with the same path and a clean environment in the same run.\n\n")
                .append("| function | cold p50 | cold p95 | bare interpreter p50 | bare p95 | platform share (p50 cold - p50 bare) |\n")
                .append("| --- | --- | --- | --- | --- | --- |\n");
        record Case(String runtime, String handler, Path code, List<String> bare) {
        }
        List<Case> cases = List.of(
                new Case("python3.12", "handler.handler", examples.resolve("hello-python/src"),
                        List.of(interpreters.python().orElseThrow().toString(), "-c", "pass")),
                new Case("nodejs20.x", "index.handler", examples.resolve("hello-node/src"),
                        List.of(interpreters.node().orElseThrow().toString(), "-e", "0")));
        for (Case c : cases) {
            double[] cold = new double[COLD_RUNS];
            double[] bare = new double[COLD_RUNS];
            // warm the page cache and the JIT once, unmeasured
            coldStart(c.runtime(), c.handler(), c.code());
            bareStart(c.bare());
            for (int i = 0; i < COLD_RUNS; i++) {
                bare[i] = bareStart(c.bare());
                cold[i] = coldStart(c.runtime(), c.handler(), c.code());
            }
            Stats coldStats = Stats.of(cold);
            Stats bareStats = Stats.of(bare);
            out.append("| hello-").append(c.runtime().startsWith("python") ? "python" : "node").append(" (").append(c.runtime())
                    .append(") | ").append(coldStats.ms(50)).append(" | ").append(coldStats.ms(95)).append(" | ")
                    .append(bareStats.ms(50)).append(" | ").append(bareStats.ms(95)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f ms",
                            (coldStats.percentile(50) - bareStats.percentile(50)) / 1000.0))
                    .append(" |\n");
        }
        return out.toString();
    }

    private double coldStart(String runtime, String handler, Path code) throws Exception {
        long start = System.nanoTime();
        ExecutionEnvironment environment = ExecutionEnvironment.create(vertx, spec(runtime, handler, code), launchers,
                MemoryLimits.sampling(), line -> {
                }, 0).toCompletableFuture().get();
        InvokeResult result = environment.invoke(InvokeRequest.of(UUID.randomUUID().toString(),
                "{\"name\":\"bench\"}".getBytes(StandardCharsets.UTF_8))).toCompletableFuture().get(30, TimeUnit.SECONDS);
        double micros = (System.nanoTime() - start) / 1000.0;
        if (result.functionError() != null) {
            throw new IllegalStateException("cold start failed: " + new String(result.payload(), StandardCharsets.UTF_8));
        }
        environment.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return micros;
    }

    private static double bareStart(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        long start = System.nanoTime();
        Process process = builder.start();
        process.getInputStream().readAllBytes();
        process.waitFor();
        return (System.nanoTime() - start) / 1000.0;
    }

    String warm() throws Exception {
        Path task = Files.createDirectories(work.resolve("noop"));
        Files.writeString(task.resolve("noop.py"), "def handler(event, context):\n    return None\n");
        EnvironmentSpec spec = spec("python3.12", "noop.handler", task);
        byte[] event = "{}".getBytes(StandardCharsets.UTF_8);

        ExecutionEnvironment agent = ExecutionEnvironment.create(vertx, spec, launchers, MemoryLimits.sampling(), line -> {
        }, 0).toCompletableFuture().get();
        // its own Vert.x, so that it never shares an event loop with the agent
        Vertx rawVertx = Vertx.vertx();
        RawRuntimeApi raw = new RawRuntimeApi(rawVertx);
        RuntimeCommand command = launchers.command(spec);
        Map<String, String> env = RuntimeVariables.forRuntime(spec, "127.0.0.1:" + raw.port(), "bench", command);
        ProcessBuilder builder = new ProcessBuilder(command.command()).directory(task.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process rawRuntime = builder.start();

        for (int i = 0; i < WARM_UP; i++) {
            agent.invoke(InvokeRequest.of("w" + i, event)).toCompletableFuture().get();
            raw.invoke(event).get();
        }
        double[] throughAgent = new double[WARM_RUNS];
        double[] direct = new double[WARM_RUNS];
        // Alternating blocks, so that both see the same machine; each block includes the agent's own
        // after-response work (END/REPORT lines), which overlaps the next invocation as in production.
        int block = 250;
        for (int from = 0; from < WARM_RUNS; from += block) {
            for (int i = from; i < Math.min(WARM_RUNS, from + block); i++) {
                long start = System.nanoTime();
                agent.invoke(InvokeRequest.of("r" + i, event)).toCompletableFuture().get();
                throughAgent[i] = (System.nanoTime() - start) / 1000.0;
            }
            for (int i = from; i < Math.min(WARM_RUNS, from + block); i++) {
                long start = System.nanoTime();
                raw.invoke(event).get();
                direct[i] = (System.nanoTime() - start) / 1000.0;
            }
        }
        rawRuntime.destroyForcibly();
        raw.close();
        rawVertx.close();
        agent.shutdown().toCompletableFuture().get();
        Stats a = Stats.of(throughAgent);
        Stats r = Stats.of(direct);
        return "### Warm invocation: agent vs a raw Runtime API loop (" + WARM_RUNS
                + " each, in alternating blocks of 250, after " + WARM_UP
                + " warm-up)\n\n"
                + "Both drive the same Python runtime client and no-op handler over loopback HTTP; the raw loop only hands "
                + "events over (no lifecycle, timeout, logs, memory sampling or limits).\n\n"
                + "| path | p50 | p99 |\n| --- | --- | --- |\n"
                + "| through the agent | " + a.us(50) + " | " + a.us(99) + " |\n"
                + "| raw Runtime API loop | " + r.us(50) + " | " + r.us(99) + " |\n"
                + "| **agent adds** | **" + String.format(Locale.ROOT, "%.0f µs", a.percentile(50) - r.percentile(50)) + "** | "
                + String.format(Locale.ROOT, "%.0f µs", a.percentile(99) - r.percentile(99)) + " |\n";
    }

    static String machine(Interpreters interpreters) throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        long memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
        List<String> lines = new ArrayList<>();
        lines.add("Machine: " + InetAddress.getLocalHost().getHostName() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores (" + cpu + "), " + (memKb / 1024 / 1024) + " GiB, Linux " + System.getProperty("os.version")
                + ", JDK " + Runtime.version());
        lines.add("Interpreters: python " + interpreters.python().map(Path::toString).orElse("none") + ", node "
                + interpreters.node().map(Path::toString).orElse("none"));
        return String.join("  \n", lines) + "\n";
    }
}
