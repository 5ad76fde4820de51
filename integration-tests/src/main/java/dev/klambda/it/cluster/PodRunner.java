package dev.klambda.it.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The kubelet's work for one pod: a loopback address as its IP, its volumes as directories, its
 * init containers run in order, then its containers, restarted when they exit and probed for
 * readiness, and its status written back. Every change of the pod's state happens on the pod's
 * own thread, in order; the processes' exits and the probes' answers are handed to it.
 */
final class PodRunner {

    static final String HOST_IP = "127.0.0.1";
    /** Where the agent serves the Runtime API in every pod; it must be free on the pod's address too. */
    static final int RUNTIME_API_PORT = 9001;

    private static final System.Logger LOG = System.getLogger(PodRunner.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(10);
    private static final int FAILURE_LINES = 5;

    private final Kubelet kubelet;
    private final Pod pod;
    private final String id;
    private final Path directory;
    private final ScheduledExecutorService thread;
    private final Map<String, Run> initContainers = new LinkedHashMap<>();
    private final Map<String, Run> containers = new LinkedHashMap<>();
    private final Map<String, PodCondition> conditions = new HashMap<>();

    private volatile String podIP;
    private Instant startTime;
    private PodVolumes volumes;
    private String phase = "Pending";
    private String reason;
    private String message;
    private volatile boolean stopping;
    private PodStatus written;

    /** One container of the pod and its current run. */
    private static final class Run {
        final Container spec;
        volatile ContainerProcess process;
        ContainerState state = new ContainerStateBuilder().withNewWaiting().withReason("PodInitializing").endWaiting()
                .build();
        ContainerState lastState;
        int restartCount;
        boolean ready;
        int successes;
        int failures;

        Run(Container spec) {
            this.spec = spec;
        }

        Path log(Path podDirectory) {
            return podDirectory.resolve("logs").resolve(spec.getName() + ".log");
        }
    }

    PodRunner(Kubelet kubelet, Pod pod) {
        this.kubelet = kubelet;
        this.pod = pod;
        this.id = "Pod(" + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + ")";
        this.directory = kubelet.podDirectory(pod);
        this.thread = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("fake-node-" + pod.getMetadata().getName()).factory());
        pod.getSpec().getInitContainers().forEach(c -> initContainers.put(c.getName(), new Run(c)));
        pod.getSpec().getContainers().forEach(c -> containers.put(c.getName(), new Run(c)));
    }

    /** Starts the pod, on its own thread. */
    void start() {
        thread.execute(this::sandbox);
    }

    /** Every live process of the pod's containers. */
    List<ProcessHandle> processes() {
        List<ProcessHandle> processes = new ArrayList<>();
        for (Run run : runs()) {
            ContainerProcess process = run.process;
            if (process != null) {
                processes.addAll(process.tree());
            }
        }
        return processes;
    }

    /**
     * SIGKILL to every process of the pod; returns once they have exited. Containers restart as
     * after a crash; an init container that is killed fails the pod.
     */
    void kill() {
        List<CompletableFuture<Void>> exits = new ArrayList<>();
        for (Run run : runs()) {
            ContainerProcess process = run.process;
            if (process != null) {
                exits.add(process.kill());
            }
        }
        CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
    }

    /** SIGKILL to every process of the pod, without waiting and for good: the JVM is exiting. */
    void killNow() {
        stopping = true;
        for (Run run : runs()) {
            ContainerProcess process = run.process;
            if (process != null) {
                process.kill();
            }
        }
    }

    /**
     * Stops the pod: SIGTERM to its processes, SIGKILL after {@code grace}. Its status is no longer
     * written (the pod is gone, or the node is closing). Completes when its processes have exited
     * and its address is free again.
     */
    CompletableFuture<Void> stop(Duration grace) {
        stopping = true;
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        thread.execute(() -> {
            List<CompletableFuture<Void>> exits = new ArrayList<>();
            for (Run run : runs()) {
                if (run.process != null && run.process.alive()) {
                    exits.add(run.process.terminate(grace));
                } else if (run.process != null) {
                    exits.add(run.process.kill()); // orphans a crashed agent left behind
                }
            }
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
                if (podIP != null) {
                    kubelet.addresses().release(podIP);
                }
                thread.shutdownNow();
                stopped.complete(null);
            });
        });
        return stopped;
    }

    private List<Run> runs() {
        List<Run> runs = new ArrayList<>(initContainers.values());
        runs.addAll(containers.values());
        return runs;
    }

    // ---- the pod's thread from here on

    private void sandbox() {
        if (stopping) {
            return;
        }
        try {
            if (podIP == null) {
                podIP = kubelet.addresses().allocate(ports());
                startTime = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            }
            volumes = PodVolumes.create(kubelet.client(), pod, directory.resolve("volumes"));
        } catch (PodProblem problem) {
            if (problem.retriable()) {
                waitAndRetry(problem, this::sandbox);
            } else {
                fail(problem.reason(), problem.getMessage());
            }
            return;
        } catch (IOException | RuntimeException e) {
            fail("FailedCreatePodSandBox", e.toString());
            return;
        }
        reason = null;
        message = null;
        LOG.log(System.Logger.Level.DEBUG, "{0} runs on {1}", id, podIP);
        write();
        runInit(0);
    }

    private Set<Integer> ports() {
        Set<Integer> ports = new LinkedHashSet<>();
        for (Container container : pod.getSpec().getContainers()) {
            for (ContainerPort port : container.getPorts()) {
                ports.add(port.getContainerPort());
            }
        }
        ports.add(RUNTIME_API_PORT);
        return ports;
    }

    private void runInit(int index) {
        if (over()) {
            return;
        }
        List<Run> init = List.copyOf(initContainers.values());
        if (index == init.size()) {
            containers.values().forEach(this::startContainer);
            return;
        }
        Run run = init.get(index);
        if (!launch(run, () -> runInit(index))) {
            return;
        }
        ContainerProcess process = run.process;
        process.exit().thenAccept(code -> thread.execute(() -> {
            if (over() || run.process != process) {
                return;
            }
            run.state = terminated(process, code);
            if (code == 0) {
                write();
                runInit(index + 1);
            } else {
                fail("InitContainerFailed", "init container " + run.spec.getName() + " exited with code " + code + ": "
                        + process.tail(FAILURE_LINES));
            }
        }));
    }

    private void startContainer(Run run) {
        if (over() || !launch(run, () -> startContainer(run))) {
            return;
        }
        phase = "Running";
        ContainerProcess process = run.process;
        Probe probe = run.spec.getReadinessProbe();
        run.ready = probe == null;
        run.successes = 0;
        run.failures = 0;
        write();
        if (probe != null) {
            long delay = probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
            thread.schedule(() -> probe(run, process), delay, TimeUnit.SECONDS);
        }
        process.exit().thenAccept(code -> thread.execute(() -> exited(run, process, code)));
    }

    /** The container's process is gone: not ready, and started again (restartPolicy Always) after a backoff. */
    private void exited(Run run, ContainerProcess process, int code) {
        if (over() || run.process != process) {
            return;
        }
        run.ready = false;
        run.lastState = terminated(process, code);
        run.restartCount++;
        // at once the first time, then 0.5 s, 1 s, 2 s ... up to 10 s, as the kubelet's CrashLoopBackOff but shorter
        long delay = run.restartCount == 1 ? 0
                : Math.min(MAX_RESTART_DELAY.toMillis(), 500L << Math.min(10, run.restartCount - 2));
        run.state = new ContainerStateBuilder().withNewWaiting()
                .withReason(delay == 0 ? "ContainerCreating" : "CrashLoopBackOff")
                .endWaiting().build();
        LOG.log(System.Logger.Level.INFO, "{0}: container {1} exited with code {2}; restarting in {3} ms", id,
                run.spec.getName(), code, delay);
        write();
        thread.schedule(() -> startContainer(run), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts a run of {@code container}; false when it cannot start now (and {@code retry} is scheduled, or the pod failed).
     */
    private boolean launch(Run run, Runnable retry) {
        try {
            Map<String, Path> mounts = volumes.mounts(run.spec);
            Map<String, String> env = kubelet.environment(pod, run.spec, mounts, podIP);
            List<String> command = kubelet.command(run.spec, mounts, directory);
            Path workingDirectory = kubelet.workingDirectory(run.spec, mounts, directory);
            int attempt = run.restartCount + 1;
            run.process = ContainerProcess.start(command, env, workingDirectory, run.log(directory),
                    "=== fake-node: " + Instant.now() + " container " + run.spec.getName() + ", run " + attempt + " ===");
            run.state = new ContainerStateBuilder().withNewRunning().withStartedAt(timestamp(run.process.startedAt()))
                    .endRunning().build();
            return true;
        } catch (PodProblem problem) {
            if (problem.retriable()) {
                run.state = new ContainerStateBuilder().withNewWaiting().withReason(problem.reason())
                        .withMessage(problem.getMessage()).endWaiting().build();
                write();
                thread.schedule(retry, RETRY.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                fail(problem.reason(), problem.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            fail("StartError", "cannot start container " + run.spec.getName() + ": " + e);
        }
        return false;
    }

    private void probe(Run run, ContainerProcess process) {
        if (over() || run.process != process || !process.alive()) {
            return;
        }
        Probe probe = run.spec.getReadinessProbe();
        HTTPGetAction get = probe.getHttpGet();
        if (get == null) {
            fail("UnsupportedByFakeNode", "container " + run.spec.getName() + " has a readiness probe other than httpGet"
                    + " (FakeNode does not do this)");
            return;
        }
        URI uri = URI.create("http://" + podIP + ":" + port(run.spec, get) + (get.getPath() == null ? "/" : get.getPath()));
        long timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeout)).GET().build();
        kubelet.http().sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            boolean success = error == null && response.statusCode() >= 200 && response.statusCode() < 400;
            thread.execute(() -> probed(run, process, success));
        });
    }

    private void probed(Run run, ContainerProcess process, boolean success) {
        if (over() || run.process != process) {
            return;
        }
        Probe probe = run.spec.getReadinessProbe();
        if (success) {
            run.successes++;
            run.failures = 0;
            if (!run.ready && run.successes >= orDefault(probe.getSuccessThreshold(), 1)) {
                run.ready = true;
                write();
            }
        } else {
            run.failures++;
            run.successes = 0;
            if (run.ready && run.failures >= orDefault(probe.getFailureThreshold(), 3)) {
                run.ready = false;
                write();
            }
        }
        // more often than periodSeconds, so that tests do not wait for whole seconds
        thread.schedule(() -> probe(run, process), kubelet.options().probePeriod().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static int port(Container container, HTTPGetAction get) {
        if (get.getPort().getIntVal() != null) {
            return get.getPort().getIntVal();
        }
        return container.getPorts().stream().filter(p -> get.getPort().getStrVal().equals(p.getName())).findFirst()
                .map(ContainerPort::getContainerPort).orElseThrow(() -> new IllegalArgumentException(
                        "container " + container.getName() + " has no port named " + get.getPort().getStrVal()));
    }

    /** The pod failed for good: its containers are stopped and it is never started again. */
    private void fail(String why, String what) {
        LOG.log(System.Logger.Level.INFO, "{0} failed: {1}: {2}", id, why, what);
        phase = "Failed";
        reason = why;
        message = what;
        for (Run run : runs()) {
            run.ready = false;
            if (run.process != null && run.process.alive()) {
                run.process.kill();
            }
        }
        write();
    }

    /** Whether nothing more is to be done: the pod is being stopped, or failed for good. */
    private boolean over() {
        return stopping || "Failed".equals(phase);
    }

    private void waitAndRetry(PodProblem problem, Runnable retry) {
        reason = problem.reason();
        message = problem.getMessage();
        write();
        thread.schedule(retry, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void write() {
        if (stopping) {
            return;
        }
        PodStatus status = status();
        if (status.equals(written)) {
            return;
        }
        try {
            kubelet.client().pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .editStatus(current -> new PodBuilder(current).withStatus(status).build());
            written = status;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                LOG.log(System.Logger.Level.WARNING, "cannot write the status of " + id, e);
            }
            // 404: the pod is gone; the kubelet stops it
        }
    }

    private PodStatus status() {
        boolean initialized = initContainers.values().stream().allMatch(r -> r.state.getTerminated() != null
                && r.state.getTerminated().getExitCode() == 0);
        boolean ready = "Running".equals(phase) && containers.values().stream().allMatch(r -> r.ready);
        PodStatusBuilder status = new PodStatusBuilder().withPhase(phase).withReason(reason).withMessage(message)
                .withHostIP(HOST_IP).withHostIPs(new HostIP(HOST_IP))
                .withConditions(condition("PodScheduled", true), condition("Initialized", initialized),
                        condition("ContainersReady", ready), condition("Ready", ready))
                .withInitContainerStatuses(initContainers.values().stream().map(this::containerStatus).toList())
                .withContainerStatuses(containers.values().stream().map(this::containerStatus).toList());
        if (podIP != null) {
            status.withPodIP(podIP).withPodIPs(new PodIP(podIP)).withStartTime(timestamp(startTime));
        }
        return status.build();
    }

    private ContainerStatus containerStatus(Run run) {
        return new ContainerStatusBuilder().withName(run.spec.getName()).withImage(run.spec.getImage())
                .withImageID("fake-node://" + run.spec.getImage())
                .withContainerID(run.process == null ? null : "fake-node://" + run.process.pid())
                .withReady(run.ready).withStarted(run.state.getRunning() != null)
                .withRestartCount(run.restartCount).withState(run.state).withLastState(run.lastState).build();
    }

    /** The condition, with the transition time of the one written before when its status did not change. */
    private PodCondition condition(String type, boolean true_) {
        String value = true_ ? "True" : "False";
        PodCondition previous = conditions.get(type);
        if (previous != null && previous.getStatus().equals(value)) {
            return previous;
        }
        PodCondition condition = new PodConditionBuilder().withType(type).withStatus(value)
                .withLastTransitionTime(timestamp(Instant.now())).build();
        conditions.put(type, condition);
        return condition;
    }

    private static ContainerState terminated(ContainerProcess process, int code) {
        return new ContainerStateBuilder().withNewTerminated().withExitCode(code)
                .withReason(code == 0 ? "Completed" : "Error").withStartedAt(timestamp(process.startedAt()))
                .withFinishedAt(timestamp(Instant.now())).endTerminated().build();
    }

    private static String timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    @Override
    public String toString() {
        return id;
    }
}
