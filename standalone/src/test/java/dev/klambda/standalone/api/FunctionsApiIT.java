package dev.klambda.standalone.api;

import static dev.klambda.standalone.SignedRequests.signed;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

import dev.klambda.standalone.DefaultTenantClient;
import dev.klambda.standalone.ManifestsResource;

import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.FunctionVersion;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * ListFunctions and GetFunction of the packaged standalone platform, called by the AWS SDK for
 * Java v2 and checked on the wire, over a manifest directory the tests change as it runs.
 */
@QuarkusIntegrationTest
@WithTestResource(ManifestsResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FunctionsApiIT extends DefaultTenantClient {

    @Test
    void listsTheTenantsFunctionsAcrossPages() {
        List<String> names = lambda.listFunctionsPaginator(r -> r.maxItems(1)).functions().stream()
                .map(FunctionConfiguration::functionName)
                .toList();
        assertThat(names).containsExactly("Gamma_Fn", "alpha", "beta");
        assertThat(lambda.listFunctions(r -> r.maxItems(2)).nextMarker()).isNotNull();
        assertThat(lambda.listFunctions().nextMarker()).isNull();
    }

    @Test
    void listsPublishedVersionsWithFunctionVersionAll() {
        List<String> arns = lambda.listFunctionsPaginator(r -> r.functionVersion(FunctionVersion.ALL).maxItems(2))
                .functions().stream().map(FunctionConfiguration::functionArn).toList();
        assertThat(arns).containsExactly(
                "arn:aws:lambda:us-east-1:000000000000:function:Gamma_Fn",
                "arn:aws:lambda:us-east-1:000000000000:function:Gamma_Fn:1",
                "arn:aws:lambda:us-east-1:000000000000:function:Gamma_Fn:2",
                "arn:aws:lambda:us-east-1:000000000000:function:alpha",
                "arn:aws:lambda:us-east-1:000000000000:function:beta");
    }

    @Test
    void listsFunctionsInLambdasShape() {
        given().filter(signed()).get("/2015-03-31/functions")
                .then().statusCode(200)
                .contentType("application/json")
                .header("x-amzn-RequestId", matchesPattern("[0-9a-f-]{36}"))
                .body("Functions.FunctionName", hasItem("alpha"))
                .body("Functions.find { it.FunctionName == 'beta' }.Runtime", equalTo("nodejs20.x"))
                .body("Functions.find { it.FunctionName == 'beta' }.MemorySize", equalTo(256))
                .body("Functions.find { it.FunctionName == 'beta' }.Timeout", equalTo(3))
                .body("Functions.find { it.FunctionName == 'beta' }.CodeSha256", matchesPattern("[A-Za-z0-9+/]{43}="))
                .body("Functions.find { it.FunctionName == 'beta' }.LastModified",
                        matchesPattern("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\+0000"))
                .body("Functions.find { it.FunctionName == 'beta' }.State", equalTo(null));
    }

    @Test
    void getsAFunctionByEveryNameForm() {
        for (String name : List.of("alpha", "arn:aws:lambda:us-east-1:000000000000:function:alpha",
                "000000000000:function:alpha", "alpha:$LATEST")) {
            GetFunctionResponse response = lambda.getFunction(r -> r.functionName(name));
            assertThat(response.configuration().functionName()).as(name).isEqualTo("alpha");
            assertThat(response.configuration().runtime()).isEqualTo(Runtime.PYTHON3_12);
            assertThat(response.configuration().state()).isEqualTo(State.ACTIVE);
            assertThat(response.configuration().version()).isEqualTo("$LATEST");
        }
        GetFunctionResponse alpha = lambda.getFunction(r -> r.functionName("alpha"));
        assertThat(alpha.tags()).containsEntry("team", "one");
        assertThat(alpha.concurrency().reservedConcurrentExecutions()).isEqualTo(5);
        assertThat(alpha.code().repositoryType()).isEqualTo("S3");
    }

    @Test
    void getsVersionsAndAliasesByQualifier() {
        FunctionConfiguration one = lambda.getFunction(r -> r.functionName("Gamma_Fn").qualifier("1")).configuration();
        assertThat(one.version()).isEqualTo("1");
        assertThat(one.timeout()).isEqualTo(10);
        assertThat(one.description()).isEqualTo("first");
        assertThat(one.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:Gamma_Fn:1");

        FunctionConfiguration live = lambda.getFunction(r -> r.functionName("Gamma_Fn:live")).configuration();
        assertThat(live.version()).isEqualTo("1");
        assertThat(live.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:Gamma_Fn:live");
    }

    @Test
    void answersUnknownNamesWithAwsErrors() {
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("nope")))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorMessage())
                            .isEqualTo("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
                });
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("Gamma_Fn").qualifier("7")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Function not found: arn:aws:lambda:us-east-1:000000000000:function:Gamma_Fn:7");
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("Gamma_Fn").qualifier("canary")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("secret")))
                .as("another tenant's function is invisible").isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("alpha:1").qualifier("2")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("The derived qualifier from the function name does not match the specified qualifier.");
        assertThatThrownBy(
                () -> lambda.getFunction(r -> r.functionName("arn:aws:lambda:eu-west-1:000000000000:function:alpha")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
        assertThatThrownBy(
                () -> lambda.getFunction(r -> r.functionName("arn:aws:lambda:us-east-1:123456789012:function:alpha")))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                });
        assertThatThrownBy(() -> lambda.listFunctions(r -> r.maxItems(0)))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                });
    }

    @Test
    void putsErrorsOnTheWireAsLambdaDoes() {
        given().filter(signed()).get("/2015-03-31/functions/nope")
                .then().statusCode(404)
                .header("x-amzn-ErrorType", "ResourceNotFoundException")
                .header("x-amzn-RequestId", notNullValue())
                .body("Type", equalTo("User"))
                .body("Message", equalTo("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"));
        given().filter(signed()).queryParam("FunctionVersion", "invalid").get("/2015-03-31/functions")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationException")
                .body("message", equalTo(
                        "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"));
        given().filter(signed()).get("/2015-03-31/functions/in valid")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationException");
    }

    @Test
    @Order(Integer.MAX_VALUE - 1) // adds a function for a while; the other tests count them
    void servesAVersionThatNamesOnlyItsFunctionAsItWasFrozen() throws IOException {
        Path epsilon = ManifestsResource.manifests().resolve("epsilon");
        Files.createDirectories(epsilon.resolve("src"));
        Files.writeString(epsilon.resolve("src/handler.py"), "def handler(e, c):\n    return 1\n");
        Files.writeString(epsilon.resolve("function.yaml"), epsilonFunction(256));
        Files.writeString(epsilon.resolve("version.yaml"), """
                apiVersion: klambda.dev/v1alpha1
                kind: Version
                metadata: {name: epsilon-first}
                spec: {functionName: epsilon, description: the first one}
                """);
        FunctionConfiguration frozen = await().atMost(Duration.ofSeconds(15))
                .ignoreExceptionsInstanceOf(ResourceNotFoundException.class)
                .until(() -> lambda.getFunction(r -> r.functionName("epsilon").qualifier("1")).configuration(),
                        c -> true);
        FunctionConfiguration latest = lambda.getFunction(r -> r.functionName("epsilon")).configuration();
        assertThat(frozen.version()).isEqualTo("1");
        assertThat(frozen.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:epsilon:1");
        assertThat(frozen.description()).isEqualTo("the first one");
        assertThat(frozen.memorySize()).isEqualTo(256);
        assertThat(frozen.timeout()).isEqualTo(7);
        assertThat(frozen.runtime()).isEqualTo(Runtime.PYTHON3_12);
        assertThat(frozen.environment().variables()).containsEntry("STAGE", "one");
        assertThat(frozen.codeSha256()).isEqualTo(latest.codeSha256());
        assertThat(frozen.codeSize()).isEqualTo(latest.codeSize());

        Files.writeString(epsilon.resolve("src/handler.py"), "def handler(e, c):\n    return 2\n");
        Files.writeString(epsilon.resolve("function.yaml"), epsilonFunction(1024));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            FunctionConfiguration changed = lambda.getFunction(r -> r.functionName("epsilon")).configuration();
            assertThat(changed.memorySize()).isEqualTo(1024);
            assertThat(changed.codeSha256()).isNotEqualTo(frozen.codeSha256());
        });

        assertThat(lambda.getFunction(r -> r.functionName("epsilon").qualifier("1")).configuration())
                .as("version 1 is what $LATEST was").isEqualTo(frozen);
        assertThat(lambda.listFunctionsPaginator(r -> r.functionVersion(FunctionVersion.ALL)).functions())
                .filteredOn(c -> c.functionName().equals("epsilon"))
                .extracting(FunctionConfiguration::version, FunctionConfiguration::memorySize,
                        FunctionConfiguration::codeSha256)
                .containsExactly(tuple("$LATEST", 1024, lambda.getFunction(r -> r.functionName("epsilon"))
                        .configuration().codeSha256()), tuple("1", 256, frozen.codeSha256()));

        Files.delete(epsilon.resolve("version.yaml"));
        Files.delete(epsilon.resolve("function.yaml"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(
                () -> assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("epsilon")))
                        .isInstanceOf(ResourceNotFoundException.class));
    }

    private static String epsilonFunction(int memory) {
        return """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: epsilon}
                spec:
                  runtime: python3.12
                  handler: handler.handler
                  code: {path: src}
                  memorySize: %d
                  timeout: 7
                  environment: {variables: {STAGE: one}}
                """.formatted(memory);
    }

    @Test
    @Order(Integer.MAX_VALUE) // adds a function for a while; the other tests count them
    void followsTheManifestDirectoryWithoutARestart() throws IOException {
        Path delta = ManifestsResource.manifests().resolve("delta");
        Files.createDirectories(delta.resolve("src"));
        Files.writeString(delta.resolve("src/handler.py"), "def handler(e, c):\n    return 'delta'\n");
        Files.writeString(delta.resolve("function.yaml"), """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: delta}
                spec: {runtime: python3.11, handler: handler.handler, code: {path: src}, memorySize: 512}
                """);
        await().atMost(Duration.ofSeconds(15)).ignoreExceptionsInstanceOf(ResourceNotFoundException.class).untilAsserted(
                () -> assertThat(lambda.getFunction(r -> r.functionName("delta")).configuration().memorySize()).isEqualTo(512));

        Files.writeString(delta.resolve("function.yaml"), """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: delta}
                spec: {runtime: python3.11, handler: handler.handler, code: {path: src}, memorySize: 99999}
                """);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().get("/q/health/ready")
                .then().statusCode(200)
                .body("checks.find { it.name == 'manifests' }.data.problems", equalTo(2))
                .body("checks.find { it.name == 'manifests' }.data.'problem.0'",
                        equalTo("manifests/delta/function.yaml: Function \"delta\" (line 1): spec.memorySize: Invalid value: 99999: spec.memorySize in body should be less than or equal to 10240")));
        assertThat(lambda.getFunction(r -> r.functionName("delta")).configuration().memorySize())
                .as("the invalid change is not applied").isEqualTo(512);

        Files.delete(delta.resolve("function.yaml"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(
                () -> assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("delta")))
                        .isInstanceOf(ResourceNotFoundException.class));
    }

    @Test
    void reportsHealth() {
        given().get("/q/health")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'manifests' }.data.Function", notNullValue());
    }
}
