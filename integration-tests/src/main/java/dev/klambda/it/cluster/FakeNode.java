package dev.klambda.it.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * A Kubernetes node for tests, against an API server that runs nothing (the fabric8 mock server
 * in CRUD mode): it plays the Deployment controller for Deployments labelled
 * {@code app.kubernetes.io/managed-by=klambda}, and the kubelet for the pods bound to it. Each pod
 * gets its own loopback address, 127.0.0.N, as its IP, and runs its containers as local
 * processes of the klambda agent (the JVM build of {@code agent/main}), so that whoever reads the
 * pods' IPs reaches each pod at {@code http://<podIP>:8080}, as in a cluster.
 *
 * <p>
 * What a pod gets:
 * <ul>
 * <li>Volumes as directories under {@code <work directory>/pods/<namespace>/<pod>/volumes}: emptyDir
 * empty, ConfigMap and Secret volumes with their keys as files. The agent is told the local
 * directories instead of the mount paths ({@code KLAMBDA_TASK_ROOT}, {@code KLAMBDA_FETCH_TASK_ROOT},
 * ...; any variable or argument that is a path under a mount is rewritten).
 * <li>What klambda's runtime images would give the agent: the runtime clients (unpacked from
 * klambda-runtimes, as in standalone mode) as {@code KLAMBDA_RUNTIME_DIRECTORY}, and this
 * machine's interpreters as {@code KLAMBDA_PYTHON}, {@code KLAMBDA_NODE} and {@code KLAMBDA_JAVA}.
 * <li>{@code KLAMBDA_INVOKE_HOST} and {@code KLAMBDA_RUNTIME_API_HOST} set to its address; the ports
 * stay those of a pod (8080, 9001).
 * <li>Init containers in order (the pod is Pending meanwhile); one that fails fails the pod,
 * with its exit code and last lines of output in the status message, and the Deployment
 * replaces the pod after a backoff.
 * <li>Containers restarted when their process exits (restartPolicy Always), not ready until the
 * readiness probe ({@code httpGet} on the pod's address) passes again. Probes run every
 * {@link Options#probePeriod()}, more often than a kubelet would.
 * <li>On deletion, SIGTERM to its processes, SIGKILL after the pod's grace period (at most
 * {@link Options#maxTerminationGrace()}).
 * <li>The output of each container in {@code <pod directory>/logs/<container>.log}.
 * </ul>
 */
public final class FakeNode implements AutoCloseable {

    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "klambda";

    private final KubernetesClient client;
    private final Options options;
    private final Kubelet kubelet;
    private final DeploymentController deployments;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    /** Kills the pods' processes if the tests' JVM exits without closing this node: they would hold their addresses. */
    private final Thread killOnExit;

    /**
     * How a fake node runs pods.
     *
     * @param agentJar the agent's {@code quarkus-run.jar}
     * @param workDirectory where pods' directories (volumes, logs) and the runtime clients go
     * @param nodeName the node pods are bound to ({@code spec.nodeName})
     * @param java the java executable that runs the agent (and java runtimes)
     * @param jvmFlags the agent JVM's flags: made to start fast
     * @param classDataArchives whether the agent JVMs share a class data archive per mode ({@code serve},
     *        {@code fetch}) beside the agent's jar, made by the first agent of that mode that exits after the jar
     *        changed: about a third off every later start
     * @param firstAddress N of the first pod address 127.0.0.N
     * @param probePeriod how often readiness probes run
     * @param maxTerminationGrace the longest a deleted pod's processes get between SIGTERM and SIGKILL
     * @param failureBackoff how long a failed pod of a Deployment stays before its replacement (doubling with each
     *        failure)
     */
    public record Options(Path agentJar, Path workDirectory, String nodeName, Path java, List<String> jvmFlags,
            boolean classDataArchives, int firstAddress, Duration probePeriod, Duration maxTerminationGrace,
            Duration failureBackoff) {

        /** Where the agent's jar is when tests run in this module (Maven's working directory is the module's). */
        public static final Path AGENT_JAR = Path.of("../agent/main/target/quarkus-app/quarkus-run.jar");

        public Options {
            jvmFlags = List.copyOf(jvmFlags);
        }

        /**
         * The agent of this checkout ({@link #AGENT_JAR}), run by the java running the tests,
         * with class data archives, pods under {@code target/fake-node/<time>} (kept after the tests, for
         * their logs), addresses
         * from 127.0.0.2, probes every 100 ms, grace at most 5 s, failed pods replaced after 1 s.
         */
        public static Options defaults() {
            Path java = ProcessHandle.current().info().command().map(Path::of)
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
            Path work = Path.of("target", "fake-node", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss"))
                    + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36));
            return new Options(AGENT_JAR, work, "fake-node", java, fastStartFlags(), true, 2, Duration.ofMillis(100),
                    Duration.ofSeconds(5), Duration.ofSeconds(1));
        }

        public Options withAgentJar(Path agentJar) {
            return new Options(agentJar, workDirectory, nodeName, java, jvmFlags, classDataArchives, firstAddress, probePeriod,
                    maxTerminationGrace, failureBackoff);
        }

        public Options withWorkDirectory(Path workDirectory) {
            return new Options(agentJar, workDirectory, nodeName, java, jvmFlags, classDataArchives, firstAddress, probePeriod,
                    maxTerminationGrace, failureBackoff);
        }

        public Options withFirstAddress(int firstAddress) {
            return new Options(agentJar, workDirectory, nodeName, java, jvmFlags, classDataArchives, firstAddress, probePeriod,
                    maxTerminationGrace, failureBackoff);
        }

        /** Flags for a JVM that starts fast and small: C1 only, serial GC, 64 MB of heap. */
        public static List<String> fastStartFlags() {
            List<String> flags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
                    "-Xshare:auto"));
            if (Runtime.version().feature() >= 23) {
                // Netty still uses sun.misc.Unsafe; JDK 24+ warns about it at every start.
                flags.add("--sun-misc-unsafe-memory-access=allow");
            }
            return flags;
        }
    }

    private FakeNode(KubernetesClient client, Options options) {
        this.client = client;
        this.options = options;
        this.kubelet = new Kubelet(client, options);
        this.deployments = new DeploymentController(client, options.nodeName(), options.failureBackoff());
        this.killOnExit = new Thread(kubelet::killAll, "fake-node-kill-on-exit");
    }

    /**
     * Starts playing the node against {@code client}'s API server: returns once it has seen the
     * Deployments and pods there.
     *
     * @throws IllegalStateException when the agent's jar is missing (build {@code agent/main} first)
     */
    public static FakeNode start(KubernetesClient client, Options options) {
        Path jar = options.agentJar().toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the agent's jar " + jar + " is missing: build it first"
                    + " (mvn -o package -pl agent/main -am -DskipTests), or run these tests through the reactor");
        }
        Options absolute = options.withAgentJar(jar).withWorkDirectory(options.workDirectory().toAbsolutePath());
        FakeNode node = new FakeNode(client, absolute);
        Runtime.getRuntime().addShutdownHook(node.killOnExit);
        try {
            SharedIndexInformer<Pod> pods = client.pods().inAnyNamespace().runnableInformer(0);
            pods.addEventHandler(node.kubelet);
            pods.addEventHandler(node.deployments.podEvents());
            node.informers.add(pods);
            SharedIndexInformer<Deployment> deployments = client.apps().deployments().inAnyNamespace()
                    .withLabel(MANAGED_BY, MANAGER).runnableInformer(0);
            deployments.addEventHandler(node.deployments.deploymentEvents());
            node.informers.add(deployments);
            for (SharedIndexInformer<?> informer : node.informers) {
                informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            node.close();
            throw new IllegalStateException("the fake node cannot watch the API server", e);
        }
        return node;
    }

    /** The options this node runs with, its paths made absolute. */
    public Options options() {
        return options;
    }

    /** The pods of Deployment {@code deployment} (a pool: its name is the pool's), as the API server has them now, by name. */
    public List<Pod> pods(String namespace, String deployment) {
        return client.pods().inNamespace(namespace).list().getItems().stream()
                .filter(pod -> {
                    OwnerReference owner = DeploymentController.owner(pod);
                    return owner != null && owner.getName().equals(deployment);
                })
                .sorted(Comparator.comparing(pod -> pod.getMetadata().getName()))
                .toList();
    }

    /** Whether {@code pod}'s Ready condition is True. */
    public static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * SIGKILL to all of {@code pod}'s processes, the agents and what they started, as when a
     * container crashes; returns once they have exited. The kubelet then restarts the containers
     * (an init container killed this way fails the pod instead).
     *
     * @throws IllegalArgumentException when this node does not run the pod
     */
    public void kill(Pod pod) {
        runner(pod).kill();
    }

    /** The live processes of {@code pod}'s containers, and what they started; empty once it is stopped. */
    public List<ProcessHandle> processes(Pod pod) {
        PodRunner runner = kubelet.runner(pod);
        return runner == null ? List.of() : runner.processes();
    }

    /** The output of {@code pod}'s containers, each after a {@code ==> container <==} line, init containers first. */
    public String logs(Pod pod) {
        StringBuilder logs = new StringBuilder();
        List<Container> containers = new ArrayList<>(pod.getSpec().getInitContainers());
        containers.addAll(pod.getSpec().getContainers());
        for (Container container : containers) {
            logs.append("==> ").append(container.getName()).append(" <==\n").append(logs(pod, container.getName()));
        }
        return logs.toString();
    }

    /**
     * The output of {@code container} of {@code pod} in all its runs; empty when it never ran. Readable after the pod is gone.
     */
    public String logs(Pod pod, String container) {
        Path log = kubelet.podDirectory(pod).resolve("logs").resolve(container + ".log");
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops playing the node: no more pods are made or run, and every pod's processes get SIGTERM
     * and, after at most {@link Options#maxTerminationGrace()}, SIGKILL. Returns when they have
     * exited. Pods and their statuses stay in the API server as they were.
     */
    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
        deployments.close();
        kubelet.close(options.maxTerminationGrace());
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is exiting already
        }
    }

    private PodRunner runner(Pod pod) {
        PodRunner runner = kubelet.runner(pod);
        if (runner == null) {
            throw new IllegalArgumentException("Pod(" + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                    + ") is not running on this node");
        }
        return runner;
    }
}
