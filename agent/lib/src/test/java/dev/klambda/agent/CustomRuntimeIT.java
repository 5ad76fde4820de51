package dev.klambda.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The agent's lifecycle with a real custom runtime (a shell {@code bootstrap} using curl, as in
 * AWS's tutorial): invocations, function errors, crashes, timeouts, oversized responses, init
 * failures, one-at-a-time, logs and shutdown.
 */
class CustomRuntimeIT extends EnvironmentTest {

    static RuntimeLaunchers launchers = new RuntimeLaunchers(
            new Interpreters(Optional.empty(), Optional.empty(), Path.of("java")));

    ExecutionEnvironment start(Duration timeout, Map<String, String> env) throws Exception {
        return start(TestFunctions.shellFunction(dir), null, timeout, env);
    }

    ExecutionEnvironment start(Path taskRoot, Path opt, Duration timeout, Map<String, String> env) throws Exception {
        EnvironmentSpec spec = TestFunctions.spec("provided.al2023", null, taskRoot, opt, null, 128, timeout, env);
        return create(spec, launchers);
    }

    static InvokeResult invoke(ExecutionEnvironment environment, String id, String payload) throws Exception {
        return environment
                .invoke(new InvokeRequest(id, payload.getBytes(StandardCharsets.UTF_8), 0, null, null, null, null, true))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static String text(InvokeResult result) {
        return new String(result.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void runsInvocationsWithAColdStartFirst() throws Exception {
        start(Duration.ofSeconds(5), Map.of());
        InvokeResult first = invoke(environment, "req-1", "{\"n\":1}");
        assertThat(text(first)).isEqualTo("{\"echo\":{\"n\":1}}");
        assertThat(first.functionError()).isNull();
        assertThat(first.coldStart()).isTrue();
        assertThat(first.initDurationMillis()).isPositive();

        InvokeResult second = invoke(environment, "req-2", "{\"n\":2}");
        assertThat(text(second)).isEqualTo("{\"echo\":{\"n\":2}}");
        assertThat(second.coldStart()).isFalse();
        assertThat(environment.state()).isIn(ExecutionEnvironment.State.IDLE, ExecutionEnvironment.State.BUSY);
    }

    @Test
    void passesTheInvocationHeadersToTheRuntime() throws Exception {
        start(Duration.ofSeconds(5), Map.of());
        long deadline = System.currentTimeMillis() + 4000;
        InvokeResult result = environment.invoke(new InvokeRequest("req-h", "\"headers\"".getBytes(), deadline,
                "arn:aws:lambda:us-east-1:000000000000:function:test-fn:live", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700",
                "{\"client\":{\"app\":\"x\"}}", null, false)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        String headers = text(result).toLowerCase();
        assertThat(headers).startsWith("http/1.1 200")
                .contains("lambda-runtime-aws-request-id: req-h")
                .contains("lambda-runtime-deadline-ms: " + deadline)
                .contains("lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:000000000000:function:test-fn:live")
                .contains("lambda-runtime-trace-id: root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700")
                .contains("lambda-runtime-client-context: {\"client\":{\"app\":\"x\"}}")
                .contains("content-type: application/json");
        assertThat(result.logTail()).as("no tail unless asked").isNull();
    }

    @Test
    void writesLambdasLogLinesAndKeepsTheTail() throws Exception {
        start(Duration.ofSeconds(5), Map.of());
        InvokeResult result = invoke(environment, "req-log", "{}");
        String tail = new String(Base64.getDecoder().decode(result.logTail()), StandardCharsets.UTF_8);
        assertThat(tail).startsWith("START RequestId: req-log Version: $LATEST\n")
                .contains("handling req-log\n")
                .contains("END RequestId: req-log\n")
                .containsPattern("REPORT RequestId: req-log\tDuration: \\d+\\.\\d\\d ms\tBilled Duration: \\d+ ms\t"
                        + "Memory Size: 128 MB\tMax Memory Used: \\d+ MB\tInit Duration: \\d+\\.\\d\\d ms\t\n");
        assertThat(logs).contains("handling req-log");
        int handling = logs.indexOf("handling req-log");
        assertThat(logs.get(handling + 1)).isEqualTo("END RequestId: req-log");
    }

    @Test
    void forwardsFunctionErrorsVerbatim() throws Exception {
        start(Duration.ofSeconds(5), Map.of());
        InvokeResult result = invoke(environment, "req-f", "\"fail\"");
        assertThat(result.functionError()).isEqualTo("Unhandled");
        assertThat(result.errorType()).isEqualTo("Handler.Failed");
        assertThat(text(result)).isEqualTo("{\"errorMessage\":\"failed on purpose\",\"errorType\":\"Handler.Failed\"}");
        assertThat(text(invoke(environment, "req-after", "1"))).isEqualTo("{\"echo\":1}");
    }

    @Test
    void reportsACrashAndStartsAFreshRuntime() throws Exception {
        start(Duration.ofSeconds(5), Map.of());
        invoke(environment, "req-warm", "1");
        InvokeResult crash = invoke(environment, "req-crash", "\"crash\"");
        assertThat(crash.functionError()).isEqualTo("Unhandled");
        assertThat(text(crash)).isEqualTo(
                "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: req-crash Error: Runtime exited with error: exit status 3\"}");
        InvokeResult after = invoke(environment, "req-after", "2");
        assertThat(text(after)).isEqualTo("{\"echo\":2}");
        assertThat(after.coldStart()).as("a new runtime").isTrue();
    }

    @Test
    void timesOutWithAwsPayloadAndRecovers() throws Exception {
        start(Duration.ofSeconds(1), Map.of());
        InvokeResult timedOut = invoke(environment, "req-t", "\"hang\"");
        assertThat(timedOut.functionError()).isEqualTo("Unhandled");
        assertThat(timedOut.errorType()).isEqualTo("Sandbox.Timedout");
        assertThat(text(timedOut)).isEqualTo(
                "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: req-t Error: Task timed out after 1.00 seconds\"}");
        assertThat(timedOut.durationMillis()).isBetween(990.0, 3000.0);
        assertThat(text(invoke(environment, "req-next", "3"))).isEqualTo("{\"echo\":3}");
    }

    @Test
    void killsWhatATimedOutRuntimeLeftBehind() throws Exception {
        Path pidFile = dir.resolve("leftover.pid");
        start(Duration.ofSeconds(1), Map.of("LEFTOVER_PID", pidFile.toString()));
        assertThat(invoke(environment, "req-leave", "\"leave\"").errorType()).isEqualTo("Sandbox.Timedout");
        // the orphan is nobody's descendant any more; it still writes into the runtime's stdout and stderr
        long leftover = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(leftover).filter(ProcessHandle::isAlive).isEmpty());
        assertThat(text(invoke(environment, "req-after-leave", "5"))).isEqualTo("{\"echo\":5}");
    }

    @Test
    void resetsARuntimeThatAnswersButNeverAsksForTheNextEvent() throws Exception {
        start(Duration.ofSeconds(1), Map.of());
        InvokeResult answered = invoke(environment, "req-linger", "\"linger\"");
        assertThat(text(answered)).isEqualTo("\"answered\"");
        assertThat(answered.functionError()).isNull();
        // the runtime still holds the environment; the timeout takes it back and a fresh runtime serves the next
        InvokeResult next = invoke(environment, "req-after-linger", "4");
        assertThat(text(next)).isEqualTo("{\"echo\":4}");
        assertThat(next.coldStart()).as("a new runtime").isTrue();
        assertThat(logs).contains("handling req-after-linger");
    }

    @Test
    void refusesASecondConcurrentInvocation() throws Exception {
        start(Duration.ofSeconds(2), Map.of());
        invoke(environment, "warm", "0");
        CompletableFuture<InvokeResult> first = environment.invoke(InvokeRequest.of("slow", "\"hang\"".getBytes()))
                .toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> environment.state() == ExecutionEnvironment.State.BUSY);
        assertThatThrownBy(() -> environment.invoke(InvokeRequest.of("second", "1".getBytes())).toCompletableFuture()
                .get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ExecutionEnvironment.EnvironmentBusyException.class)
                .hasMessageContaining("running invocation slow");
        assertThat(first.get(10, TimeUnit.SECONDS).errorType()).isEqualTo("Sandbox.Timedout");
    }

    @Test
    void turnsAnOversizedResponseIntoAFunctionErrorAndKeepsRunning() throws Exception {
        start(Duration.ofSeconds(10), Map.of());
        InvokeResult big = invoke(environment, "req-big", "\"big\"");
        assertThat(big.functionError()).isEqualTo("Unhandled");
        assertThat(text(big)).isEqualTo(
                "{\"errorType\":\"Function.ResponseSizeTooLarge\",\"errorMessage\":\"Response payload size exceeded maximum allowed payload size (6291556 bytes).\"}");
        assertThat(text(invoke(environment, "req-small", "4"))).isEqualTo("{\"echo\":4}");
        await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("big response got 413"));
        assertThat(big.coldStart()).isTrue();
    }

    @Test
    void reportsAMissingBootstrapAsAwsDoes() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        start(empty, dir.resolve("opt"), Duration.ofSeconds(3), Map.of());
        InvokeResult result = invoke(environment, "req-nb", "{}");
        assertThat(result.errorType()).isEqualTo("Runtime.InvalidEntrypoint");
        assertThat(text(result)).isEqualTo("{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":\"RequestId: req-nb "
                + "Error: Couldn't find valid bootstrap(s): [" + empty.resolve("bootstrap") + " " + dir.resolve("opt/bootstrap")
                + "]\"}");
    }

    @Test
    void returnsTheRuntimesInitErrorToTheFirstInvocationThenRetries() throws Exception {
        start(Duration.ofSeconds(3), Map.of("INIT_FAIL", "1"));
        InvokeResult result = invoke(environment, "req-i", "{}");
        assertThat(result.functionError()).isEqualTo("Unhandled");
        assertThat(result.errorType()).isEqualTo("Runtime.ConfigError");
        assertThat(text(result)).isEqualTo("{\"errorMessage\":\"cannot start\",\"errorType\":\"Runtime.ConfigError\"}");
        assertThat(invoke(environment, "req-i2", "{}").errorType()).as("INIT runs again, and fails again")
                .isEqualTo("Runtime.ConfigError");
    }

    @Test
    void reportsARuntimeThatExitsDuringInit() throws Exception {
        start(Duration.ofSeconds(3), Map.of("INIT_EXIT", "0"));
        assertThat(text(invoke(environment, "req-e0", "{}"))).isEqualTo(
                "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: req-e0 Error: Runtime exited without providing a reason\"}");
    }

    @Test
    void holdsAnEagerInitFailureForTheFirstInvocation() throws Exception {
        start(Duration.ofSeconds(3), Map.of("INIT_EXIT", "7"));
        assertThat(environment.init().toCompletableFuture().get(10, TimeUnit.SECONDS)).isFalse();
        InvokeResult result = invoke(environment, "req-held", "{}");
        assertThat(text(result)).contains("RequestId: req-held Error: Runtime exited with error: exit status 7");
    }

    @Test
    void preWarmsWithInit() throws Exception {
        start(Duration.ofSeconds(3), Map.of());
        assertThat(environment.init().toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(environment.state()).isEqualTo(ExecutionEnvironment.State.IDLE);
        assertThat(environment.lastInitDurationMillis()).isPositive();
        InvokeResult first = invoke(environment, "req-pw", "5");
        assertThat(first.coldStart()).as("it did not wait for INIT").isFalse();
        assertThat(new String(java.util.Base64.getDecoder().decode(first.logTail()))).doesNotContain("Init Duration");
    }

    @Test
    void retriesAnOverlongInitWithinTheInvocation() throws Exception {
        Path root = TestFunctions.shellFunction(dir);
        EnvironmentSpec spec = new EnvironmentSpec(new FunctionIdentity("slow-init", "$LATEST", "us-east-1", "000000000000"),
                "provided.al2023", null, 128, Duration.ofSeconds(5), Map.of("INIT_SLEEP", "1"), root, null, null, null,
                Duration.ofMillis(500));
        create(spec, launchers);
        InvokeResult result = invoke(environment, "req-slow", "7");
        assertThat(text(result)).as("the second INIT may use the invocation's timeout").isEqualTo("{\"echo\":7}");
    }

    @Test
    void sendsSigtermOnShutdown() throws Exception {
        Path marker = dir.resolve("terminated");
        start(Duration.ofSeconds(3), Map.of("TERM_MARKER", marker.toString()));
        invoke(environment, "req-s", "1");
        environment.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(marker).exists();
        assertThat(environment.state()).isEqualTo(ExecutionEnvironment.State.STOPPED);
        assertThatThrownBy(() -> invoke(environment, "late", "1"))
                .hasCauseInstanceOf(ExecutionEnvironment.EnvironmentStoppedException.class);
        environment = null;
    }
}
