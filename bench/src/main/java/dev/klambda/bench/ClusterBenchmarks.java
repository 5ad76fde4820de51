package dev.klambda.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.klambda.agent.Interpreters;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.pool.PoolNames;
import dev.klambda.core.status.Conditions;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.AliasSpec;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.function.Runtime;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSpec;
import dev.klambda.it.cluster.ClusterPlatform;
import dev.klambda.it.cluster.FakeNode;
import dev.klambda.it.cluster.ServiceProcess;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/**
 * klambda in cluster mode under the fake-node harness ({@link ClusterPlatform}), printed as Markdown
 * for bench/RESULTS.md: how long an applied Function takes to answer its first invocation, how fast
 * a $LATEST pool grows from 0 to 20 ready environments under 20 concurrent invocations, and the
 * controller's reconcile throughput and heap with 1,000 Functions, each with a Version and an Alias.
 */
public final class ClusterBenchmarks {

    /** BENCH_FIRST_RUNS: functions applied one after another for the first-invocation time. */
    static final int FIRST_RUNS = Integer.parseInt(System.getenv().getOrDefault("BENCH_FIRST_RUNS", "5"));
    /** BENCH_SCALE: concurrent invocations, and so environments, of the scale-up. */
    static final int SCALE = Integer.parseInt(System.getenv().getOrDefault("BENCH_SCALE", "20"));
    /** BENCH_SLEEP: seconds each scale-up invocation runs; longer than the scale-up, so that all overlap. */
    static final int SLEEP_SECONDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_SLEEP", "45"));
    /** BENCH_FUNCTIONS: Functions (each with a Version and an Alias) of the controller benchmark. */
    static final int FUNCTIONS = Integer.parseInt(System.getenv().getOrDefault("BENCH_FUNCTIONS", "1000"));
    /** Threads that create the controller benchmark's objects. */
    static final int CREATORS = 4;
    /** How long the pools of the first-invocation and scale-up runs stay after their last invocation. */
    static final Duration IDLE_TIME = Duration.ofSeconds(15);
    static final String NAMESPACE = ClusterPlatform.TENANT_NAMESPACE;
    static final String HANDLER = """
            import os, time

            def handler(event, context):
                started = time.time()
                if isinstance(event, dict) and event.get("sleep"):
                    time.sleep(event["sleep"])
                return {"started": started, "pod": os.environ.get("HOSTNAME", "")}
            """;
    private static final Pattern STARTED = Pattern.compile("\"started\": ([0-9.]+)");
    /**
     * The Java Operator SDK logs each dispatch of a resource to its reconciler at DEBUG: the controller
     * benchmark counts reconciliations from these lines, since the SDK's per-resource meters make a
     * /q/metrics scrape too big to take at 1,000 functions.
     */
    static final String DISPATCH_LOG_LEVEL = "quarkus.log.category.\"io.javaoperatorsdk.operator.processing.event"
            + ".ReconciliationDispatcher\".level";
    private static final Pattern DISPATCH = Pattern.compile("Handling dispatch for resource name: (\\S+) ");
    /** The mock server logs every request at INFO; held here so that the level set on it stays. */
    private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    private final int cores = java.lang.Runtime.getRuntime().availableProcessors();

    public static void main(String[] args) throws Exception {
        // A line per request on stderr would add the logging's cost to the API server's.
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
        // BENCH_CLUSTER=first|scale|controller runs one of the three.
        String which = System.getenv().getOrDefault("BENCH_CLUSTER", "all");
        Path work = Path.of("target", "cluster-bench", LocalDateTime.now().format(DateTimeFormatter.ofPattern(
                "yyyyMMdd-HHmmss"))).toAbsolutePath();
        ClusterBenchmarks bench = new ClusterBenchmarks();
        StringBuilder out = new StringBuilder();
        out.append("## Cluster: first invocation, scale-up and controller throughput (").append(LocalDate.now())
                .append(")\n\n");
        out.append(AgentBenchmarks.machine(Interpreters.detect(System.getenv())));
        out.append(String.format(Locale.ROOT, "Load average when the run started: %.1f; the work directory (logs): %s%n%n",
                ProcStats.loadAverage(), Path.of("bench").resolve(Path.of("").toAbsolutePath().relativize(work))));
        out.append(bench.setup()).append('\n');
        if (which.equals("all") || which.equals("first") || which.equals("scale")) {
            try (ClusterPlatform platform = ClusterPlatform.start(ClusterPlatform.Options.defaults()
                    .withWorkDirectory(work.resolve("with-node")).withIdleTime(IDLE_TIME).withConcurrencyLimit(100))) {
                String sha256 = bench.storeCode(platform);
                if (!which.equals("scale")) {
                    out.append(bench.firstInvocation(platform, sha256)).append('\n');
                }
                if (!which.equals("first")) {
                    out.append(bench.scaleUp(platform, sha256)).append('\n');
                }
            }
        }
        if (which.equals("all") || which.equals("controller")) {
            try (ClusterPlatform platform = ClusterPlatform.start(ClusterPlatform.Options.defaults()
                    .withWorkDirectory(work.resolve("controller")).withoutFakeNode().withIdleTime(Duration.ofMinutes(10))
                    .withControllerProperty(DISPATCH_LOG_LEVEL, "DEBUG"))) {
                out.append(bench.controllerThroughput(platform)).append('\n');
            }
        }
        System.out.println(out);
        System.exit(0);
    }

    private String setup() {
        return "Setup: `ClusterPlatform` from integration-tests. The fabric8 mock API server (HTTPS, CRUD mode) runs in "
                + "the benchmark's JVM; the controller and the cluster invoker run as JVMs of their own from their "
                + "quarkus-app builds (`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx384m`); the fake node plays the "
                + "Deployment controller and the kubelet and runs each pod as processes on 127.0.0.N: the agent's "
                + "`fetch` init container and `serve` container as JVMs (`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
                + "-Xmx64m`, class data archives) and the Python runtime the agent starts. Functions are applied as "
                + "Function resources through the Kubernetes client, as `kubectl apply` would, with their zip put in "
                + "the code store by SHA-256; invocations go through the AWS SDK for Java to the invoker. Times come "
                + "from watches on the API server, seen by the benchmark. Everything, the load generator included, "
                + "shares the machine's " + cores + " cores.\n";
    }

    /** Puts the handler's zip into the platform's code store; returns its SHA-256 in hex. */
    private String storeCode(ClusterPlatform platform) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("app.py"));
            zip.write(HANDLER.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return new DirectoryCodeStore(platform.codeStore()).put(new ByteArrayInputStream(bytes.toByteArray())).hex();
    }

    private static Function function(String name, String sha256) {
        FunctionSpec spec = new FunctionSpec();
        spec.setRuntime(Runtime.PYTHON_3_12);
        spec.setHandler("app.handler");
        spec.setCode(new Code(null, sha256, null, null, null));
        spec.setMemorySize(128);
        spec.setTimeout(300);
        Function function = new Function();
        function.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        function.setSpec(spec);
        return function;
    }

    // --- a. applied Function to first successful invocation --------------------------------------

    private String firstInvocation(ClusterPlatform platform, String sha256) throws Exception {
        KubernetesClient kubernetes = platform.kubernetes();
        LambdaClient lambda = platform.lambda();
        StringBuilder rows = new StringBuilder();
        List<Double> totals = new ArrayList<>();
        Map<String, List<Double>> phases = new HashMap<>();
        Set<String> errors = new TreeSet<>();
        try (ClusterTimeline timeline = new ClusterTimeline(kubernetes, NAMESPACE)) {
            for (int run = 1; run <= FIRST_RUNS; run++) {
                String name = "first-" + run;
                String pool = PoolNames.pool(name, "$LATEST");
                long start = System.nanoTime();
                kubernetes.resource(function(name, sha256)).create();
                int calls = 0;
                while (true) {
                    calls++;
                    try {
                        InvokeResponse response = lambda.invoke(r -> r.functionName(name).payload(SdkBytes.fromUtf8String(
                                "{}")));
                        if (response.statusCode() == 200 && response.functionError() == null) {
                            break;
                        }
                        errors.add("function error " + response.functionError() + ": "
                                + response.payload().asUtf8String());
                    } catch (LambdaException e) {
                        errors.add(e.awsErrorDetails().errorCode() + " (" + e.statusCode() + ")");
                    }
                    if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(3)) {
                        throw new IllegalStateException(name + " did not answer within 3 minutes: " + errors);
                    }
                    Thread.sleep(10);
                }
                double total = millis(start, System.nanoTime());
                totals.add(total);
                Map<String, OptionalLong> at = new LinkedHashMap<>();
                at.put("Function Active", timeline.active(name));
                at.put("pool scaled to 1", timeline.replicasAtLeast(pool, 1));
                at.put("pod created", timeline.podCreated(pool, 1));
                at.put("pod Ready", timeline.podReady(pool, 1));
                rows.append("| ").append(run);
                for (Map.Entry<String, OptionalLong> phase : at.entrySet()) {
                    OptionalLong time = phase.getValue();
                    rows.append(" | ").append(time.isPresent() ? format(millis(start, time.getAsLong())) : "-");
                    if (time.isPresent()) {
                        phases.computeIfAbsent(phase.getKey(), k -> new ArrayList<>()).add(millis(start, time.getAsLong()));
                    }
                }
                rows.append(" | **").append(format(total)).append("** | ").append(calls).append(" |\n");
                // The next function starts on an idle node: this one's pool is back at zero pods.
                awaitTrue(IDLE_TIME.multipliedBy(6), () -> platform.node().pods(NAMESPACE, pool).isEmpty());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("### a. Applied Function to its first successful invocation (").append(FIRST_RUNS)
                .append(" functions, one after another)\n\n")
                .append("Each run creates a Function resource (python3.12, 128 MB, zip in the code store) and at once "
                        + "calls Invoke in a loop (10 ms apart after an error) until a call succeeds. The pool starts at "
                        + "zero: the waiting call's demand report makes the controller scale it to 1, the fake node "
                        + "creates the pod, runs the fetch init container and then the agent and Python. Times in ms from "
                        + "the create request; the next run starts when this run's pod is gone (idle time ")
                .append(IDLE_TIME.toSeconds()).append(" s).\n\n")
                .append("| run | Function Active | pool scaled to 1 | pod created | pod Ready | first invocation answered "
                        + "| Invoke calls |\n| --- | --- | --- | --- | --- | --- | --- |\n")
                .append(rows);
        out.append("| median");
        for (String phase : List.of("Function Active", "pool scaled to 1", "pod created", "pod Ready")) {
            out.append(" | ").append(format(median(phases.getOrDefault(phase, List.of()))));
        }
        out.append(" | **").append(format(median(totals))).append("** | |\n");
        out.append("\nFirst invocation answered: median **").append(format(median(totals))).append(" ms**, max **")
                .append(format(totals.stream().mapToDouble(Double::doubleValue).max().orElse(0))).append(" ms**.")
                .append(errors.isEmpty() ? "" : " Calls before the successful one got: " + String.join("; ", errors) + ".")
                .append('\n');
        return out.toString();
    }

    // --- b. scale-up from 0 to SCALE ready environments --------------------------------------

    private String scaleUp(ClusterPlatform platform, String sha256) throws Exception {
        KubernetesClient kubernetes = platform.kubernetes();
        LambdaClient lambda = platform.lambda();
        FakeNode node = platform.node();
        String name = "scale";
        String pool = PoolNames.pool(name, "$LATEST");
        try (ClusterTimeline timeline = new ClusterTimeline(kubernetes, NAMESPACE);
                ExecutorService callers = Executors.newFixedThreadPool(SCALE)) {
            kubernetes.resource(function(name, sha256)).create();
            awaitTrue(Duration.ofSeconds(60), () -> timeline.active(name).isPresent()
                    && timeline.replicasAtLeast(pool, 0).isPresent());
            awaitTrue(Duration.ofSeconds(60), () -> lambda.getFunction(r -> r.functionName(name)).configuration() != null);
            long availableBefore = ProcStats.memAvailableBytes();
            ProcStats.MachineCpu cpuBefore = ProcStats.MachineCpu.now();
            long start = System.nanoTime();
            long startWall = System.currentTimeMillis();
            List<Future<double[]>> calls = new ArrayList<>();
            for (int i = 0; i < SCALE; i++) {
                calls.add(callers.submit(() -> {
                    InvokeResponse response = lambda.invoke(r -> r.functionName(name)
                            .payload(SdkBytes.fromUtf8String("{\"sleep\": " + SLEEP_SECONDS + "}")));
                    long answered = System.nanoTime();
                    String payload = response.payload().asUtf8String();
                    Matcher started = STARTED.matcher(payload);
                    if (response.functionError() != null || !started.find()) {
                        throw new IllegalStateException("invocation failed: " + response.functionError() + " " + payload);
                    }
                    return new double[] { Double.parseDouble(started.group(1)) * 1000 - startWall,
                            millis(start, answered) };
                }));
            }
            // Resident memory of the pods' processes, sampled until the calls end; its peak is reported.
            long peakPods = 0;
            long peakAgents = 0;
            long minAvailable = availableBefore;
            ProcStats.MachineCpu cpuAtReady = null;
            double loadAtReady = 0;
            long deadline = start + TimeUnit.MINUTES.toNanos(5) + TimeUnit.SECONDS.toNanos(SLEEP_SECONDS);
            while (calls.stream().anyMatch(f -> !f.isDone()) && System.nanoTime() < deadline) {
                long agents = 0;
                long all = 0;
                for (Pod pod : node.pods(NAMESPACE, pool)) {
                    for (ProcessHandle process : node.processes(pod)) {
                        long rss = ProcStats.rssBytes(process.pid());
                        all += rss;
                        if (process.info().command().map(c -> c.endsWith("java")).orElse(false)) {
                            agents += rss;
                        }
                    }
                }
                if (all > peakPods) {
                    peakPods = all;
                    peakAgents = agents;
                }
                minAvailable = Math.min(minAvailable, ProcStats.memAvailableBytes());
                if (cpuAtReady == null && timeline.readyPods(pool) >= SCALE) {
                    cpuAtReady = ProcStats.MachineCpu.now();
                    loadAtReady = ProcStats.loadAverage();
                }
                Thread.sleep(500);
            }
            List<double[]> results = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (Future<double[]> call : calls) {
                try {
                    results.add(call.get(1, TimeUnit.SECONDS));
                } catch (Exception e) {
                    failures.add(String.valueOf(e.getCause() == null ? e : e.getCause()));
                }
            }
            int ready = timeline.readyPods(pool);
            StringBuilder out = new StringBuilder();
            out.append("### b. Scale-up: ").append(SCALE)
                    .append(" concurrent invocations of a function whose pool is at zero\n\n")
                    .append("A Function applied as above and Active, its $LATEST pool at 0 replicas; then ").append(SCALE)
                    .append(" Invoke calls at once, each sleeping ").append(SLEEP_SECONDS)
                    .append(" s in the handler, so that all overlap. The invoker reports the waiting calls, the "
                            + "controller sizes the Deployment from that demand, the fake node starts the pods. Times in "
                            + "ms from the first call; an invocation's start is the handler's own clock.\n\n")
                    .append("| Deployment asks for ").append(SCALE).append(" | first pod created | first pod Ready | ")
                    .append(SCALE / 2).append("th pod Ready | ").append(SCALE)
                    .append("th pod Ready | first invocation started | all ")
                    .append(SCALE).append(" started | all answered |\n")
                    .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
            out.append("| ").append(at(start, timeline.replicasAtLeast(pool, SCALE)))
                    .append(" | ").append(at(start, timeline.podCreated(pool, 1)))
                    .append(" | ").append(at(start, timeline.podReady(pool, 1)))
                    .append(" | ").append(at(start, timeline.podReady(pool, Math.max(1, SCALE / 2))))
                    .append(" | **").append(at(start, timeline.podReady(pool, SCALE))).append("**");
            if (results.size() == SCALE) {
                out.append(" | ").append(format(results.stream().mapToDouble(r -> r[0]).min().orElse(0)))
                        .append(" | **").append(format(results.stream().mapToDouble(r -> r[0]).max().orElse(0)))
                        .append("** | ").append(format(results.stream().mapToDouble(r -> r[1]).max().orElse(0)))
                        .append(" |\n");
            } else {
                out.append(" | - | - | - |\n");
            }
            out.append('\n');
            if (!failures.isEmpty()) {
                out.append(failures.size()).append(" of ").append(SCALE).append(" calls failed: ")
                        .append(failures.stream().distinct().limit(3).toList()).append("; ").append(ready)
                        .append(" pods turned Ready.\n\n");
            }
            String cpu = cpuAtReady == null ? "(not all pods turned Ready)"
                    : String.format(Locale.ROOT, "%.2f of %d cores busy on average (the whole machine, from /proc/stat:"
                            + " %.0f CPU-seconds, %.1f per pod), load average %.1f when the last pod turned Ready",
                            cpuAtReady.coresBusySince(cpuBefore, cores), cores, cpuAtReady.busy() - cpuBefore.busy(),
                            (cpuAtReady.busy() - cpuBefore.busy()) / SCALE, loadAtReady);
            out.append(String.format(Locale.ROOT, "Machine while the pool grew: %s. Peak resident memory of the %d "
                    + "pods' processes: %.0f MiB (agent JVMs %.0f MiB, %.0f MiB per pod; Python runtimes %.0f MiB); the "
                    + "machine's available memory fell by at most %.0f MiB.%n", cpu, SCALE, mib(peakPods), mib(peakAgents),
                    mib(peakAgents) / SCALE, mib(peakPods - peakAgents), mib(availableBefore - minAvailable)));
            return out.toString();
        }
    }

    // --- c. controller throughput and heap ---------------------------------------------------

    private String controllerThroughput(ClusterPlatform platform) throws Exception {
        KubernetesClient kubernetes = platform.kubernetes();
        String sha256 = storeCode(platform);
        long controllerPid = platform.controller().pid();
        Map<String, Integer> dispatchesBefore = dispatches(platform.controller().logs());
        ClusterPlatform.ApiServerLoad loadBefore = platform.apiServerLoad();
        double controllerCpuBefore = ProcStats.cpuSeconds(controllerPid);
        double invokerCpuBefore = ProcStats.cpuSeconds(platform.invoker().pid());
        double benchCpuBefore = benchCpuSeconds();
        ProcStats.MachineCpu machineBefore = ProcStats.MachineCpu.now();

        ReadyWatch functions = new ReadyWatch(kubernetes, Function.class,
                f -> f.getStatus() == null ? null : f.getStatus().conditions());
        ReadyWatch versions = new ReadyWatch(kubernetes, Version.class,
                v -> v.getStatus() == null ? null : v.getStatus().conditions());
        ReadyWatch aliases = new ReadyWatch(kubernetes, Alias.class,
                a -> a.getStatus() == null ? null : a.getStatus().conditions());
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService creators = Executors.newFixedThreadPool(CREATORS)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < CREATORS; t++) {
                done.add(creators.submit(() -> {
                    for (int i = next.getAndIncrement(); i < FUNCTIONS; i = next.getAndIncrement()) {
                        String name = String.format(Locale.ROOT, "fn-%04d", i);
                        kubernetes.resource(function(name, sha256)).create();
                        Version version = new Version();
                        version.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name + "-v1").build());
                        version.setSpec(new VersionSpec(name, null, null, null, null, null, null));
                        kubernetes.resource(version).create();
                        Alias alias = new Alias();
                        alias.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name + "-live").build());
                        alias.setSpec(new AliasSpec(name, "live", "1", null, null, null, null, null));
                        kubernetes.resource(alias).create();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        long created = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(30);
        while ((functions.ready() < FUNCTIONS || versions.ready() < FUNCTIONS || aliases.ready() < FUNCTIONS)
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        long end = Math.max(functions.lastReady(), Math.max(versions.lastReady(), aliases.lastReady()));
        boolean complete = functions.ready() >= FUNCTIONS && versions.ready() >= FUNCTIONS && aliases.ready() >= FUNCTIONS;
        if (!complete) {
            end = System.nanoTime();
        }
        double seconds = (end - start) / 1e9;
        double controllerCpu = ProcStats.cpuSeconds(controllerPid) - controllerCpuBefore;
        double invokerCpu = ProcStats.cpuSeconds(platform.invoker().pid()) - invokerCpuBefore;
        double benchCpu = benchCpuSeconds() - benchCpuBefore;
        double machineBusy = ProcStats.MachineCpu.now().coresBusySince(machineBefore, cores);
        ClusterPlatform.ApiServerLoad load = platform.apiServerLoad();
        String controllerLog = platform.controller().logs();
        functions.close();
        versions.close();
        aliases.close();

        // The controller's heap once the work is done: the live objects a full collection leaves (the class
        // histogram runs one first), and what the JVM has committed.
        Thread.sleep(2000);
        String histogram = jcmd(controllerPid, "GC.class_histogram");
        String heapInfo = jcmd(controllerPid, "GC.heap_info");
        long liveHeap = histogramTotal(histogram);
        long committedHeap = committedHeap(heapInfo);
        long controllerRss = ProcStats.rssBytes(controllerPid);
        System.gc();
        long benchHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int deployments = kubernetes.apps().deployments().inNamespace(NAMESPACE).list().getItems().size();
        int events = kubernetes.v1().events().inNamespace(NAMESPACE).list().getItems().size();

        Map<String, Integer> reconciles = dispatches(controllerLog);
        dispatchesBefore.forEach((kind, count) -> reconciles.merge(kind, -count, Integer::sum));
        double reconcileTotal = reconciles.values().stream().mapToInt(Integer::intValue).sum();
        long failedTotal = controllerLog.lines().filter(l -> l.contains("Uncaught error during event processing")).count();
        String scrape = scrape(platform.controller());
        long requests = load.totalRequests() - loadBefore.totalRequests();
        double apiCpu = load.cpuTime().minus(loadBefore.cpuTime()).toNanos() / 1e9;

        StringBuilder out = new StringBuilder();
        out.append("### c. Controller: ").append(FUNCTIONS).append(" Functions, each with a Version and an Alias (no pods)\n\n")
                .append("Without the fake node: Deployments are only objects in the API server, and every pool stays at "
                        + "zero. One zip in the code store, named by all Functions. ")
                .append(CREATORS).append(" threads of the benchmark create, per function, the Function, a Version "
                        + "naming only its function (the controller freezes $LATEST into it as version 1) and an Alias "
                        + "`live` pointing at version 1. Done when every Function and Version is Ready (CodeAvailable, "
                        + "PoolAvailable, Published) and every Alias Ready (RoutingResolved), each for its current "
                        + "generation. Reconciliations are the Java Operator SDK's dispatches to a reconciler, counted "
                        + "from its DEBUG log line (retries included).\n\n");
        if (!complete) {
            out.append("**Not complete after 30 minutes**: ").append(functions.ready()).append(" Functions, ")
                    .append(versions.ready()).append(" Versions, ").append(aliases.ready()).append(" Aliases Ready.\n\n");
        }
        out.append("| created (client) | all Functions Ready | all Versions Ready | all Aliases Ready | reconciliations "
                + "| reconciliations/s | objects Ready/s |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        out.append("| ").append(format(millis(start, created) / 1000, 1)).append(" s | ")
                .append(format(millis(start, functions.lastReady()) / 1000, 1)).append(" s | ")
                .append(format(millis(start, versions.lastReady()) / 1000, 1)).append(" s | ")
                .append(format(millis(start, aliases.lastReady()) / 1000, 1)).append(" s | ")
                .append(String.format(Locale.ROOT, "%.0f (%s)", reconcileTotal, describe(reconciles)))
                .append(failedTotal > 0 ? String.format(Locale.ROOT, ", %d failed and retried", failedTotal) : "")
                .append(" | **")
                .append(format(reconcileTotal / seconds, 1)).append("** | ")
                .append(format((functions.ready() + versions.ready() + aliases.ready()) / seconds, 1)).append(" |\n\n");
        out.append(String.format(Locale.ROOT, "CPU over the %.1f s: controller %.1f s (%.2f cores, %.2f ms per "
                + "reconciliation), invoker %.1f s, the benchmark's JVM %.1f s of which the mock API server's %d "
                + "thread(s) %.1f s (%.2f cores; %d requests: %s); the whole machine %.2f of %d cores busy, %.2f of them by "
                + "other processes than these three.%n%n",
                seconds, controllerCpu, controllerCpu / seconds, reconcileTotal == 0 ? 0
                        : controllerCpu / reconcileTotal
                                * 1000,
                invokerCpu, benchCpu, load.threads(), apiCpu, apiCpu / seconds, requests, describeRequests(loadBefore,
                        load),
                machineBusy, cores, Math.max(0, machineBusy - (controllerCpu + invokerCpu + benchCpu) / seconds)));
        out.append(String.format(Locale.ROOT, "Controller heap: **%.1f MiB live** after a full GC (`jcmd "
                + "GC.class_histogram`), %.0f MiB committed (`-Xmx384m`), resident memory %.0f MiB. Largest in the live "
                + "heap: %s. The API server then held %d Functions, %d Versions, %d Aliases, %d Deployments and %d "
                + "Events in namespace %s; the benchmark's JVM heap (the mock server's store, the benchmark's watches) "
                + "was %.0f MiB after a GC.%n%n",
                mib(liveHeap), mib(committedHeap), mib(controllerRss), largest(histogram, 4), FUNCTIONS, FUNCTIONS,
                FUNCTIONS, deployments, events, NAMESPACE, mib(benchHeap)));
        out.append("A Prometheus scrape of the controller's /q/metrics afterwards: ").append(scrape).append('\n');
        Files.writeString(platform.options().workDirectory().resolve("controller-class-histogram.txt"), histogram);
        Files.writeString(platform.options().workDirectory().resolve("controller-heap-info.txt"), heapInfo);
        return out.toString();
    }

    /** Counts the primaries of one kind that are Ready for their current generation, and when the last one turned so. */
    private static final class ReadyWatch implements AutoCloseable {

        private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
        private final SharedIndexInformer<?> informer;

        <T extends HasMetadata> ReadyWatch(KubernetesClient client, Class<T> type,
                java.util.function.Function<T, List<Condition>> conditions) {
            informer = client.resources(type).inNamespace(NAMESPACE).inform(new ResourceEventHandler<T>() {
                @Override
                public void onAdd(T object) {
                    seen(object);
                }

                @Override
                public void onUpdate(T before, T after) {
                    seen(after);
                }

                @Override
                public void onDelete(T object, boolean unknownFinalState) {
                    readyAt.remove(object.getMetadata().getName());
                }

                private void seen(T object) {
                    if (Conditions.isTrue(conditions.apply(object), "Ready", object.getMetadata().getGeneration())) {
                        readyAt.putIfAbsent(object.getMetadata().getName(), System.nanoTime());
                    }
                }
            }, 0);
        }

        int ready() {
            return readyAt.size();
        }

        long lastReady() {
            return readyAt.values().stream().mapToLong(Long::longValue).max().orElse(System.nanoTime());
        }

        @Override
        public void close() {
            informer.stop();
        }
    }

    // --- helpers ------------------------------------------------------------------------------

    /** Dispatches to a reconciler in a controller log, by the kind this benchmark's names say. */
    private static Map<String, Integer> dispatches(String log) {
        Map<String, Integer> counts = new TreeMap<>();
        Matcher dispatch = DISPATCH.matcher(log);
        while (dispatch.find()) {
            String name = dispatch.group(1);
            counts.merge(name.endsWith("-v1") ? "Version" : name.endsWith("-live") ? "Alias" : "Function", 1,
                    Integer::sum);
        }
        return counts;
    }

    /** What a Prometheus scrape of the service's /q/metrics gets: its size and time, or why it failed. */
    private static String scrape(ServiceProcess service) throws InterruptedException {
        long start = System.nanoTime();
        try {
            HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    service.url() + "/q/metrics")).timeout(Duration.ofSeconds(120)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            String took = format(millis(start, System.nanoTime()));
            if (response.statusCode() != 200) {
                return "HTTP " + response.statusCode() + " after " + took + " ms"
                        + (service.logs().contains("OutOfMemoryError") ? ", the controller ran out of heap "
                                + "(`java.lang.OutOfMemoryError: Java heap space` in its log)." : ".");
            }
            long samples = new String(response.body(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).count();
            return String.format(Locale.ROOT, "%d samples, %.1f MiB, in %s ms.", samples, mib(response.body().length),
                    took);
        } catch (IOException e) {
            return "failed after " + format(millis(start, System.nanoTime())) + " ms: " + e + ".";
        }
    }

    /** The {@code count} classes with the most live bytes in a {@code GC.class_histogram}, with their MiB. */
    private static String largest(String histogram, int count) {
        Matcher row = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)").matcher(histogram);
        List<String> top = new ArrayList<>();
        while (row.find() && top.size() < count) {
            top.add(String.format(Locale.ROOT, "`%s` %.1f MiB (%s instances)", row.group(3), mib(Long.parseLong(row
                    .group(2))), row.group(1)));
        }
        return String.join(", ", top);
    }

    /** The bytes of all live objects in a {@code GC.class_histogram}: its {@code Total} line. */
    private static long histogramTotal(String histogram) {
        Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histogram);
        return total.find() ? Long.parseLong(total.group(1)) : 0;
    }

    /** The heap the JVM has committed, from {@code GC.heap_info}: its generations' or heap's {@code total}. */
    private static long committedHeap(String heapInfo) {
        long total = 0;
        Matcher space = Pattern.compile("(?m)^\\s*(?!Metaspace|class space)\\S.*?total (\\d+)K, used \\d+K").matcher(heapInfo);
        while (space.find()) {
            total += Long.parseLong(space.group(1)) * 1024;
        }
        return total;
    }

    private static String describe(Map<String, Integer> counts) {
        List<String> parts = new ArrayList<>();
        counts.forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    private static String describeRequests(ClusterPlatform.ApiServerLoad before, ClusterPlatform.ApiServerLoad after) {
        List<String> parts = new ArrayList<>();
        after.requests().forEach((method, count) -> {
            long grown = count - before.requests().getOrDefault(method, 0L);
            if (grown > 0) {
                parts.add(method + " " + grown);
            }
        });
        return String.join(", ", parts);
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(60, TimeUnit.SECONDS);
        return output;
    }

    private static double benchCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime()
                / 1e9;
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private static double millis(long from, long to) {
        return (to - from) / 1e6;
    }

    private static String at(long start, OptionalLong time) {
        return time.isPresent() ? format(millis(start, time.getAsLong())) : "-";
    }

    private static String format(double millis) {
        return String.format(Locale.ROOT, "%.0f", millis);
    }

    private static String format(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double mib(double bytes) {
        return bytes / 1024 / 1024;
    }
}
