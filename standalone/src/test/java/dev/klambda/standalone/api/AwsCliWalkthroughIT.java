package dev.klambda.standalone.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;

import dev.klambda.standalone.AwsCli;
import dev.klambda.standalone.ManifestsResource;

/**
 * The management walk-through a Lambda user would script, with the real aws CLI against the
 * packaged standalone platform: create a Python function from a zip, invoke it, update its code,
 * publish two versions, route 10% of an alias to the newer one, reserve and provision concurrency,
 * let another account in, give it a URL, then delete everything. Each answer is checked for the
 * members and formats AWS returns.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "lifecycle-manifests"))
class AwsCliWalkthroughIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:walkthrough";
    /**
     * The members AWS gives a zip function's configuration (recorded). klambda's functions are
     * ready when CreateFunction answers, so its answer also has GetFunction's LastUpdateStatus.
     */
    static final Set<String> CREATED = Set.of("LastUpdateStatus", "FunctionName", "FunctionArn", "Runtime", "Role", "Handler",
            "CodeSize",
            "Description", "Timeout", "MemorySize", "LastModified", "CodeSha256", "Version", "TracingConfig", "RevisionId",
            "State", "StateReason", "StateReasonCode", "PackageType", "Architectures", "EphemeralStorage", "LoggingConfig",
            "SnapStart", "Environment", "RuntimeVersionConfig");

    @TempDir
    Path scratch;
    AwsCli aws;

    @BeforeEach
    void cli() {
        Assumptions.assumeTrue(AwsCli.installed(), "the aws CLI is not installed");
        aws = new AwsCli(RestAssured.port, scratch);
    }

    @Test
    void managesAFunctionFromCreationToDeletion() throws Exception {
        Path v1 = zip("v1.zip", "def handler(event, context):\n    return {'version': 'one', 'got': event}\n");
        JsonNode created = aws.run("lambda", "create-function", "--function-name", "walkthrough", "--runtime",
                "python3.12", "--handler", "app.handler", "--role", "arn:aws:iam::000000000000:role/lambda-role",
                "--zip-file", "fileb://" + v1).json();
        assertThat(names(created)).containsAll(Set.of("FunctionName", "FunctionArn", "Runtime", "Role", "Handler",
                "CodeSize", "Timeout", "MemorySize", "LastModified", "CodeSha256", "Version", "RevisionId", "State",
                "PackageType", "Architectures"));
        assertThat(CREATED).as("nothing AWS would not send").containsAll(names(created));
        assertThat(created.get("FunctionArn").asText()).isEqualTo(ARN);
        assertThat(created.get("LastModified").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+0000");
        assertThat(created.get("CodeSha256").asText()).matches("[A-Za-z0-9+/]{43}=");
        assertThat(created.get("RevisionId").asText()).matches("[0-9a-f-]{36}");
        assertThat(created.get("Architectures").get(0).asText()).isIn("x86_64", "arm64");
        assertThat(aws.run("lambda", "wait", "function-active-v2", "--function-name", "walkthrough").exitCode()).isZero();

        Path out = scratch.resolve("out.json");
        JsonNode invoked = aws
                .run("lambda", "invoke", "--function-name", "walkthrough", "--payload", "{\"n\": 1}", out.toString()).json();
        assertThat(invoked.get("StatusCode").asInt()).isEqualTo(200);
        assertThat(invoked.get("ExecutedVersion").asText()).isEqualTo("$LATEST");
        assertThat(JSON.readTree(out.toFile())).isEqualTo(JSON.readTree("{\"version\": \"one\", \"got\": {\"n\": 1}}"));

        JsonNode updated = aws.run("lambda", "update-function-code", "--function-name", "walkthrough", "--zip-file",
                "fileb://" + zip("v2.zip", "def handler(event, context):\n    return 'two'\n")).json();
        assertThat(updated.get("CodeSha256").asText()).isNotEqualTo(created.get("CodeSha256").asText());
        assertThat(aws.run("lambda", "wait", "function-updated-v2", "--function-name", "walkthrough").exitCode()).isZero();
        JsonNode first = aws.run("lambda", "publish-version", "--function-name", "walkthrough", "--description", "two")
                .json();
        assertThat(first.get("Version").asText()).isEqualTo("1");
        assertThat(first.get("FunctionArn").asText()).isEqualTo(ARN + ":1");
        aws.run("lambda", "update-function-code", "--function-name", "walkthrough", "--zip-file",
                "fileb://" + zip("v3.zip", "def handler(event, context):\n    return 'three'\n")).json();
        assertThat(aws.run("lambda", "publish-version", "--function-name", "walkthrough").json().get("Version").asText())
                .isEqualTo("2");
        JsonNode versions = aws.run("lambda", "list-versions-by-function", "--function-name", "walkthrough").json();
        assertThat(versions.get("Versions").findValuesAsText("Version")).containsExactly("$LATEST", "1", "2");

        JsonNode alias = aws.run("lambda", "create-alias", "--function-name", "walkthrough", "--name", "live",
                "--function-version", "1", "--routing-config", "{\"AdditionalVersionWeights\": {\"2\": 0.1}}").json();
        assertThat(names(alias)).isEqualTo(Set.of("AliasArn", "Name", "FunctionVersion", "Description", "RoutingConfig",
                "RevisionId"));
        assertThat(alias.get("AliasArn").asText()).isEqualTo(ARN + ":live");
        assertThat(alias.at("/RoutingConfig/AdditionalVersionWeights/2").asDouble()).isEqualTo(0.1);

        assertThat(aws.run("lambda", "put-function-concurrency", "--function-name", "walkthrough",
                "--reserved-concurrent-executions", "10").json())
                .isEqualTo(JSON.readTree("{\"ReservedConcurrentExecutions\": 10}"));
        JsonNode provisioned = aws.run("lambda", "put-provisioned-concurrency-config", "--function-name", "walkthrough",
                "--qualifier", "live", "--provisioned-concurrent-executions", "1").json();
        assertThat(provisioned.get("Status").asText()).isEqualTo("IN_PROGRESS");
        assertThat(provisioned.get("RequestedProvisionedConcurrentExecutions").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(aws.run("lambda",
                "get-provisioned-concurrency-config", "--function-name", "walkthrough", "--qualifier", "live").json()
                .get("Status").asText()).isEqualTo("READY"));

        JsonNode permission = aws.run("lambda", "add-permission", "--function-name", "walkthrough", "--statement-id",
                "partner", "--action", "lambda:InvokeFunction", "--principal", "111111111111").json();
        assertThat(JSON.readTree(permission.get("Statement").asText())).isEqualTo(JSON.readTree("""
                {"Sid":"partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
                 "Action":"lambda:InvokeFunction","Resource":"%s"}""".formatted(ARN)));
        JsonNode partner = aws.runAs("other-key", "other-secret", "lambda", "invoke", "--function-name", ARN,
                out.toString()).json();
        assertThat(partner.get("StatusCode").asInt()).isEqualTo(200);
        assertThat(Files.readString(out)).isEqualTo("\"three\"");

        JsonNode url = aws.run("lambda", "create-function-url-config", "--function-name", "walkthrough", "--qualifier",
                "live", "--auth-type", "NONE").json();
        assertThat(names(url)).isEqualTo(Set.of("FunctionUrl", "FunctionArn", "AuthType", "CreationTime", "InvokeMode"));
        assertThat(url.get("FunctionUrl").asText()).isEqualTo("http://walkthrough--live.lambda-url.test/");
        given().header("Host", "walkthrough--live.lambda-url.test").get("/").then().statusCode(200)
                .body(org.hamcrest.Matchers.oneOf("\"two\"", "\"three\""));

        for (String[] step : new String[][] {
                { "delete-function-url-config", "--function-name", "walkthrough", "--qualifier", "live" },
                { "delete-provisioned-concurrency-config", "--function-name", "walkthrough", "--qualifier", "live" },
                { "delete-function-concurrency", "--function-name", "walkthrough" },
                { "remove-permission", "--function-name", "walkthrough", "--statement-id", "partner" },
                { "delete-alias", "--function-name", "walkthrough", "--name", "live" },
                { "delete-function", "--function-name", "walkthrough" } }) {
            String[] command = new String[step.length + 1];
            command[0] = "lambda";
            System.arraycopy(step, 0, command, 1, step.length);
            AwsCli.Result result = aws.run(command);
            assertThat(result.exitCode()).as("%s: %s", step[0], result.stderr()).isZero();
            if (step[0].equals("delete-function")) {
                // The model binds DeleteFunction's StatusCode to the HTTP status, 204 on AWS.
                assertThat(JSON.readTree(result.stdout())).isEqualTo(JSON.readTree("{\"StatusCode\": 204}"));
            } else {
                assertThat(result.stdout()).as("%s answers without a body", step[0]).isEmpty();
            }
        }
        AwsCli.Result gone = aws.run("lambda", "get-function", "--function-name", "walkthrough");
        assertThat(gone.exitCode()).isNotZero();
        assertThat(gone.stderr()).contains("ResourceNotFoundException").contains("Function not found: " + ARN);
        given().header("Host", "walkthrough--live.lambda-url.test").get("/").then().statusCode(equalTo(404));
    }

    static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        return names;
    }

    Path zip(String name, String handler) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("app.py"));
            zip.write(handler.getBytes(StandardCharsets.UTF_8));
        }
        return Files.write(scratch.resolve(name), bytes.toByteArray());
    }
}
