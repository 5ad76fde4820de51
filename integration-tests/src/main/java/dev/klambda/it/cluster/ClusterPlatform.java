package dev.klambda.it.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import dev.klambda.core.net.FreePorts;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * klambda as a platform team installs it, without a cluster: the fabric8 mock server (HTTPS, CRUD
 * mode) is the API server, with klambda's CRDs and the system and tenant namespaces; the real
 * controller and the real cluster invoker (and, when a test asks, pollers) run as processes of their
 * own against it, from their Quarkus builds in this checkout; a {@link FakeNode} runs the pods the controller asks for; and an
 * AWS SDK {@link LambdaClient} talks to the invoker. For end-to-end tests and the cluster
 * benchmarks.
 */
public final class ClusterPlatform implements AutoCloseable {

    /** Where the invokers' Leases and demand reports live. */
    public static final String SYSTEM_NAMESPACE = "klambda";
    /** The one tenant's namespace: its functions live here. */
    public static final String TENANT_NAMESPACE = "default";
    public static final String ACCOUNT_ID = "000000000000";
    /** The tenant's access key id and secret. */
    public static final String ACCESS_KEY = "test";

    private final Options options;
    private final KubernetesMockServer server;
    private final MeteredDispatcher dispatcher;
    private final List<AutoCloseable> started = new ArrayList<>();
    private KubernetesClient kubernetes;
    private Path codeStore;
    private ServiceProcess invoker;
    private Map<String, String> invokerProperties;
    private ServiceProcess controller;
    private FakeNode node;
    private LambdaClient lambda;

    /**
     * How the platform runs.
     *
     * @param repository the checkout whose {@code crds/manifests} and Quarkus builds are used
     * @param workDirectory where the services' properties and logs, the code store and the pods go
     * @param idleTime how long the controller keeps a pool's environments after their last demand
     * @param fakeNode whether pods run; without, Deployments and pods are only objects in the API server
     * @param concurrencyLimit the tenant's account concurrency
     * @param controllerProperties more of the controller's application properties, e.g. log levels
     * @param invokerProperties more of every invoker replica's application properties, e.g. a Kafka cluster
     */
    public record Options(Path repository, Path workDirectory, Duration idleTime, boolean fakeNode,
            int concurrencyLimit, Map<String, String> controllerProperties, Map<String, String> invokerProperties) {

        public Options {
            controllerProperties = Map.copyOf(controllerProperties);
            invokerProperties = Map.copyOf(invokerProperties);
        }

        /**
         * This checkout ({@link #repositoryRoot()}), a work directory under {@code target/cluster-platform}
         * (kept afterwards, for the logs), pools idle after 6 s, a fake node, and a concurrency limit of 20.
         */
        public static Options defaults() {
            Path work = Path.of("target", "cluster-platform", LocalDateTime.now().format(DateTimeFormatter.ofPattern(
                    "HHmmss")) + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36));
            return new Options(repositoryRoot(), work, Duration.ofSeconds(6), true, 20, Map.of(), Map.of());
        }

        public Options withWorkDirectory(Path workDirectory) {
            return new Options(repository, workDirectory, idleTime, fakeNode, concurrencyLimit, controllerProperties,
                    invokerProperties);
        }

        public Options withIdleTime(Duration idleTime) {
            return new Options(repository, workDirectory, idleTime, fakeNode, concurrencyLimit, controllerProperties,
                    invokerProperties);
        }

        /** No fake node: for what needs only the API server, the controller and the invoker. */
        public Options withoutFakeNode() {
            return new Options(repository, workDirectory, idleTime, false, concurrencyLimit, controllerProperties,
                    invokerProperties);
        }

        public Options withConcurrencyLimit(int concurrencyLimit) {
            return new Options(repository, workDirectory, idleTime, fakeNode, concurrencyLimit, controllerProperties,
                    invokerProperties);
        }

        public Options withControllerProperty(String key, String value) {
            Map<String, String> more = new HashMap<>(controllerProperties);
            more.put(key, value);
            return new Options(repository, workDirectory, idleTime, fakeNode, concurrencyLimit, more, invokerProperties);
        }

        public Options withInvokerProperty(String key, String value) {
            Map<String, String> more = new HashMap<>(invokerProperties);
            more.put(key, value);
            return new Options(repository, workDirectory, idleTime, fakeNode, concurrencyLimit, controllerProperties, more);
        }
    }

    /**
     * What the API server did for its clients (the services, the fake node, the caller's own client):
     * requests by HTTP method (watches as WATCH, counted when they open), and the CPU time of the threads
     * that served them (the mock server's event loops: HTTP, TLS, the CRUD store and watch events) and
     * how many there were.
     */
    public record ApiServerLoad(Map<String, Long> requests, Duration cpuTime, int threads) {

        public long totalRequests() {
            return requests.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private ClusterPlatform(Options options) {
        this.options = options;
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        this.dispatcher = new MeteredDispatcher(expectations);
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, dispatcher, true);
    }

    /**
     * Starts the API server, the invoker, the controller and (if asked) the fake node; returns when the
     * services are ready.
     *
     * @throws IllegalStateException when a service's or the agent's build is missing, or a service does not start
     */
    public static ClusterPlatform start(Options options) throws IOException, InterruptedException {
        ClusterPlatform platform = new ClusterPlatform(options);
        try {
            platform.startApiServer();
            platform.startServices();
        } catch (IOException | InterruptedException | RuntimeException e) {
            platform.close();
            throw e;
        }
        return platform;
    }

    /**
     * The checkout this runs in: the working directory or the nearest directory above it that has
     * {@code crds/manifests}, so that a module's tests and the benchmarks find the same builds.
     */
    public static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("crds").resolve("manifests"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no klambda checkout (a directory with crds/manifests) at or above "
                + Path.of("").toAbsolutePath());
    }

    private void startApiServer() throws IOException {
        server.init(InetAddress.getLoopbackAddress(), 0);
        // The controller's leader election first asks whether it may use Leases; the mock server cannot review rules.
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
                        .withApiGroups("coordination.k8s.io").withResources("leases")
                        .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").endResourceRule()
                        .withIncomplete(false).endStatus().build())
                .always();
        kubernetes = server.createClient();
        try (Stream<Path> crds = Files.list(options.repository().resolve("crds").resolve("manifests"))) {
            for (Path crd : crds.sorted().toList()) {
                try (InputStream in = Files.newInputStream(crd)) {
                    kubernetes.resource(kubernetes.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
                            .create();
                }
            }
        }
        for (String namespace : List.of(SYSTEM_NAMESPACE, TENANT_NAMESPACE)) {
            kubernetes.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                    .build()).create();
        }
    }

    private void startServices() throws IOException, InterruptedException {
        Path work = Files.createDirectories(options.workDirectory()).toAbsolutePath();
        codeStore = Files.createDirectories(work.resolve("code-store"));
        int invokerPort = FreePorts.belowEphemeralRange();
        // One file for every service, as the chart's ConfigMap: each must ignore the others' settings.
        Map<String, String> shared = new HashMap<>();
        shared.put("quarkus.kubernetes-client.api-server-url", kubernetes.getConfiguration().getMasterUrl());
        shared.put("quarkus.kubernetes-client.trust-certs", "true");
        shared.put("quarkus.kubernetes-client.namespace", SYSTEM_NAMESPACE);
        shared.put("klambda.region", "us-east-1");
        shared.put("klambda.system-namespace", SYSTEM_NAMESPACE);
        shared.put("klambda.tenants[0].namespace", TENANT_NAMESPACE);
        shared.put("klambda.tenants[0].account-id", ACCOUNT_ID);
        shared.put("klambda.tenants[0].concurrency-limit", Integer.toString(options.concurrencyLimit()));
        shared.put("klambda.tenants[0].access-keys[0].id", ACCESS_KEY);
        shared.put("klambda.tenants[0].access-keys[0].secret", ACCESS_KEY);
        shared.put("klambda.code-store.directory", codeStore.toString());
        shared.put("klambda.code-store.url", "http://127.0.0.1:" + invokerPort);
        shared.put("klambda.code-store.signing-key", "cluster-platform-signing-key");
        shared.put("klambda.controller.agent-image", "klambda/agent:test");
        shared.put("klambda.controller.runtime-images.\"python3.12\"", "klambda/runtime-python3.12:test");
        shared.put("klambda.controller.idle-time", options.idleTime().toMillis() + "ms");
        shared.put("klambda.controller.demand-staleness", "5s");
        shared.put("klambda.invoker.demand-report-interval", "1s");

        invokerProperties = new HashMap<>(shared);
        invokerProperties.put("klambda.invoker.name", "invoker-0");
        invokerProperties.putAll(options.invokerProperties());
        invoker = ServiceProcess.start("invoker", build("invoker/main"), invokerPort, invokerProperties, work,
                Duration.ofSeconds(60));
        started.add(invoker);

        Map<String, String> controllerProperties = new HashMap<>(shared);
        controllerProperties.put("quarkus.operator-sdk.crd.apply", "false");
        controllerProperties.put("quarkus.operator-sdk.crd.validate", "false");
        controllerProperties.putAll(options.controllerProperties());
        controller = ServiceProcess.start("controller", build("controller"), FreePorts.belowEphemeralRange(),
                controllerProperties, work, Duration.ofSeconds(60));
        started.add(controller);

        if (options.fakeNode()) {
            node = FakeNode.start(kubernetes, FakeNode.Options.defaults().withWorkDirectory(work.resolve("node"))
                    .withAgentJar(build("agent/main")));
            started.add(node);
        }
        lambda = lambda(invoker);
        started.add(lambda);
    }

    /**
     * Starts another invoker replica named {@code name}, configured as the first one (it serves the
     * same code store, so pods may fetch from either). The caller closes it.
     */
    public ServiceProcess startInvoker(String name) throws IOException, InterruptedException {
        return startReplica("invoker-" + name, "invoker/main", Map.of("klambda.invoker.name", name));
    }

    /**
     * Starts a poller replica named {@code name}, which runs event source mappings and invokes their
     * batches through the first invoker, with the platform's settings and {@code more}. The caller
     * closes it.
     */
    public ServiceProcess startPoller(String name, Map<String, String> more) throws IOException, InterruptedException {
        Map<String, String> properties = new HashMap<>(more);
        properties.put("klambda.poller.name", name);
        properties.put("klambda.poller.invoker-url", invoker.url());
        return startReplica("poller-" + name, "poller/main", properties);
    }

    /** Starts {@code module}'s service with the first invoker's settings and {@code more} over them. */
    private ServiceProcess startReplica(String process, String module, Map<String, String> more)
            throws IOException, InterruptedException {
        Map<String, String> properties = new HashMap<>(invokerProperties);
        properties.putAll(more);
        return ServiceProcess.start(process, build(module), FreePorts.belowEphemeralRange(), properties,
                Files.createDirectories(options.workDirectory()).toAbsolutePath(), Duration.ofSeconds(60));
    }

    /** An AWS SDK Lambda client of {@code invoker}, signing as the tenant; no retries, calls up to 15 minutes. */
    public LambdaClient lambda(ServiceProcess invoker) {
        return LambdaClient.builder().endpointOverride(URI.create(invoker.url())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, ACCESS_KEY)))
                // Invocations may wait for a pool to grow, and run as long as Lambda's longest timeout.
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(200).socketTimeout(Duration.ofMinutes(15)))
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1)).apiCallTimeout(Duration.ofMinutes(15)))
                .build();
    }

    /** A module's {@code quarkus-run.jar} in this checkout. */
    private Path build(String module) {
        return options.repository().resolve(module).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
    }

    public Options options() {
        return options;
    }

    /** A client of the API server, as kubectl would be. */
    public KubernetesClient kubernetes() {
        return kubernetes;
    }

    /** An AWS SDK Lambda client of the invoker, signing as the tenant; no retries, calls up to 15 minutes. */
    public LambdaClient lambda() {
        return lambda;
    }

    /** The code store directory the controller and the invoker share: zips named {@code <sha256 hex>.zip}. */
    public Path codeStore() {
        return codeStore;
    }

    public ServiceProcess invoker() {
        return invoker;
    }

    public ServiceProcess controller() {
        return controller;
    }

    /** @throws IllegalStateException when the platform runs without a fake node */
    public FakeNode node() {
        if (node == null) {
            throw new IllegalStateException("this platform runs without a fake node");
        }
        return node;
    }

    /** What the API server did so far. */
    public ApiServerLoad apiServerLoad() {
        return dispatcher.load();
    }

    /** Stops the fake node's pods, the services and the API server; the work directory stays. */
    @Override
    public void close() {
        for (AutoCloseable closeable : started.reversed()) {
            try {
                closeable.close();
            } catch (Exception e) {
                // keep stopping the others
            }
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
        server.destroy();
    }

    /** The mock server's dispatcher, counting requests and remembering the threads it ran on. */
    private static final class MeteredDispatcher extends KubernetesMixedDispatcher {

        private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
        private final Set<Long> threads = ConcurrentHashMap.newKeySet();

        MeteredDispatcher(Map<ServerRequest, Queue<ServerResponse>> expectations) {
            super(expectations);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            threads.add(Thread.currentThread().threadId());
            String method = request.getPath() != null && request.getPath().contains("watch=true") ? "WATCH"
                    : String.valueOf(request.getMethod());
            requests.computeIfAbsent(method, m -> new LongAdder()).increment();
            return super.dispatch(request);
        }

        ApiServerLoad load() {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long nanos = threads.stream().mapToLong(mx::getThreadCpuTime).filter(t -> t > 0).sum();
            Map<String, Long> counts = new TreeMap<>();
            requests.forEach((method, count) -> counts.put(method, count.sum()));
            return new ApiServerLoad(Map.copyOf(counts), Duration.ofNanos(nanos), threads.size());
        }
    }
}
