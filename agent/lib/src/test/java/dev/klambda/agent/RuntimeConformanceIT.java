package dev.klambda.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Runtime API conformance of klambda's Python and Node.js runtime clients, run by the agent with
 * the interpreters of this machine: the payloads callers see for success, handler errors, init
 * errors, timeouts, crashes, oversized responses and the memory limit, compared with the shapes
 * AWS records, and the environment the handler runs in.
 */
class RuntimeConformanceIT extends EnvironmentTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One language: its runtime id, handler source and file, and its error shapes. */
    record Language(String runtime, String file, String handler, String source, String handlerErrorType,
            String traceMember) {

        @Override
        public String toString() {
            return runtime;
        }
    }

    static final Language PYTHON = new Language("python3.12", "app.py", "app.handler", """
            import os, sys, time

            def handler(event, context):
                action = event.get("action") if isinstance(event, dict) else None
                if action == "fail":
                    raise ValueError("bad input")
                if action == "exit":
                    sys.exit(3)
                if action == "hang":
                    time.sleep(60)
                if action == "big":
                    return "a" * 7000000
                if action == "eat":
                    hog = b"x" * (400 * 1024 * 1024)
                    return len(hog)
                if action == "env":
                    return dict(os.environ)
                print("handling", context.aws_request_id)
                return {"echo": event, "functionName": context.function_name, "version": context.function_version,
                        "memory": str(context.memory_limit_in_mb), "arn": context.invoked_function_arn,
                        "remaining": context.get_remaining_time_in_millis(), "requestId": context.aws_request_id}
            """, "ValueError", "stackTrace");

    static final Language NODE = new Language("nodejs20.x", "index.mjs", "index.handler", """
            export const handler = async (event, context) => {
              const action = event && event.action;
              if (action === "fail") throw new TypeError("bad input");
              if (action === "exit") process.exit(3);
              if (action === "hang") await new Promise(() => setInterval(() => {}, 1000));
              if (action === "big") return "a".repeat(7000000);
              if (action === "eat") { const hog = Buffer.alloc(400 * 1024 * 1024, 1); return hog.length; }
              if (action === "env") return { ...process.env };
              console.log("handling", context.awsRequestId);
              return { echo: event, functionName: context.functionName, version: context.functionVersion,
                       memory: String(context.memoryLimitInMB), arn: context.invokedFunctionArn,
                       remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId };
            };
            """, "TypeError", "trace");

    static Path runtimeDir;
    static RuntimeLaunchers launchers;

    @TempDir
    static Path shared;

    @BeforeAll
    static void start() {
        runtimeDir = RuntimeFiles.unpack(shared.resolve("cache"));
        launchers = new RuntimeLaunchers(Interpreters.detect(System.getenv()));
    }

    static Stream<Language> languages() {
        return Stream.of(PYTHON, NODE);
    }

    ExecutionEnvironment environment(Language language, String handler, Duration timeout) throws Exception {
        Path task = Files.createDirectories(dir.resolve("task"));
        Files.writeString(task.resolve(language.file()), language.source());
        EnvironmentSpec spec = TestFunctions.spec(language.runtime(), handler, task, dir.resolve("opt"), runtimeDir, 128,
                timeout, Map.of("GREETING", "hello", "AWS_REGION", "mars-north-1"));
        create(spec, launchers);
        return environment;
    }

    InvokeResult invoke(String id, String payload) throws Exception {
        return environment.invoke(new InvokeRequest(id, payload.getBytes(StandardCharsets.UTF_8), 0,
                "arn:aws:lambda:us-east-1:000000000000:function:test-fn:live", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700", null,
                null, true)).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static JsonNode json(InvokeResult result) throws Exception {
        return JSON.readTree(result.payload());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void answersWithTheHandlersResultAndLambdasContext(Language language) throws Exception {
        environment(language, language.handler(), Duration.ofSeconds(10));
        InvokeResult result = invoke("req-ok", "{\"name\":\"x\"}");
        assertThat(result.functionError()).as(new String(result.payload())).isNull();
        JsonNode out = json(result);
        assertThat(out.at("/echo/name").asText()).isEqualTo("x");
        assertThat(out.get("functionName").asText()).isEqualTo("test-fn");
        assertThat(out.get("version").asText()).isEqualTo("$LATEST");
        assertThat(out.get("memory").asText()).isEqualTo("128");
        assertThat(out.get("arn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:test-fn:live");
        assertThat(out.get("remaining").asLong()).isBetween(1L, 10_000L);
        assertThat(out.get("requestId").asText()).isEqualTo("req-ok");
        String tail = new String(Base64.getDecoder().decode(result.logTail()), StandardCharsets.UTF_8);
        assertThat(tail).contains("handling").contains("req-ok");
        assertThat(tail.indexOf("handling")).as("the function's output comes before END")
                .isLessThan(tail.indexOf("END RequestId"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void runsWithLambdasEnvironmentVariables(Language language) throws Exception {
        environment(language, language.handler(), Duration.ofSeconds(10));
        JsonNode env = json(invoke("req-env", "{\"action\":\"env\"}"));
        for (String name : List.of("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
                "AWS_LAMBDA_RUNTIME_API", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "_HANDLER", "LAMBDA_TASK_ROOT",
                "LAMBDA_RUNTIME_DIR", "TZ", "LANG", "PATH", "LD_LIBRARY_PATH")) {
            assertThat(env.has(name)).as(name).isTrue();
        }
        assertThat(env.get("AWS_EXECUTION_ENV").asText()).isEqualTo("AWS_Lambda_" + language.runtime());
        assertThat(env.get("AWS_REGION").asText()).as("reserved: the user's value does not win").isEqualTo("us-east-1");
        assertThat(env.get("GREETING").asText()).isEqualTo("hello");
        assertThat(env.get("_X_AMZN_TRACE_ID").asText()).isEqualTo("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700");
        assertThat(env.get("AWS_LAMBDA_LOG_STREAM_NAME").asText()).matches("\\d{4}/\\d{2}/\\d{2}/\\[\\$LATEST\\][0-9a-f]{32}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void reportsHandlerErrorsInTheRuntimesShape(Language language) throws Exception {
        environment(language, language.handler(), Duration.ofSeconds(10));
        InvokeResult result = invoke("req-err", "{\"action\":\"fail\"}");
        assertThat(result.functionError()).isEqualTo("Unhandled");
        JsonNode error = json(result);
        assertThat(error.get("errorType").asText()).isEqualTo(language.handlerErrorType());
        assertThat(error.get("errorMessage").asText()).isEqualTo("bad input");
        assertThat(error.get(language.traceMember()).isArray()).isTrue();
        assertThat(error.get(language.traceMember()).size()).isPositive();
        if (language == PYTHON) {
            assertThat(error.get("requestId").asText()).isEqualTo("req-err");
        }
        assertThat(json(invoke("req-next", "{}")).at("/requestId").asText()).as("the environment keeps serving")
                .isEqualTo("req-next");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void reportsAMissingModuleAsAnInitError(Language language) throws Exception {
        environment(language, "missing.handler", Duration.ofSeconds(10));
        InvokeResult result = invoke("req-init", "{}");
        assertThat(result.functionError()).isEqualTo("Unhandled");
        JsonNode error = json(result);
        assertThat(error.get("errorType").asText()).isEqualTo("Runtime.ImportModuleError");
        if (language == PYTHON) {
            assertThat(error.get("errorMessage").asText())
                    .isEqualTo("Unable to import module 'missing': No module named 'missing'");
            assertThat(error.get("requestId").asText()).isEmpty();
        } else {
            assertThat(error.get("errorMessage").asText()).startsWith("Error: Cannot find module 'missing'");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void reportsAMissingHandlerFunction(Language language) throws Exception {
        String module = language.handler().substring(0, language.handler().indexOf('.'));
        environment(language, module + ".nothere", Duration.ofSeconds(10));
        JsonNode error = json(invoke("req-nf", "{}"));
        assertThat(error.get("errorType").asText()).isEqualTo("Runtime.HandlerNotFound");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void timesOutAHangingHandlerAndRecovers(Language language) throws Exception {
        environment(language, language.handler(), Duration.ofSeconds(1));
        InvokeResult result = invoke("req-hang", "{\"action\":\"hang\"}");
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: req-hang Error: Task timed out after 1.00 seconds\"}");
        assertThat(json(invoke("req-after", "{}")).at("/requestId").asText()).isEqualTo("req-after");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void reportsARuntimeThatExits(Language language) throws Exception {
        environment(language, language.handler(), Duration.ofSeconds(10));
        invoke("req-warm", "{}");
        InvokeResult result = invoke("req-exit", "{\"action\":\"exit\"}");
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: req-exit Error: Runtime exited with error: exit status 3\"}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void refusesAnOversizedResponse(Language language) throws Exception {
        environment(language, language.handler(), Duration.ofSeconds(10));
        InvokeResult result = invoke("req-big", "{\"action\":\"big\"}");
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"errorType\":\"Function.ResponseSizeTooLarge\",\"errorMessage\":\"Response payload size exceeded maximum allowed payload size (6291556 bytes).\"}");
        assertThat(json(invoke("req-small", "{}")).at("/requestId").asText()).isEqualTo("req-small");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void enforcesTheMemorySize(Language language) throws Exception {
        environment(language, language.handler(), Duration.ofSeconds(20));
        InvokeResult result = invoke("req-eat", "{\"action\":\"eat\"}");
        assertThat(result.errorType()).isEqualTo("Runtime.OutOfMemory");
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"errorType\":\"Runtime.OutOfMemory\",\"errorMessage\":\"RequestId: req-eat Error: Runtime exited with error: signal: killed\"}");
        assertThat(json(invoke("req-fine", "{}")).at("/requestId").asText()).isEqualTo("req-fine");
    }
}
