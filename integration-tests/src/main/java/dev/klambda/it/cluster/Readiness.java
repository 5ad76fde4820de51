package dev.klambda.it.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A Quarkus service's readiness ({@code /q/health/ready}), asked over HTTP. */
public final class Readiness {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final HttpRequest request;

    /** @param url the service's base URL, {@code http://host:port} */
    public Readiness(String url) {
        request = HttpRequest.newBuilder(URI.create(url + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
    }

    /** Whether the service answers ready now; false while it does not listen. */
    public boolean ready() throws InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until the service is ready.
     *
     * @return false when {@code process} exited or {@code timeout} passed first
     */
    public boolean await(Process process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (ready()) {
                return true;
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        return false;
    }

    /** Stops a process that did not get ready. */
    public interface Stop {
        void stop() throws InterruptedException;
    }

    /**
     * Waits until the service {@code name} is ready; when it exits first or {@code timeout} passes,
     * stops it (if it still runs) with {@code stop} and fails with what it printed.
     *
     * @throws IllegalStateException when the service is not ready
     */
    public void require(String name, Process process, Duration timeout, Supplier<String> logs, Stop stop)
            throws InterruptedException {
        if (await(process, timeout)) {
            return;
        }
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logs.get());
        }
        stop.stop();
        throw new IllegalStateException(name + " was not ready within " + timeout + ":\n" + logs.get());
    }
}
