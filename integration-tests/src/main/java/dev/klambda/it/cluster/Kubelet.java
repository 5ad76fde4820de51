package dev.klambda.it.cluster;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import dev.klambda.agent.Interpreters;
import dev.klambda.agent.RuntimeFiles;

/**
 * The kubelet of a fake node: runs the pods bound to it ({@code spec.nodeName}) and stops them
 * when they are deleted. Every container runs the klambda agent's JVM build, in the mode its
 * command names, with what the image would have given it (see {@link #environment}).
 */
final class Kubelet implements ResourceEventHandler<Pod> {

    /** The working directory of the runtime images (their WORKDIR); the agent image's is /. */
    static final String WORKING_DIRECTORY = "/var/task";
    static final String AGENT_EXECUTABLE = "klambda-agent";

    private static final System.Logger LOG = System.getLogger(Kubelet.class.getName());

    private final KubernetesClient client;
    private final FakeNode.Options options;
    private final LoopbackAddresses addresses;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Map<String, String> imageEnvironment;
    private final Map<String, String> machineEnvironment;
    private final Map<String, PodRunner> pods = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Kubelet(KubernetesClient client, FakeNode.Options options) {
        this.client = client;
        this.options = options;
        this.addresses = new LoopbackAddresses(options.firstAddress());
        this.imageEnvironment = imageEnvironment();
        this.machineEnvironment = machineEnvironment(options);
    }

    /**
     * What klambda's images set (runtimes/images/*&#47;Dockerfile): where the runtime clients are
     * (unpacked from klambda-runtimes, as standalone mode does), the interpreters (those of this
     * machine), and the task root and opt directory at their paths in the pod, which the mounts
     * then turn into the pod's local directories.
     */
    private static Map<String, String> imageEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LANG", "C.UTF-8");
        env.put("KLAMBDA_TASK_ROOT", "/var/task");
        env.put("KLAMBDA_OPT_DIRECTORY", "/opt");
        env.put("KLAMBDA_FETCH_TASK_ROOT", "/var/task");
        env.put("KLAMBDA_FETCH_OPT_DIRECTORY", "/opt");
        return env;
    }

    /**
     * What stands in for the image's files: paths on this machine (the runtime clients, the
     * interpreters, PATH), which are never paths in the pod, even when they happen to lie under a
     * mount point such as /tmp.
     */
    private static Map<String, String> machineEnvironment(FakeNode.Options options) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("KLAMBDA_RUNTIME_DIRECTORY", RuntimeFiles.unpack(options.workDirectory().resolve("runtimes")).toString());
        Interpreters interpreters = Interpreters.detect(System.getenv());
        interpreters.python().ifPresent(python -> env.put("KLAMBDA_PYTHON", python.toString()));
        interpreters.node().ifPresent(node -> env.put("KLAMBDA_NODE", node.toString()));
        env.put("KLAMBDA_JAVA", options.java().toString());
        return env;
    }

    KubernetesClient client() {
        return client;
    }

    FakeNode.Options options() {
        return options;
    }

    LoopbackAddresses addresses() {
        return addresses;
    }

    HttpClient http() {
        return http;
    }

    Path podDirectory(Pod pod) {
        return options.workDirectory().resolve("pods").resolve(pod.getMetadata().getNamespace())
                .resolve(pod.getMetadata().getName());
    }

    PodRunner runner(Pod pod) {
        return pods.get(pod.getMetadata().getUid());
    }

    /**
     * The environment of a container's process: the image's variables, then the container's own
     * (Secrets and ConfigMaps resolved), then the pod's address for the agent to listen on, every
     * value that is a path under one of the container's mounts turned into the local path.
     */
    Map<String, String> environment(Pod pod, Container container, Map<String, Path> mounts, String podIP)
            throws PodProblem {
        Map<String, String> env = new LinkedHashMap<>(imageEnvironment);
        env.putAll(ContainerEnvironment.resolve(client, pod, container, podIP, PodRunner.HOST_IP));
        env.replaceAll((name, value) -> PodVolumes.rewrite(value, mounts));
        // local paths already: rewriting them would move a checkout under /tmp into the pod's /tmp volume
        machineEnvironment.forEach(env::putIfAbsent);
        env.putIfAbsent("HOME", podDirectory(pod).toString());
        env.putIfAbsent("TMPDIR", temporaryDirectory(pod, mounts).toString());
        env.put("KLAMBDA_INVOKE_HOST", podIP);
        env.put("KLAMBDA_RUNTIME_API_HOST", podIP);
        return env;
    }

    /**
     * The command line of a container: this JVM's java with the agent's jar, and the agent's mode
     * and arguments from the container's command, e.g. {@code ["/klambda-agent", "fetch"]}, or
     * none (the runtime image's entrypoint, the agent serving).
     *
     * @throws PodProblem when the container runs something other than the agent
     */
    List<String> command(Container container, Map<String, Path> mounts, Path podDirectory) throws PodProblem {
        List<String> arguments = new ArrayList<>();
        List<String> command = container.getCommand();
        if (!command.isEmpty()) {
            if (!command.getFirst().endsWith("/" + AGENT_EXECUTABLE) && !command.getFirst().equals(AGENT_EXECUTABLE)) {
                throw PodProblem.unsupported("container " + container.getName() + " runs " + command.getFirst()
                        + "; only the klambda agent can run");
            }
            arguments.addAll(command.subList(1, command.size()));
        }
        arguments.addAll(container.getArgs());
        List<String> line = new ArrayList<>();
        line.add(options.java().toString());
        line.addAll(options.jvmFlags());
        if (options.classDataArchives()) {
            // one per mode: an archive made by fetch, which never starts Quarkus, would do little for serve
            String mode = arguments.isEmpty() || arguments.getFirst().startsWith("-") ? "serve" : arguments.getFirst();
            line.add("-XX:SharedArchiveFile=" + options.agentJar().resolveSibling("fake-node-agent-" + mode + ".jsa"));
            line.add("-XX:+AutoCreateSharedArchive");
            // it says what it leaves out of an archive it writes, on stdout, into the container's log
            line.add("-Xlog:cds=off");
            line.add("-Xlog:cds+dynamic=off");
        }
        line.add("-Djava.io.tmpdir=" + temporaryDirectory(podDirectory, mounts));
        line.add("-jar");
        line.add(options.agentJar().toString());
        arguments.forEach(argument -> line.add(PodVolumes.rewrite(argument, mounts)));
        return line;
    }

    /** Where the container's process starts: its workingDir, else the runtime images' /var/task, as a local path. */
    Path workingDirectory(Container container, Map<String, Path> mounts, Path podDirectory) {
        String inPod = container.getWorkingDir() == null ? WORKING_DIRECTORY : container.getWorkingDir();
        String local = PodVolumes.rewrite(inPod, mounts);
        return local.equals(inPod) ? podDirectory : Path.of(local);
    }

    private Path temporaryDirectory(Pod pod, Map<String, Path> mounts) {
        return temporaryDirectory(podDirectory(pod), mounts);
    }

    private static Path temporaryDirectory(Path podDirectory, Map<String, Path> mounts) {
        return mounts.getOrDefault("/tmp", podDirectory);
    }

    @Override
    public void onAdd(Pod pod) {
        if (closed || !options.nodeName().equals(pod.getSpec().getNodeName())
                || pod.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return;
        }
        pods.computeIfAbsent(pod.getMetadata().getUid(), uid -> {
            PodRunner runner = new PodRunner(this, pod);
            runner.start();
            return runner;
        });
    }

    @Override
    public void onUpdate(Pod before, Pod after) {
        if (after.getMetadata().getDeletionTimestamp() != null) {
            stop(after);
        } else {
            onAdd(after);
        }
    }

    @Override
    public void onDelete(Pod pod, boolean finalStateUnknown) {
        stop(pod);
    }

    private void stop(Pod pod) {
        PodRunner runner = pods.remove(pod.getMetadata().getUid());
        if (runner != null) {
            long seconds = pod.getSpec().getTerminationGracePeriodSeconds() == null ? 30
                    : pod.getSpec().getTerminationGracePeriodSeconds();
            Duration grace = Duration.ofSeconds(seconds);
            runner.stop(grace.compareTo(options.maxTerminationGrace()) < 0 ? grace : options.maxTerminationGrace())
                    .whenComplete((ignored, error) -> LOG.log(System.Logger.Level.DEBUG, "{0} stopped", runner));
        }
    }

    /** SIGKILL to every pod's processes, without waiting: the JVM is exiting. */
    void killAll() {
        closed = true;
        pods.values().forEach(PodRunner::killNow);
    }

    /** Stops every pod, SIGTERM then SIGKILL after {@code grace}; returns when their processes have exited. */
    void close(Duration grace) {
        closed = true;
        Collection<PodRunner> runners = List.copyOf(pods.values());
        pods.clear();
        CompletableFuture.allOf(runners.stream().map(runner -> runner.stop(grace)).toArray(CompletableFuture[]::new))
                .join();
    }
}
