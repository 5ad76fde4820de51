package dev.klambda.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The agent's pure parts: error wording, environment variables, log tails, cgroup setup. */
class AgentUnitsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "exit {0}")
    @CsvSource(delimiter = '|', value = {
            "0   | Runtime exited without providing a reason",
            "1   | Runtime exited with error: exit status 1",
            "127 | Runtime exited with error: exit status 127",
            "137 | Runtime exited with error: signal: killed",
            "139 | Runtime exited with error: signal: segmentation fault",
            "-9  | Runtime exited with error: signal: killed" })
    void describesExitsInAwsWords(int code, String reason) {
        assertThat(PlatformErrors.exitReason(code)).isEqualTo(reason);
    }

    @Test
    void readsARuntimesOutputOnPlatformThreadsThatMayBlockForAsLongAsItIsQuiet(@TempDir Path dir) throws Exception {
        RuntimeProcess quiet = RuntimeProcess.start(List.of("sleep", "30"), Map.of(), dir, new LogRecorder(line -> {
        }));
        try {
            // Thread.getAllStackTraces lists platform threads only: a virtual reader would pin a
            // carrier for as long as the pipe is quiet and starve every other virtual thread.
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("klambda-log-stdout-" + quiet.handle().pid(), "klambda-log-stderr-" + quiet.handle().pid());
        } finally {
            quiet.kill();
        }
    }

    @Test
    void writesAwsTimeoutPayload() {
        assertThat(new String(PlatformErrors.timedOut("abc", 3), StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: abc Error: Task timed out after 3.00 seconds\"}");
    }

    @Test
    void setsLambdasVariablesAndNeverLetsUsersOverrideReservedOnes() {
        EnvironmentSpec spec = TestFunctions.spec("python3.12", "app.handler", dir, dir.resolve("opt"), dir.resolve("runtime"),
                256, Duration.ofSeconds(3), Map.of("AWS_REGION", "eu-west-1", "LAMBDA_TASK_ROOT", "/evil", "TZ", "Europe/Paris",
                        "GREETING", "hi"));
        RuntimeCommand command = new RuntimeCommand(List.of("python3"), Map.of("PYTHONPATH", "/x"), dir);
        Map<String, String> env = RuntimeVariables.forRuntime(spec, "127.0.0.1:9001", "2026/11/23/[$LATEST]abc", command);
        assertThat(env).containsEntry("AWS_LAMBDA_FUNCTION_NAME", "test-fn")
                .containsEntry("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .containsEntry("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
                .containsEntry("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
                .containsEntry("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test-fn")
                .containsEntry("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
                .containsEntry("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12")
                .containsEntry("_HANDLER", "app.handler")
                .containsEntry("AWS_REGION", "us-east-1")
                .containsEntry("LAMBDA_TASK_ROOT", dir.toString())
                .containsEntry("TZ", ":UTC")
                .containsEntry("PYTHONPATH", "/x")
                .containsEntry("GREETING", "hi");
        EnvironmentSpec custom = TestFunctions.spec("provided.al2023", null, dir, null, null, 128, Duration.ofSeconds(3),
                Map.of());
        assertThat(RuntimeVariables.forRuntime(custom, "h:1", "s", command)).doesNotContainKeys("AWS_EXECUTION_ENV",
                "_HANDLER");
        assertThat(RuntimeVariables.logStreamName("$LATEST")).matches("\\d{4}/\\d{2}/\\d{2}/\\[\\$LATEST\\][0-9a-f]{32}");
    }

    @Test
    void refusesMoreThanFourKilobytesOfUserVariables() {
        EnvironmentSpec spec = TestFunctions.spec("python3.12", "a.b", dir, null, null, 128, Duration.ofSeconds(3),
                Map.of("BIG", "x".repeat(4090)));
        RuntimeCommand command = new RuntimeCommand(List.of("x"), Map.of(), dir);
        assertThatThrownBy(() -> RuntimeVariables.forRuntime(spec, "h:1", "s", command))
                .hasMessageStartingWith("Lambda was unable to configure your environment variables because the environment "
                        + "variables you have provided exceeded the 4KB limit. String measured: {\"BIG\":\"xxx");
    }

    @Test
    void keepsTheLastFourKilobytesOfAnInvocationsLog() {
        List<String> sink = new ArrayList<>();
        LogRecorder recorder = new LogRecorder(sink::add);
        recorder.line("before");
        recorder.beginInvocation();
        for (int i = 0; i < 1000; i++) {
            recorder.line("line " + i);
        }
        String tail = new String(Base64.getDecoder().decode(recorder.endInvocation(true)), StandardCharsets.UTF_8);
        assertThat(tail.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(4096);
        assertThat(tail).endsWith("line 999\n").doesNotContain("before");
        assertThat(sink).hasSize(1001);

        recorder.beginInvocation();
        recorder.line("untold");
        assertThat(recorder.endInvocation(false)).as("no tail was asked for").isNull();
        recorder.beginInvocation();
        recorder.line("next");
        assertThat(new String(Base64.getDecoder().decode(recorder.endInvocation(true)), StandardCharsets.UTF_8))
                .isEqualTo("next\n");
    }

    @Test
    void delegatesACgroupWhenTheKernelAllowsIt() throws Exception {
        Path root = dir.resolve("cgroup");
        Path own = Files.createDirectories(root.resolve("kubepods/pod1"));
        Files.writeString(own.resolve("cgroup.controllers"), "cpu io memory pids\n");
        Path self = Files.writeString(dir.resolve("self"), "0::/kubepods/pod1\n");
        Optional<Path> base = MemoryLimits.delegatedCgroup(root, self);
        assertThat(base).hasValue(own);
        assertThat(Files.readString(own.resolve("klambda-agent/cgroup.procs")))
                .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        assertThat(Files.readString(own.resolve("cgroup.subtree_control"))).isEqualTo("+memory");

        MemoryLimits.Guard guard = new MemoryLimits(base).guard("env1", 128L * 1024 * 1024);
        Path group = own.resolve("klambda-env1");
        assertThat(Files.readString(group.resolve("memory.max"))).isEqualTo(Long.toString(128L * 1024 * 1024));
        assertThat(Files.readString(group.resolve("memory.swap.max"))).isEqualTo("0");
        guard.attach(ProcessHandle.current());
        assertThat(Files.readString(group.resolve("cgroup.procs"))).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        Files.writeString(group.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        assertThat(guard.oomKilled()).isTrue();
    }

    @Test
    void fallsBackToSamplingWithoutAMemoryController() throws Exception {
        Path root = dir.resolve("cgroup");
        Files.createDirectories(root);
        Files.writeString(root.resolve("cgroup.controllers"), "cpu pids\n");
        Path self = Files.writeString(dir.resolve("self"), "0::/\n");
        assertThat(MemoryLimits.delegatedCgroup(root, self)).isEmpty();
        assertThat(MemoryLimits.treeKb(ProcessHandle.current(), "VmRSS:")).as("this JVM's own RSS").isPositive();
    }
}
