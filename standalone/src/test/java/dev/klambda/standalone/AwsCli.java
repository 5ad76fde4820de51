package dev.klambda.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The real aws CLI pointed at a running platform, with no configuration of the machine's user. */
public final class AwsCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final Path scratch;

    /** @param scratch where the CLI's output files go */
    public AwsCli(int port, Path scratch) {
        this.port = port;
        this.scratch = scratch;
    }

    /** What one command printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {

        /** stdout as JSON, after checking the command succeeded. */
        public JsonNode json() throws IOException {
            assertThat(exitCode).as(stderr).isZero();
            return JSON.readTree(stdout);
        }
    }

    /** Runs {@code aws <args>} as the default tenant (access key test/test). */
    public Result run(String... args) throws Exception {
        return runAs("test", "test", args);
    }

    public Result runAs(String accessKey, String secret, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", "http://127.0.0.1:" + port,
                "--region", "us-east-1", "--output", "json"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secret,
                "AWS_PAGER", "", "AWS_CONFIG_FILE", "/dev/null", "AWS_SHARED_CREDENTIALS_FILE", "/dev/null"));
        Path out = Files.createTempFile(scratch, "aws", ".out");
        Path err = Files.createTempFile(scratch, "aws", ".err");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("aws %s finished", args.length > 1 ? args[1] : "").isTrue();
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Whether the aws CLI is installed here. */
    public static boolean installed() {
        try {
            return new ProcessBuilder("sh", "-c", "command -v aws").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
