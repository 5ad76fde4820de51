package dev.klambda.agent.main;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged agent ({@code java -jar target/quarkus-app/quarkus-run.jar}) as a process, as a pod's containers run it. */
final class AgentProcess {

    /** How a one-shot mode (fetch, install) ended. */
    record Finished(int exitCode, List<String> stdout, List<String> stderr) {

        String output() {
            return "exit " + exitCode + "\nstdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + String.join("\n", stderr);
        }
    }

    private AgentProcess() {
    }

    /** A process builder for the agent with {@code args}, whose environment has no KLAMBDA_* but {@code env}. */
    static ProcessBuilder builder(Map<String, String> env, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-jar", "target/quarkus-app/quarkus-run.jar"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("KLAMBDA_"));
        builder.environment().putAll(env);
        return builder;
    }

    /** Runs the agent with {@code args} to its end. */
    static Finished run(Map<String, String> env, String... args) throws Exception {
        Path stdout = Files.createTempFile("agent-stdout", ".txt");
        Path stderr = Files.createTempFile("agent-stderr", ".txt");
        try {
            Process process = builder(env, args).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly();
            }
            assertThat(exited).as("the agent exits by itself").isTrue();
            return new Finished(process.exitValue(), lines(stdout), lines(stderr));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }
}
