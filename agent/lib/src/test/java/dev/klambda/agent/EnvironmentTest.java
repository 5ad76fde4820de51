package dev.klambda.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Vertx;

/** What every test of a real execution environment needs: a Vert.x, a directory, the log, and a clean shutdown. */
abstract class EnvironmentTest {

    static Vertx vertx;

    @TempDir
    Path dir;
    final List<String> logs = Collections.synchronizedList(new ArrayList<>());
    ExecutionEnvironment environment;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void shutdownEnvironment() throws Exception {
        if (environment != null) {
            environment.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** Creates the environment under test, with sampled memory limits and its log kept in {@link #logs}. */
    ExecutionEnvironment create(EnvironmentSpec spec, RuntimeLaunchers launchers) throws Exception {
        environment = ExecutionEnvironment.create(vertx, spec, launchers, MemoryLimits.sampling(), logs::add, 0)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return environment;
    }
}
