package dev.klambda.standalone.invoke;

import static dev.klambda.standalone.SignedRequests.signed;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

import dev.klambda.standalone.LambdaClients;
import dev.klambda.standalone.ManifestsResource;
import dev.klambda.standalone.OtlpReceiver;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.InvalidRequestContentException;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.ThrottleReason;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/**
 * Lambda's Invoke against the packaged standalone platform, called by the AWS SDK for Java v2 and
 * checked on the wire with signed raw requests: name forms, headers, errors, throttling and
 * cross-account resource policies, with real Python runtimes behind it.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "invoke-manifests"))
@WithTestResource(OtlpReceiver.class)
class InvokeApiIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:";

    /** Concurrent callers: the common pool may have a single thread on a small machine. */
    static final ExecutorService CALLERS = Executors.newVirtualThreadPerTaskExecutor();

    static LambdaClient lambda;
    static LambdaClient otherAccount;

    @BeforeEach
    void clients() {
        // RestAssured knows the port the application took once Quarkus has started it.
        if (lambda == null) {
            lambda = client("test", "test");
            otherAccount = client("other-key", "other-secret");
        }
    }

    @AfterAll
    static void close() {
        if (lambda != null) {
            lambda.close();
            otherAccount.close();
        }
    }

    static LambdaClient client(String key, String secret) {
        return LambdaClients.of(key, secret);
    }

    static InvokeResponse invoke(LambdaClient client, String name, String payload) {
        return client.invoke(r -> r.functionName(name).payload(SdkBytes.fromUtf8String(payload)));
    }

    static void isAccessDenied(Throwable error) {
        assertThat(error).isInstanceOfSatisfying(LambdaException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(403);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
        });
    }

    static JsonNode json(InvokeResponse response) throws Exception {
        return JSON.readTree(response.payload().asByteArray());
    }

    @Test
    void invokesByEveryNameForm() throws Exception {
        record Form(String name, String qualifier, String invokedArn) {
        }
        for (Form form : List.of(new Form("echo", null, ARN + "echo"),
                new Form("echo:$LATEST", null, ARN + "echo:$LATEST"),
                new Form("echo", "$LATEST", ARN + "echo:$LATEST"),
                new Form(ARN + "echo", null, ARN + "echo"),
                new Form("000000000000:function:echo", null, ARN + "echo"),
                new Form(ARN + "echo:$LATEST", "$LATEST", ARN + "echo:$LATEST"))) {
            InvokeResponse response = lambda.invoke(r -> r.functionName(form.name()).qualifier(form.qualifier())
                    .payload(SdkBytes.fromUtf8String("{\"n\":1}")));
            assertThat(response.statusCode()).as(form.toString()).isEqualTo(200);
            assertThat(response.executedVersion()).isEqualTo("$LATEST");
            assertThat(response.functionError()).isNull();
            JsonNode out = json(response);
            assertThat(out.at("/event/n").asInt()).isEqualTo(1);
            assertThat(out.get("function").asText()).isEqualTo("echo");
            assertThat(out.get("invokedArn").asText()).as(form.toString()).isEqualTo(form.invokedArn());
        }
    }

    @Test
    void splitsAnAliasByItsWeightsAndReportsTheVersionThatRan() throws Exception {
        int calls = 1000;
        int second = 0;
        for (int i = 0; i < calls; i++) {
            InvokeResponse response = invoke(lambda, "echo:live", "{}");
            String version = response.executedVersion();
            assertThat(version).isIn("1", "2");
            assertThat(json(response).get("version").asText()).as("the runtime ran what the header says").isEqualTo(version);
            assertThat(json(response).get("invokedArn").asText()).isEqualTo(ARN + "echo:live");
            if (version.equals("2")) {
                second++;
            }
        }
        // 30% of 1000 has a standard deviation of 14.5 calls; 4 of them either way.
        assertThat(second / (double) calls).isBetween(0.24, 0.36);
        assertThat(invoke(lambda, "echo:2", "{}").executedVersion()).isEqualTo("2");
    }

    @Test
    void movesAnAliasForTheNextInvocationWithoutARestart() throws Exception {
        Path alias = ManifestsResource.manifests().resolve("releases/moving.yaml");
        Files.writeString(alias, ALIAS.formatted("1"));
        // Until the store has read the new file, the alias does not exist.
        await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(ResourceNotFoundException.class)
                .untilAsserted(() -> assertThat(
                        invoke(lambda, "echo:moving", "{}").executedVersion()).isEqualTo("1"));

        Files.writeString(alias, ALIAS.formatted("2"));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                invoke(lambda, "echo:moving", "{}").executedVersion()).isEqualTo("2"));
        Files.delete(alias);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThatThrownBy(
                () -> invoke(lambda, "echo:moving", "{}")).isInstanceOf(ResourceNotFoundException.class));
    }

    static final String ALIAS = """
            apiVersion: klambda.dev/v1alpha1
            kind: Alias
            metadata: {name: echo-moving}
            spec: {functionName: echo, name: moving, functionVersion: "%s"}
            """;

    @Test
    void keepsProvisionedEnvironmentsInitialised() {
        String version2 = "account=\"000000000000\",function=\"echo\",version=\"2\"";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(metric("lambda_provisioned_concurrent_executions{" + version2 + "}")).isEqualTo(2);
        });
        // Both provisioned environments ran INIT before any call: neither of two concurrent calls waits for it.
        List<CompletableFuture<InvokeResponse>> calls = List.of(
                CompletableFuture.supplyAsync(() -> tailed("echo:2", "{\"sleepMs\":500}"), CALLERS),
                CompletableFuture.supplyAsync(() -> tailed("echo:2", "{\"sleepMs\":500}"), CALLERS));
        for (CompletableFuture<InvokeResponse> call : calls) {
            String log = new String(Base64.getDecoder().decode(call.join().logResult()), StandardCharsets.UTF_8);
            assertThat(log).contains("REPORT RequestId").doesNotContain("Init Duration");
        }
    }

    static InvokeResponse tailed(String name, String payload) {
        return lambda.invoke(r -> r.functionName(name).logType(LogType.TAIL).payload(SdkBytes.fromUtf8String(payload)));
    }

    @Test
    void givesTheRuntimeAnEmptyObjectForAnEmptyPayload() throws Exception {
        InvokeResponse response = lambda.invoke(r -> r.functionName("echo"));
        assertThat(json(response).get("event").isObject()).isTrue();
        assertThat(json(response).get("event").isEmpty()).isTrue();
    }

    @Test
    void passesFunctionErrorsThroughAsUnhandled() throws Exception {
        InvokeResponse response = invoke(lambda, "echo", "{\"fail\":\"boom\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.functionError()).isEqualTo("Unhandled");
        JsonNode error = json(response);
        assertThat(error.get("errorMessage").asText()).isEqualTo("boom");
        assertThat(error.get("errorType").asText()).isEqualTo("ValueError");
        assertThat(error.get("stackTrace").isArray()).isTrue();
    }

    @Test
    void returnsTheLogTailWhenAsked() throws Exception {
        InvokeResponse response = lambda.invoke(r -> r.functionName("echo").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"log\":\"a line from the handler\"}")));
        String requestId = json(response).get("requestId").asText();
        String log = new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8);
        assertThat(log).contains("START RequestId: " + requestId + " Version: $LATEST")
                .contains("a line from the handler")
                .contains("END RequestId: " + requestId)
                .contains("REPORT RequestId: " + requestId);
        assertThat(log.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);

        InvokeResponse untailed = invoke(lambda, "echo", "{}");
        assertThat(untailed.logResult()).isNull();
    }

    @Test
    void forwardsClientContextAndTraceHeaders() throws Exception {
        String context = Base64.getEncoder().encodeToString("{\"custom\":{\"k\":\"v\"}}".getBytes(StandardCharsets.UTF_8));
        InvokeResponse response = lambda.invoke(r -> r.functionName("echo").clientContext(context)
                .payload(SdkBytes.fromUtf8String("{}")));
        assertThat(json(response).at("/clientContext/k").asText()).isEqualTo("v");
        assertThat(json(response).get("trace").asText()).as("a trace root for every invocation")
                .matches("Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]");

        String trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        String body = given().filter(signed()).header("X-Amzn-Trace-Id", trace).body("{}")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(200).extract().asString();
        assertThat(JSON.readTree(body).get("trace").asText()).isEqualTo(trace);

        String fromW3c = given().filter(signed())
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").body("{}")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(200).extract().asString();
        assertThat(JSON.readTree(fromW3c).get("trace").asText()).as("the caller's trace, continued by klambda's span")
                .matches("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=[0-9a-f]{16};Sampled=1");
    }

    @Test
    void exportsASpanForEveryInvocationInTheCallersTrace() {
        String traceId = "5b8efff798038103d269b633813fc60c";
        given().filter(signed()).header("traceparent", "00-" + traceId + "-eee19b7ec3c1b174-01").body("{}")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(200);
        byte[] rawTraceId = java.util.HexFormat.of().parseHex(traceId);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(OtlpReceiver.exports())
                .as("an export with the caller's trace id and the invoke span")
                .anySatisfy(export -> {
                    assertThat(indexOf(export, rawTraceId)).isNotNegative();
                    assertThat(indexOf(export, "invoke echo".getBytes(StandardCharsets.UTF_8))).isNotNegative();
                    assertThat(indexOf(export, "faas.coldstart".getBytes(StandardCharsets.UTF_8))).isNotNegative();
                }));
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void answersWithLambdasHeadersOnTheWire() throws Exception {
        var response = given().filter(signed()).body("{\"x\":true}")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(200)
                .header("X-Amz-Executed-Version", "$LATEST")
                .header("X-Amz-Function-Error", nullValue())
                .header("x-amzn-RequestId", matchesPattern("[0-9a-f-]{36}"))
                .extract();
        assertThat(JSON.readTree(response.asString()).get("requestId").asText())
                .as("the caller and the runtime see one request id")
                .isEqualTo(response.header("x-amzn-RequestId"));
    }

    @Test
    void checksADryRunWithoutRunningTheFunction() {
        InvokeResponse response = lambda.invoke(r -> r.functionName("echo").invocationType(InvocationType.DRY_RUN));
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.payload().asByteArray()).isEmpty();

        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("nope").invocationType(InvocationType.DRY_RUN)))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName(
                "arn:aws:lambda:us-east-1:111111111111:function:private").invocationType(InvocationType.DRY_RUN)))
                .satisfies(InvokeApiIT::isAccessDenied);
    }

    @Test
    void queuesEventInvocationsWithA202AndRefusesEventsOverOneMegabyte() {
        InvokeResponse queued = lambda.invoke(r -> r.functionName("echo").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{\"queued\":true}")));
        assertThat(queued.statusCode()).isEqualTo(202);
        assertThat(queued.payload().asByteArray()).isEmpty();
        assertThat(queued.responseMetadata().requestId()).isNotBlank();

        String large = "{\"pad\":\"" + "x".repeat(1_048_576) + "\"}";
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("echo").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(large))))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(413);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestEntityTooLargeException");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo((large.length())
                            + " byte payload is too large for the Event invocation type (limit 1048576 bytes)");
                });
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("nope").invocationType(InvocationType.EVENT)))
                .as("checked before it is queued").isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void answersUnknownNamesAsAwsDoes() {
        assertThatThrownBy(() -> invoke(lambda, "nope", "{}"))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Function not found: " + ARN + "nope");
                });
        assertThatThrownBy(() -> invoke(lambda, "nope:$LATEST", "{}"))
                .hasMessageStartingWith("Function not found: " + ARN + "nope:$LATEST");
        assertThatThrownBy(() -> invoke(lambda, "echo:missing-alias", "{}"))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("Function not found: " + ARN + "echo:missing-alias");
        assertThatThrownBy(() -> invoke(lambda, "echo:42", "{}"))
                .hasMessageStartingWith("Function not found: " + ARN + "echo:42");
        assertThatThrownBy(() -> invoke(lambda, "arn:aws:lambda:eu-west-1:000000000000:function:echo", "{}"))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("echo:1").qualifier("2")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("The derived qualifier from the function name does not match the specified qualifier.");
    }

    @Test
    void putsRequestErrorsOnTheWireAsLambdaDoes() {
        given().filter(signed()).body("{\"unterminated\": ")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "InvalidRequestContentException")
                .body("Type", equalTo("User"))
                .body("message", matchesPattern(
                        "Could not parse request body into json: Could not parse payload into json: Unexpected end-of-input(.|\\n)*"));
        given().filter(signed()).body(new byte[] { 'n', (byte) 0x87, 'r' })
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "InvalidRequestContentException");
        given().filter(signed()).body("{}").queryParam("Qualifier", "bad qualifier!")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationException")
                .body("Type", nullValue());
        given().filter(signed()).body("{}").header("X-Amz-Invocation-Type", "Sometimes")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationException")
                .body("message", equalTo("1 validation error detected: Value 'Sometimes' at 'invocationType' failed to"
                        + " satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"));
        given().filter(signed()).body("{}").header("X-Amz-Log-Type", "All")
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationException");
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("echo").clientContext("not base64!")))
                .isInstanceOfSatisfying(InvalidRequestContentException.class, e -> assertThat(e.getMessage())
                        .startsWith("Client context must be a valid Base64-encoded JSON object."));
        given().filter(signed()).get("/2015-03-31/functions/in valid")
                .then().statusCode(400);
    }

    @Test
    void refusesPayloadsOverSixMegabytes() {
        byte[] tooLarge = new byte[6_291_456 + 1];
        java.util.Arrays.fill(tooLarge, (byte) ' ');
        tooLarge[0] = '1';
        given().filter(signed()).body(tooLarge)
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(413)
                .header("x-amzn-ErrorType", "RequestEntityTooLargeException")
                .body("Type", equalTo("User"))
                .body("message", equalTo("Request must be smaller than 6291456 bytes for the InvokeFunction operation"));

        byte[] atTheLimit = new byte[6_291_456];
        java.util.Arrays.fill(atTheLimit, (byte) ' ');
        atTheLimit[0] = '2';
        given().filter(signed()).body(atTheLimit)
                .post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(200);
    }

    @Test
    void throttlesAFunctionWithReservedConcurrencyZero() {
        assertThatThrownBy(() -> invoke(lambda, "stopped", "{}"))
                .isInstanceOfSatisfying(TooManyRequestsException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.reason()).isEqualTo(ThrottleReason.RESERVED_FUNCTION_CONCURRENT_INVOCATION_LIMIT_EXCEEDED);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Rate Exceeded.");
                });
        given().filter(signed()).body("{}").post("/2015-03-31/functions/stopped/invocations")
                .then().statusCode(429)
                .header("x-amzn-ErrorType", "TooManyRequestsException")
                .body("Reason", equalTo("ReservedFunctionConcurrentInvocationLimitExceeded"))
                .body("Type", equalTo("User"))
                .body("message", equalTo("Rate Exceeded."));
    }

    @Test
    void runsOneInvocationAtATimeUnderReservedConcurrencyOne() {
        CompletableFuture<InvokeResponse> first = CompletableFuture
                .supplyAsync(() -> invoke(lambda, "single", "{\"sleepMs\":4000}"), CALLERS);
        // Once the first holds the function's one unit of concurrency, the next call is throttled.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertThat(first).isNotDone();
            assertThatThrownBy(() -> invoke(lambda, "single", "{}"))
                    .isInstanceOfSatisfying(TooManyRequestsException.class, e -> assertThat(e.reason())
                            .isEqualTo(ThrottleReason.RESERVED_FUNCTION_CONCURRENT_INVOCATION_LIMIT_EXCEEDED));
        });
        assertThat(first.join().functionError()).isNull();
        assertThat(invoke(lambda, "single", "{}").statusCode()).as("free again once the first ended").isEqualTo(200);
    }

    @Test
    void throttlesAnAccountAtItsConcurrencyLimit() {
        // Account 111111111111 may run two invocations at once.
        String name = "private";
        List<CompletableFuture<InvokeResponse>> running = List.of(
                CompletableFuture.supplyAsync(() -> invoke(otherAccount, name, "{\"sleepMs\":5000}"), CALLERS),
                CompletableFuture.supplyAsync(() -> invoke(otherAccount, name, "{\"sleepMs\":5000}"), CALLERS));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertThat(running).noneMatch(CompletableFuture::isDone);
            assertThatThrownBy(() -> invoke(otherAccount, "shared", "{}"))
                    .isInstanceOfSatisfying(TooManyRequestsException.class, e -> assertThat(e.reason())
                            .isEqualTo(ThrottleReason.CONCURRENT_INVOCATION_LIMIT_EXCEEDED));
        });
        running.forEach(call -> assertThat(call.join().statusCode()).isEqualTo(200));
    }

    @Test
    void letsAnotherAccountInvokeOnlyWhereTheResourcePolicyAllows() throws Exception {
        String shared = "arn:aws:lambda:us-east-1:111111111111:function:shared";
        InvokeResponse response = invoke(lambda, shared, "{}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("invokedArn").asText()).isEqualTo(shared);

        assertThatThrownBy(() -> invoke(lambda, "arn:aws:lambda:us-east-1:111111111111:function:private", "{}"))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    isAccessDenied(e);
                    assertThat(e.getMessage()).startsWith("User: arn:aws:iam::000000000000:root is not authorized to"
                            + " perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111111111111:function:private"
                            + " because no resource-based policy allows the lambda:InvokeFunction action");
                });
        assertThatThrownBy(() -> invoke(lambda, "arn:aws:lambda:us-east-1:111111111111:function:unknown", "{}"))
                .as("another account's missing function is denied, not reported missing")
                .satisfies(InvokeApiIT::isAccessDenied);
        assertThat(invoke(lambda, shared + ":$LATEST", "{}").statusCode())
                .as("a statement without a qualifier covers the function's $LATEST")
                .isEqualTo(200);
    }

    @Test
    void refusesToInvokeAFailedFunction() {
        assertThatThrownBy(() -> invoke(lambda, "broken", "{}"))
                .isInstanceOfSatisfying(ResourceConflictException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(409);
                    assertThat(e.getMessage()).startsWith(
                            "The operation cannot be performed at this time. The function is currently in the following state: Failed");
                });
    }

    @Test
    void countsInvocationsErrorsThrottlesAndUsageInPrometheusMetrics() {
        String echo = "account=\"000000000000\",alias=\"\",function=\"echo\",version=\"$LATEST\"";
        double invocations = metric("lambda_invocations_total{" + echo + "}");
        double errors = metric("lambda_errors_total{" + echo + "}");
        double billed = metric("lambda_billed_gb_seconds_total{account=\"000000000000\",function=\"echo\"}");
        double throttles = metric("lambda_throttles_total{account=\"000000000000\",function=\"stopped\","
                + "reason=\"ReservedFunctionConcurrentInvocationLimitExceeded\"}");

        invoke(lambda, "echo", "{}");
        invoke(lambda, "echo", "{\"fail\":\"counted\"}");
        assertThatThrownBy(() -> invoke(lambda, "stopped", "{}")).isInstanceOf(TooManyRequestsException.class);

        assertThat(metric("lambda_invocations_total{" + echo + "}")).isEqualTo(invocations + 2);
        assertThat(metric("lambda_errors_total{" + echo + "}")).isEqualTo(errors + 1);
        assertThat(metric("lambda_billed_gb_seconds_total{account=\"000000000000\",function=\"echo\"}"))
                .as("at least 1 ms at 128 MB per invocation").isGreaterThanOrEqualTo(billed + 2 * 0.001 * 128 / 1024);
        assertThat(metric("lambda_throttles_total{account=\"000000000000\",function=\"stopped\","
                + "reason=\"ReservedFunctionConcurrentInvocationLimitExceeded\"}")).isEqualTo(throttles + 1);
        assertThat(metric("lambda_duration_seconds_count{" + echo + "}")).isGreaterThanOrEqualTo(invocations + 2);
        assertThat(metric("lambda_cold_starts_total{" + echo + "}")).isGreaterThanOrEqualTo(1);
        assertThat(metric("lambda_init_duration_seconds_count{" + echo + "}")).isGreaterThanOrEqualTo(1);
        assertThat(metric("lambda_concurrent_executions{account=\"000000000000\",function=\"echo\"}")).isZero();
    }

    /** The value of one Prometheus sample (without its exemplar), 0 when it is not there yet. */
    static double metric(String sample) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return text.lines().filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length() + 1).trim().split(" ")[0]))
                .findFirst().orElse(0);
    }

    @Test
    void refusesUnsignedAndWronglySignedCalls() {
        given().body("{}").post("/2015-03-31/functions/echo/invocations")
                .then().statusCode(403)
                .header("x-amzn-ErrorType", "MissingAuthenticationTokenException")
                .body("message", equalTo("Missing Authentication Token"));
        try (LambdaClient wrongSecret = client("test", "not the secret")) {
            assertThatThrownBy(() -> invoke(wrongSecret, "echo", "{}"))
                    .isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                        assertThat(e.awsErrorDetails().errorMessage())
                                .startsWith("The request signature we calculated does not match the signature you provided.");
                    });
        }
        try (LambdaClient unknown = client("nobody", "secret")) {
            assertThatThrownBy(() -> invoke(unknown, "echo", "{}"))
                    .isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");
                    });
        }
        given().get("/q/health/live").then().statusCode(200);
    }
}
