package dev.klambda.it.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of klambda's services (the controller, the cluster invoker) as a JVM process of its own,
 * started from its Quarkus build ({@code target/quarkus-app/quarkus-run.jar}) with an
 * {@code application.properties} written for it, as the Helm chart's ConfigMap would be. Output
 * goes to {@code <name>.log} in the work directory.
 */
public final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private ServiceProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code jar} with {@code properties} on HTTP port {@code port} and waits until its
     * readiness check ({@code /q/health/ready}) passes.
     *
     * @throws IllegalStateException when the jar is missing, or the service exits or is not ready in time
     */
    public static ServiceProcess start(String name, Path jar, int port, Map<String, String> properties, Path workDirectory,
            Duration startTimeout) throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath().normalize() + " is missing: build the " + name
                    + " module first (mvn package)");
        }
        Files.createDirectories(workDirectory);
        Map<String, String> all = new TreeMap<>(properties);
        all.put("quarkus.http.port", Integer.toString(port));
        all.put("quarkus.http.host", "127.0.0.1");
        StringBuilder file = new StringBuilder();
        all.forEach((key, value) -> file.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n'));
        Path config = Files.writeString(workDirectory.resolve(name + ".properties"), file);
        Path log = workDirectory.resolve(name + ".log");

        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m", "-Xshare:auto", "-jar",
                jar.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().put("QUARKUS_CONFIG_LOCATIONS", config.toAbsolutePath().toString());
        ServiceProcess service = new ServiceProcess(name, builder.start(), port, log);
        Runtime.getRuntime().addShutdownHook(new Thread(service::close));
        new Readiness(service.url()).require(name, service.process, startTimeout, service::logs, service::close);
        return service;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The service JVM's process id, e.g. for {@code jcmd}. */
    public long pid() {
        return process.pid();
    }

    /** The service's Prometheus metrics, as {@code /q/metrics} serves them now. */
    public String metrics() throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url() + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /**
     * A metric the service exports at /q/metrics: the sum over its samples.
     *
     * @throws IllegalStateException when the service exports no such metric
     */
    public double metric(String name) throws IOException, InterruptedException {
        OptionalDouble sum = metricSum(name, "");
        if (sum.isEmpty()) {
            throw new IllegalStateException(url() + " exports no " + name);
        }
        return sum.getAsDouble();
    }

    /** The sum of metric {@code name}'s samples whose labels contain {@code labelText}; 0 when it has none. */
    public double metric(String name, String labelText) throws IOException, InterruptedException {
        return metricSum(name, labelText).orElse(0);
    }

    private OptionalDouble metricSum(String name, String labelText) throws IOException, InterruptedException {
        Matcher samples = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(metrics());
        double sum = 0;
        boolean found = false;
        while (samples.find()) {
            String labels = samples.group(1) == null ? "" : samples.group(1);
            if (labels.contains(labelText)) {
                sum += Double.parseDouble(samples.group(2));
                found = true;
            }
        }
        return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }

    /** What the service printed so far. */
    public String logs() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Stops the service: SIGTERM, and SIGKILL if it has not exited after 10 seconds. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
