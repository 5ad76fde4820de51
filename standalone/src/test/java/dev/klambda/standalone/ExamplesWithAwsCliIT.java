package dev.klambda.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.net.FreePorts;

/**
 * What {@code ./klambda up} promises, checked with a client we did not write: the packaged
 * platform started the way the script starts it (KLAMBDA_* variables, the repository's examples),
 * listing and invoking the example functions with the real aws CLI, and stopping cleanly on Ctrl-C
 * (SIGINT).
 */
class ExamplesWithAwsCliIT {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path home;

    static Platform platform;

    /** A running copy of the packaged platform and everything it printed. */
    record Platform(Process process, int port, List<String> output) {

        /** Starts the platform as ./klambda up does and returns once it listens. */
        static Platform start(Path home) throws Exception {
            int port = FreePorts.belowEphemeralRange();
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(java, "-jar", JAR.toString()).redirectErrorStream(true);
            builder.environment().putAll(Map.of("KLAMBDA_PORT", String.valueOf(port), "KLAMBDA_HOME", home.toString(),
                    "KLAMBDA_MANIFESTS", EXAMPLES.toString(), "KLAMBDA_KAFKA_PORT", "0"));
            Process process = builder.start();
            List<String> output = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch listening = new CountDownLatch(1);
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        output.add(line);
                        if (line.startsWith("klambda standalone is listening on")) {
                            listening.countDown();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            assertThat(listening.await(60, TimeUnit.SECONDS)).as("banner within 60 s; output: %s", output).isTrue();
            return new Platform(process, port, output);
        }
    }

    @BeforeAll
    static void startLikeKlambdaUp() throws Exception {
        Assumptions.assumeTrue(AwsCli.installed(), "the aws CLI is not installed");
        platform = Platform.start(home);
    }

    @AfterAll
    static void stop() {
        if (platform != null && platform.process().isAlive()) {
            platform.process().destroyForcibly();
        }
    }

    @Test
    void printsWhereItListensAndHowToCallIt() {
        String banner = String.join("\n", platform.output());
        assertThat(banner).contains("klambda standalone is listening on http://127.0.0.1:" + platform.port())
                .contains("region      us-east-1")
                .contains("account     000000000000 (namespace default)")
                .contains("credentials access key test, secret test")
                .contains(EXAMPLES + ": 3 Functions, 2 Versions, 1 Alias, 1 EventSourceMapping");
    }

    @Test
    void listsTheExampleFunctionsToTheAwsCli() throws Exception {
        AwsCli.Result list = aws("lambda", "list-functions");
        assertThat(list.exitCode()).as(list.stderr()).isZero();
        JsonNode functions = JSON.readTree(list.stdout()).get("Functions");
        assertThat(functions).extracting(f -> f.get("FunctionName").asText())
                .containsExactly("hello-java", "hello-node", "hello-python");
        assertThat(functions).extracting(f -> f.get("Runtime").asText()).containsExactly("java21", "nodejs20.x", "python3.12");
        for (JsonNode function : functions) {
            assertThat(function.get("CodeSha256").asText()).as("built and hashed code").matches("[A-Za-z0-9+/]{43}=");
            assertThat(function.get("FunctionArn").asText()).startsWith("arn:aws:lambda:us-east-1:000000000000:function:");
        }

        AwsCli.Result get = aws("lambda", "get-function", "--function-name", "hello-python");
        assertThat(get.exitCode()).as(get.stderr()).isZero();
        JsonNode configuration = JSON.readTree(get.stdout()).get("Configuration");
        assertThat(configuration.get("Handler").asText()).isEqualTo("handler.handler");
        assertThat(configuration.get("State").asText()).isEqualTo("Active");
        assertThat(configuration.at("/Environment/Variables/GREETING").asText()).isEqualTo("Hello");

        AwsCli.Result missing = aws("lambda", "get-function", "--function-name", "nope");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.stderr()).contains("ResourceNotFoundException")
                .contains("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
    }

    @Test
    void invokesTheExampleFunctionsWithTheAwsCli() throws Exception {
        Path out = home.resolve("invoke.json");
        AwsCli.Result invoke = aws("lambda", "invoke", "--function-name", "hello-python", "--payload", "{\"name\":\"CLI\"}",
                "--log-type", "Tail", out.toString());
        assertThat(invoke.exitCode()).as(invoke.stderr()).isZero();
        JsonNode response = JSON.readTree(invoke.stdout());
        assertThat(response.get("StatusCode").asInt()).isEqualTo(200);
        assertThat(response.get("ExecutedVersion").asText()).isEqualTo("$LATEST");
        assertThat(new String(Base64.getDecoder().decode(response.get("LogResult").asText()),
                StandardCharsets.UTF_8)).contains("REPORT RequestId: ");
        assertThat(JSON.readTree(out.toFile()).get("message").asText()).isEqualTo("Hello, CLI!");

        AwsCli.Result node = aws("lambda", "invoke", "--function-name",
                "arn:aws:lambda:us-east-1:000000000000:function:hello-node",
                "--payload", "{}", out.toString());
        assertThat(node.exitCode()).as(node.stderr()).isZero();
        assertThat(JSON.readTree(out.toFile()).get("function").asText()).isEqualTo("hello-node");

        AwsCli.Result live = aws("lambda", "invoke", "--function-name", "hello-python:live", out.toString());
        assertThat(live.exitCode()).as(live.stderr()).isZero();
        assertThat(JSON.readTree(live.stdout()).get("ExecutedVersion").asText()).as("the example alias: 90% v1, 10% v2")
                .isIn("1", "2");
        AwsCli.Result version = aws("lambda", "get-function", "--function-name", "hello-python", "--qualifier", "1");
        assertThat(version.exitCode()).as(version.stderr()).isZero();
        assertThat(JSON.readTree(version.stdout()).at("/Configuration/Version").asText()).isEqualTo("1");
        assertThat(JSON.readTree(version.stdout()).at("/Configuration/CodeSha256").asText())
                .as("published from $LATEST's code").isEqualTo(JSON.readTree(aws("lambda", "get-function",
                        "--function-name", "hello-python").stdout()).at("/Configuration/CodeSha256").asText());

        AwsCli.Result badJson = aws("lambda", "invoke", "--function-name", "hello-python", "--payload", "{not json",
                out.toString());
        assertThat(badJson.exitCode()).isNotZero();
        assertThat(badJson.stderr()).contains("InvalidRequestContentException");
    }

    @Test
    void servesTheExampleFunctionUrlToPlainHttpClients() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + platform.port() + "/url/hello-python/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("message").asText()).isEqualTo("Hello, world!");
    }

    @Test
    void refusesTheAwsCliWithCredentialsItDoesNotKnow() throws Exception {
        AwsCli.Result list = awsAs("someone", "else", "lambda", "list-functions");
        assertThat(list.exitCode()).isNotZero();
        assertThat(list.stderr()).contains("UnrecognizedClientException")
                .contains("The security token included in the request is invalid.");
    }

    @Test
    void stopsCleanlyOnCtrlC() throws Exception {
        // A copy of its own, so that the other tests keep theirs whatever the order.
        Platform second = Platform.start(home.resolve("second"));
        new ProcessBuilder("kill", "-INT", String.valueOf(second.process().pid())).start().waitFor();
        assertThat(second.process().waitFor(20, TimeUnit.SECONDS)).as("stopped within 20 s after SIGINT").isTrue();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(second.output()).contains("klambda standalone stopped."));
        assertThat(second.process().exitValue()).as("exit code after Ctrl-C").isIn(0, 130);
    }

    static AwsCli.Result aws(String... args) throws Exception {
        return new AwsCli(platform.port(), home).run(args);
    }

    static AwsCli.Result awsAs(String accessKey, String secret, String... args) throws Exception {
        return new AwsCli(platform.port(), home).runAs(accessKey, secret, args);
    }
}
