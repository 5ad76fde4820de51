package dev.klambda.standalone.api;

import static dev.klambda.standalone.SignedRequests.signed;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

import dev.klambda.standalone.DefaultTenantClient;
import dev.klambda.standalone.LambdaClients;
import dev.klambda.standalone.ManifestsResource;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.AddPermissionResponse;
import software.amazon.awssdk.services.lambda.model.AliasConfiguration;
import software.amazon.awssdk.services.lambda.model.CreateAliasResponse;
import software.amazon.awssdk.services.lambda.model.CreateEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.CreateFunctionUrlConfigResponse;
import software.amazon.awssdk.services.lambda.model.EndPointType;
import software.amazon.awssdk.services.lambda.model.EventSourceMappingConfiguration;
import software.amazon.awssdk.services.lambda.model.EventSourcePosition;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.FunctionEventInvokeConfig;
import software.amazon.awssdk.services.lambda.model.FunctionResponseType;
import software.amazon.awssdk.services.lambda.model.FunctionUrlAuthType;
import software.amazon.awssdk.services.lambda.model.GetAccountSettingsResponse;
import software.amazon.awssdk.services.lambda.model.GetAliasResponse;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionEventInvokeConfigResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.GetProvisionedConcurrencyConfigResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.LayerVersionsListItem;
import software.amazon.awssdk.services.lambda.model.PreconditionFailedException;
import software.amazon.awssdk.services.lambda.model.ProvisionedConcurrencyConfigListItem;
import software.amazon.awssdk.services.lambda.model.ProvisionedConcurrencyConfigNotFoundException;
import software.amazon.awssdk.services.lambda.model.PublishLayerVersionResponse;
import software.amazon.awssdk.services.lambda.model.PublishVersionResponse;
import software.amazon.awssdk.services.lambda.model.PutFunctionEventInvokeConfigResponse;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;
import software.amazon.awssdk.services.lambda.model.UpdateEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionCodeResponse;

/**
 * Creating, changing and deleting functions through the management API with the AWS SDK for Java
 * v2, against the packaged standalone platform: what is created runs, lands as a manifest in
 * KLAMBDA_HOME/resources, and bad requests get AWS's errors and change nothing.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "lifecycle-manifests"))
class FunctionLifecycleIT extends DefaultTenantClient {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void createsInvokesChangesAndDeletesAFunctionFromAZip() throws Exception {
        byte[] v1 = zip(Map.of("app.py",
                "def handler(event, context):\n    return {'v': 1, 'env': __import__('os').environ.get('GREETING')}\n"));
        CreateFunctionResponse created = lambda.createFunction(r -> r.functionName("lifecycle").runtime(Runtime.PYTHON3_12)
                .handler("app.handler").role("arn:aws:iam::000000000000:role/lambda-role").memorySize(256)
                .code(c -> c.zipFile(SdkBytes.fromByteArray(v1))).tags(Map.of("team", "platform")));

        assertThat(created.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:lifecycle");
        assertThat(created.codeSha256()).isEqualTo(base64Sha256(v1));
        assertThat(created.codeSize()).isEqualTo(v1.length);
        assertThat(created.memorySize()).isEqualTo(256);
        assertThat(created.timeout()).isEqualTo(3);
        assertThat(created.version()).isEqualTo("$LATEST");
        assertThat(created.revisionId()).isNotBlank();
        assertThat(ManifestsResource.home().resolve("resources/default/function/lifecycle.yaml")).content()
                .contains("handler: app.handler").contains("team: platform");
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("lifecycle"));
        GetFunctionResponse got = lambda.getFunction(r -> r.functionName("lifecycle"));
        assertThat(got.tags()).containsEntry("team", "platform");
        assertThat(got.code().repositoryType()).isEqualTo("S3");
        assertThat(download(got.code().location())).as("the location downloads the uploaded zip").isEqualTo(v1);
        given().urlEncodingEnabled(false).get(got.code().location().replaceAll("Signature=[0-9a-f]{4}", "Signature=0000"))
                .then().statusCode(403);
        assertThat(invoke("lifecycle")).isEqualTo("{\"v\": 1, \"env\": null}");

        byte[] v2 = zip(Map.of("app.py", "def handler(event, context):\n    return {'v': 2}\n"));
        UpdateFunctionCodeResponse updated = lambda.updateFunctionCode(r -> r.functionName("lifecycle")
                .zipFile(SdkBytes.fromByteArray(v2)));
        assertThat(updated.codeSha256()).isEqualTo(base64Sha256(v2));
        assertThat(updated.revisionId()).isNotEqualTo(created.revisionId());
        lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("lifecycle"));
        assertThat(invoke("lifecycle")).isEqualTo("{\"v\": 2}");

        lambda.updateFunctionConfiguration(r -> r.functionName("lifecycle").timeout(10).description("changed")
                .environment(e -> e.variables(Map.of("GREETING", "hi"))));
        GetFunctionConfigurationResponse configuration = lambda.getFunctionConfiguration(r -> r.functionName("lifecycle"));
        assertThat(configuration.timeout()).isEqualTo(10);
        assertThat(configuration.description()).isEqualTo("changed");
        assertThat(configuration.memorySize()).as("members left out keep their value").isEqualTo(256);
        assertThat(configuration.environment().variables()).containsEntry("GREETING", "hi");
        assertThat(configuration.state()).isEqualTo(State.ACTIVE);
        assertThat(configuration.lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);

        Path storedV1 = ManifestsResource.home().resolve("code/" + hexSha256(v1) + ".zip");
        Path storedV2 = ManifestsResource.home().resolve("code/" + hexSha256(v2) + ".zip");
        assertThat(storedV1).as("kept while nothing refers to it for less than the grace period").exists();
        assertThat(storedV2).exists();
        lambda.deleteFunction(r -> r.functionName("lifecycle"));
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("lifecycle")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("Function not found: arn:aws:lambda:us-east-1:000000000000:function:lifecycle");
        assertThat(ManifestsResource.home().resolve("resources/default/function/lifecycle.yaml")).doesNotExist();
        await("the code store lets go of zips nothing refers to").atMost(Duration.ofSeconds(30))
                .until(() -> !Files.exists(storedV1) && !Files.exists(storedV2));
    }

    @Test
    void publishesVersionsAndRoutesAliasesToThem() throws Exception {
        byte[] v1 = zip(Map.of("app.py", "def handler(event, context):\n    return 1\n"));
        lambda.createFunction(r -> r.functionName("versioned").runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/r").code(c -> c.zipFile(SdkBytes.fromByteArray(v1))).publish(true));
        assertThat(lambda.listVersionsByFunction(r -> r.functionName("versioned")).versions())
                .extracting(FunctionConfiguration::version).containsExactly("$LATEST", "1");
        assertThat(lambda.publishVersion(r -> r.functionName("versioned")).version())
                .as("nothing changed since version 1").isEqualTo("1");

        byte[] v2 = zip(Map.of("app.py", "def handler(event, context):\n    return 2\n"));
        assertThatThrownBy(() -> lambda.publishVersion(r -> r.functionName("versioned").codeSha256("AAAA")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("CodeSHA256 (AAAA) is different");
        UpdateFunctionCodeResponse second = lambda.updateFunctionCode(r -> r.functionName("versioned")
                .zipFile(SdkBytes.fromByteArray(v2)).publish(true));
        assertThatThrownBy(() -> lambda.publishVersion(r -> r.functionName("versioned").revisionId("stale")))
                .isInstanceOf(PreconditionFailedException.class);
        PublishVersionResponse published = lambda.publishVersion(r -> r.functionName("versioned")
                .codeSha256(second.codeSha256()));
        assertThat(published.version()).isEqualTo("2");
        assertThat(published.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:versioned:2");

        CreateAliasResponse alias = lambda.createAlias(r -> r.functionName("versioned").name("live").functionVersion("1")
                .description("production").routingConfig(c -> c.additionalVersionWeights(Map.of("2", 0.5))));
        assertThat(alias.aliasArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:versioned:live");
        assertThat(alias.routingConfig().additionalVersionWeights()).containsEntry("2", 0.5);
        assertThat(Stream.generate(() -> lambda.invoke(r -> r.functionName("versioned:live")).executedVersion()).limit(40))
                .as("both versions take calls").contains("1", "2");
        assertThatThrownBy(() -> lambda.createAlias(r -> r.functionName("versioned").name("live").functionVersion("1")))
                .isInstanceOf(ResourceConflictException.class)
                .hasMessageStartingWith("Alias already exists: arn:aws:lambda:us-east-1:000000000000:function:versioned:live");
        assertThatThrownBy(() -> lambda.createAlias(r -> r.functionName("versioned").name("123").functionVersion("1")))
                .isInstanceOf(LambdaException.class).hasMessageContaining("at 'name' failed to satisfy constraint");
        assertThatThrownBy(() -> lambda.createAlias(r -> r.functionName("versioned").name("nine").functionVersion("9")))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("function:versioned:9");
        assertThatThrownBy(() -> lambda.createAlias(r -> r.functionName("versioned").name("latest").functionVersion("$LATEST")
                .routingConfig(c -> c.additionalVersionWeights(Map.of("1", 0.1)))))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("$LATEST is not supported for an alias pointing to more than 1 version");

        assertThatThrownBy(() -> lambda.updateAlias(r -> r.functionName("versioned").name("live").functionVersion("2")
                .revisionId("stale"))).isInstanceOf(PreconditionFailedException.class);
        lambda.updateAlias(r -> r.functionName("versioned").name("live").functionVersion("2")
                .revisionId(alias.revisionId()).routingConfig(c -> c.additionalVersionWeights(Map.of())));
        GetAliasResponse moved = lambda.getAlias(r -> r.functionName("versioned").name("live"));
        assertThat(moved.functionVersion()).isEqualTo("2");
        assertThat(moved.description()).as("members left out keep their value").isEqualTo("production");
        assertThat(moved.revisionId()).isNotEqualTo(alias.revisionId());
        assertThat(lambda.invoke(r -> r.functionName("versioned:live")).executedVersion()).isEqualTo("2");
        assertThat(lambda.listAliases(r -> r.functionName("versioned")).aliases()).extracting(AliasConfiguration::name)
                .containsExactly("live");

        assertThatThrownBy(() -> lambda.deleteFunction(r -> r.functionName("versioned").qualifier("2")))
                .isInstanceOf(ResourceConflictException.class).hasMessageContaining("[live]");
        lambda.deleteFunction(r -> r.functionName("versioned").qualifier("1"));
        assertThat(lambda.listVersionsByFunction(r -> r.functionName("versioned")).versions())
                .extracting(FunctionConfiguration::version).containsExactly("$LATEST", "2");
        lambda.deleteAlias(r -> r.functionName("versioned").name("live"));
        assertThatThrownBy(() -> lambda.getAlias(r -> r.functionName("versioned").name("live")))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageStartingWith("Cannot find alias arn: ");
        lambda.deleteFunction(r -> r.functionName("versioned"));
        assertThat(lambda.listFunctions().functions()).extracting(FunctionConfiguration::functionName)
                .doesNotContain("versioned");
    }

    @Test
    void setsReservedAndProvisionedConcurrency() throws Exception {
        byte[] code = zip(Map.of("app.py", "def handler(event, context):\n    return 'pc'\n"));
        lambda.createFunction(r -> r.functionName("concurrent").runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/r").code(c -> c.zipFile(SdkBytes.fromByteArray(code))).publish(true));

        assertThat(lambda.putFunctionConcurrency(r -> r.functionName("concurrent").reservedConcurrentExecutions(3))
                .reservedConcurrentExecutions()).isEqualTo(3);
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("concurrent")).reservedConcurrentExecutions())
                .isEqualTo(3);
        assertThat(lambda.getFunction(r -> r.functionName("concurrent")).concurrency().reservedConcurrentExecutions())
                .isEqualTo(3);
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("concurrent")
                .reservedConcurrentExecutions(950))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("Specified ReservedConcurrentExecutions for function decreases account's "
                        + "UnreservedConcurrentExecution below its minimum value of [100].");
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("concurrent:1")
                .reservedConcurrentExecutions(1))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("This operation is permitted on Lambda functions only.");

        assertThat(lambda.putProvisionedConcurrencyConfig(r -> r.functionName("concurrent").qualifier("1")
                .provisionedConcurrentExecutions(2)).statusAsString()).isEqualTo("IN_PROGRESS");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            GetProvisionedConcurrencyConfigResponse config = lambda.getProvisionedConcurrencyConfig(
                    r -> r.functionName("concurrent").qualifier("1"));
            assertThat(config.statusAsString()).isEqualTo("READY");
            assertThat(config.availableProvisionedConcurrentExecutions()).isEqualTo(2);
        });
        assertThat(lambda.listProvisionedConcurrencyConfigs(r -> r.functionName("concurrent")).provisionedConcurrencyConfigs())
                .extracting(ProvisionedConcurrencyConfigListItem::functionArn)
                .containsExactly("arn:aws:lambda:us-east-1:000000000000:function:concurrent:1");
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("concurrent")
                .qualifier("$LATEST").provisionedConcurrentExecutions(1))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("concurrent")
                .qualifier("1").provisionedConcurrentExecutions(4))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("Requested Provisioned Concurrency should not be greater than the "
                        + "reservedConcurrentExecution for function");
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("concurrent")
                .reservedConcurrentExecutions(1))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("ReservedConcurrentExecutions 1 should not be lower than function's total "
                        + "provisioned concurrency [2].");
        lambda.createAlias(r -> r.functionName("concurrent").name("pc").functionVersion("1"));
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("concurrent")
                .qualifier("pc").provisionedConcurrentExecutions(1))).isInstanceOf(ResourceConflictException.class);

        lambda.deleteProvisionedConcurrencyConfig(r -> r.functionName("concurrent").qualifier("1"));
        assertThatThrownBy(() -> lambda.getProvisionedConcurrencyConfig(r -> r.functionName("concurrent").qualifier("1")))
                .isInstanceOf(ProvisionedConcurrencyConfigNotFoundException.class)
                .hasMessageStartingWith("No Provisioned Concurrency Config found for this function");
        lambda.deleteFunctionConcurrency(r -> r.functionName("concurrent"));
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("concurrent")).reservedConcurrentExecutions()).isNull();
        lambda.deleteFunction(r -> r.functionName("concurrent"));
    }

    @Test
    void managesPermissionsUrlsAsyncSettingsAndTags() throws Exception {
        byte[] code = zip(Map.of("app.py", "import json\ndef handler(event, context):\n"
                + "    return {'statusCode': 200, 'body': 'via ' + event.get('rawPath', '?')}\n"));
        String arn = lambda.createFunction(r -> r.functionName("settings").runtime(Runtime.PYTHON3_12)
                .handler("app.handler").role("arn:aws:iam::000000000000:role/r")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(code))).publish(true)).functionArn();
        lambda.createAlias(r -> r.functionName("settings").name("prod").functionVersion("1"));

        AddPermissionResponse added = lambda.addPermission(r -> r.functionName("settings").statementId("s3")
                .action("lambda:InvokeFunction").principal("s3.amazonaws.com").sourceArn("arn:aws:s3:::bucket"));
        assertThat(JSON.readTree(added.statement())).isEqualTo(JSON.readTree("""
                {"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction",
                 "Resource":"%s","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket"}}}""".formatted(arn)));
        lambda.addPermission(r -> r.functionName("settings").statementId("other").action("lambda:InvokeFunction")
                .principal("111111111111"));
        JsonNode policy = JSON.readTree(lambda.getPolicy(r -> r.functionName("settings")).policy());
        assertThat(policy.get("Version").asText()).isEqualTo("2012-10-17");
        assertThat(policy.get("Statement")).hasSize(2);
        assertThat(policy.get("Statement").get(1).get("Principal").get("AWS").asText())
                .isEqualTo("arn:aws:iam::111111111111:root");
        assertThatThrownBy(() -> lambda.addPermission(r -> r.functionName("settings").statementId("s3")
                .action("lambda:InvokeFunction").principal("s3.amazonaws.com"))).isInstanceOf(ResourceConflictException.class)
                .hasMessageStartingWith("The statement id (s3) provided already exists.");
        assertThatThrownBy(() -> lambda.addPermission(r -> r.functionName("settings").qualifier("$LATEST").statementId("l")
                .action("lambda:InvokeFunction").principal("s3.amazonaws.com")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("We currently do not support adding policies for $LATEST.");
        try (LambdaClient other = LambdaClients.of("other-key", "other-secret")) {
            assertThat(other.invoke(r -> r.functionName(arn)).statusCode()).as("the statement lets account 1111 in")
                    .isEqualTo(200);
            assertThat(other.listFunctions().functions()).as("another tenant sees only its own functions")
                    .extracting(FunctionConfiguration::functionName).doesNotContain("settings");
            assertThatThrownBy(() -> other.getFunction(r -> r.functionName("settings")))
                    .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("111111111111:function:settings");
            assertThatThrownBy(() -> other.updateFunctionConfiguration(r -> r.functionName(arn).timeout(5)))
                    .isInstanceOf(LambdaException.class).hasMessageContaining("is not authorized to perform: "
                            + "lambda:UpdateFunctionConfiguration")
                    .satisfies(e -> assertThat(((LambdaException) e).statusCode()).isEqualTo(403));
        }
        lambda.removePermission(r -> r.functionName("settings").statementId("other"));
        assertThatThrownBy(() -> lambda.removePermission(r -> r.functionName("settings").statementId("other")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("Statement other is not found in resource policy.");

        CreateFunctionUrlConfigResponse url = lambda.createFunctionUrlConfig(r -> r.functionName("settings")
                .qualifier("prod").authType(FunctionUrlAuthType.NONE).cors(c -> c.allowOrigins("*").maxAge(60)));
        // The test profile serves function URLs on host names under lambda-url.test, as behind an ingress.
        assertThat(url.functionUrl()).isEqualTo("http://settings--prod.lambda-url.test/");
        assertThat(url.functionArn()).isEqualTo(arn + ":prod");
        given().header("Host", "settings--prod.lambda-url.test").get("/hello").then().statusCode(200)
                .body(equalTo("via /hello"));
        given().get("/url/settings/prod/again").then().statusCode(200).body(equalTo("via /again"));
        assertThatThrownBy(() -> lambda.createFunctionUrlConfig(r -> r.functionName("settings").qualifier("prod")
                .authType(FunctionUrlAuthType.NONE))).isInstanceOf(ResourceConflictException.class);
        assertThatThrownBy(() -> lambda.createFunctionUrlConfig(r -> r.functionName("settings").qualifier("1")
                .authType(FunctionUrlAuthType.NONE))).isInstanceOf(LambdaException.class)
                .hasMessageContaining("at 'qualifier' failed to satisfy constraint");
        lambda.updateFunctionUrlConfig(r -> r.functionName("settings").qualifier("prod").authType(FunctionUrlAuthType.AWS_IAM));
        assertThat(lambda.getFunctionUrlConfig(r -> r.functionName("settings").qualifier("prod")).authType())
                .isEqualTo(FunctionUrlAuthType.AWS_IAM);
        given().get("/url/settings/prod/").then().statusCode(403);
        assertThat(lambda.listFunctionUrlConfigs(r -> r.functionName("settings")).functionUrlConfigs()).hasSize(1);
        lambda.deleteFunctionUrlConfig(r -> r.functionName("settings").qualifier("prod"));
        assertThatThrownBy(() -> lambda.getFunctionUrlConfig(r -> r.functionName("settings").qualifier("prod")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("The resource you requested does not exist.");

        PutFunctionEventInvokeConfigResponse async = lambda.putFunctionEventInvokeConfig(r -> r.functionName("settings")
                .maximumRetryAttempts(1).destinationConfig(d -> d.onFailure(f -> f.destination("kafka://failed"))));
        assertThat(async.functionArn()).isEqualTo(arn + ":$LATEST");
        assertThat(async.maximumRetryAttempts()).isEqualTo(1);
        assertThat(async.destinationConfig().onFailure().destination()).isEqualTo("kafka://failed");
        lambda.updateFunctionEventInvokeConfig(r -> r.functionName("settings").maximumEventAgeInSeconds(120));
        GetFunctionEventInvokeConfigResponse merged = lambda.getFunctionEventInvokeConfig(r -> r.functionName("settings"));
        assertThat(merged.maximumRetryAttempts()).as("Update merges").isEqualTo(1);
        assertThat(merged.maximumEventAgeInSeconds()).isEqualTo(120);
        assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("settings")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("You must specify at least one of error handling or destination setting.");
        assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("settings")
                .destinationConfig(d -> d.onSuccess(f -> f.destination(arn)))))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("You can't specify the function as a destination for itself.");
        lambda.putFunctionEventInvokeConfig(r -> r.functionName("settings").qualifier("prod").maximumRetryAttempts(0));
        assertThat(lambda.listFunctionEventInvokeConfigs(r -> r.functionName("settings")).functionEventInvokeConfigs())
                .extracting(FunctionEventInvokeConfig::functionArn).containsExactly(arn + ":$LATEST", arn + ":prod");
        lambda.deleteFunctionEventInvokeConfig(r -> r.functionName("settings"));
        assertThatThrownBy(() -> lambda.getFunctionEventInvokeConfig(r -> r.functionName("settings")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("The function " + arn + ":$LATEST doesn't have an EventInvokeConfig");

        lambda.tagResource(r -> r.resource(arn).tags(Map.of("team", "a", "cost", "b")));
        lambda.untagResource(r -> r.resource(arn).tagKeys("cost"));
        assertThat(lambda.listTags(r -> r.resource(arn)).tags()).containsExactly(Map.entry("team", "a"));
        GetAccountSettingsResponse account = lambda.getAccountSettings();
        assertThat(account.accountLimit().concurrentExecutions()).isEqualTo(1000);
        assertThat(account.accountLimit().codeSizeZipped()).isEqualTo(52_428_800L);
        assertThat(account.accountUsage().functionCount()).isGreaterThanOrEqualTo(3);
        lambda.deleteFunction(r -> r.functionName("settings"));
    }

    @Test
    void managesEventSourceMappingsAsResources() throws Exception {
        byte[] code = zip(Map.of("app.py", "def handler(event, context):\n    return None\n"));
        lambda.createFunction(r -> r.functionName("fed").runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/r").code(c -> c.zipFile(SdkBytes.fromByteArray(code))));

        CreateEventSourceMappingResponse kafka = lambda.createEventSourceMapping(r -> r.functionName("fed")
                .selfManagedEventSource(
                        e -> e.endpoints(Map.of(EndPointType.KAFKA_BOOTSTRAP_SERVERS, List.of("localhost:9092"))))
                .topics("orders").startingPosition(EventSourcePosition.TRIM_HORIZON).batchSize(50)
                .functionResponseTypes(FunctionResponseType.REPORT_BATCH_ITEM_FAILURES));
        assertThat(kafka.sdkHttpResponse().statusCode()).isEqualTo(202);
        assertThat(kafka.state()).isEqualTo("Creating");
        assertThat(kafka.uuid()).matches("[0-9a-f-]{36}");
        assertThat(kafka.selfManagedKafkaEventSourceConfig().consumerGroupId()).isEqualTo(kafka.uuid());
        assertThat(kafka.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:fed");
        assertThat(kafka.eventSourceMappingArn()).endsWith(":event-source-mapping:" + kafka.uuid());
        assertThat(ManifestsResource.home().resolve("resources/default/eventsourcemapping/" + kafka.uuid() + ".yaml"))
                .content().contains("topics:").contains("- orders").contains("batchSize: 50");

        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.functionName("fed")
                .selfManagedEventSource(
                        e -> e.endpoints(Map.of(EndPointType.KAFKA_BOOTSTRAP_SERVERS, List.of("localhost:9092"))))
                .topics("orders").startingPosition(EventSourcePosition.LATEST)))
                .isInstanceOf(ResourceConflictException.class)
                .hasMessageContaining("Please update or delete the existing mapping with UUID " + kafka.uuid());
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.functionName("nobody")
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:queue")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageStartingWith("Function does not exist");
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.functionName("fed")
                .eventSourceArn("arn:aws:kinesis:us-east-1:000000000000:stream/s")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageStartingWith("Unrecognized event source.");
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.functionName("fed")
                .selfManagedEventSource(e -> e.endpoints(Map.of(EndPointType.KAFKA_BOOTSTRAP_SERVERS, List.of("other:9092"))))
                .topics("orders"))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("startingPosition is required for kafka sources");
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.functionName("fed")
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:queue").batchSize(20)))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining(
                        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");

        CreateEventSourceMappingResponse sqs = lambda.createEventSourceMapping(r -> r.functionName("fed:$LATEST")
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:queue").batchSize(20).maximumBatchingWindowInSeconds(1));
        assertThat(sqs.eventSourceArn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:queue");

        UpdateEventSourceMappingResponse updated = lambda.updateEventSourceMapping(r -> r.uuid(kafka.uuid())
                .enabled(false).batchSize(10));
        assertThat(updated.batchSize()).isEqualTo(10);
        GetEventSourceMappingResponse disabled = lambda.getEventSourceMapping(r -> r.uuid(kafka.uuid()));
        assertThat(disabled.state()).isEqualTo("Disabled");
        assertThat(disabled.topics()).containsExactly("orders");
        assertThat(lambda.listEventSourceMappings(r -> r.functionName("fed")).eventSourceMappings())
                .extracting(EventSourceMappingConfiguration::uuid).containsExactlyInAnyOrder(kafka.uuid(), sqs.uuid());
        assertThat(lambda.listEventSourceMappings(r -> r.eventSourceArn("arn:aws:sqs:us-east-1:000000000000:queue"))
                .eventSourceMappings()).extracting(EventSourceMappingConfiguration::uuid).containsExactly(sqs.uuid());

        assertThat(lambda.deleteEventSourceMapping(r -> r.uuid(kafka.uuid())).state()).isEqualTo("Deleting");
        assertThatThrownBy(() -> lambda.getEventSourceMapping(r -> r.uuid(kafka.uuid())))
                .isInstanceOf(ResourceNotFoundException.class);
        lambda.deleteEventSourceMapping(r -> r.uuid(sqs.uuid()));
        lambda.deleteFunction(r -> r.functionName("fed"));
    }

    @Test
    void publishesLayersThatFunctionsRunWith() throws Exception {
        byte[] layerZip = zip(Map.of("python/greeting.py", "GREETING = 'hello from a layer'\n"));
        PublishLayerVersionResponse first = lambda.publishLayerVersion(r -> r.layerName("greetings")
                .description("shared words").compatibleRuntimes(Runtime.PYTHON3_12)
                .content(c -> c.zipFile(SdkBytes.fromByteArray(layerZip))));
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.layerVersionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:layer:greetings:1");
        assertThat(first.layerArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:layer:greetings");
        assertThat(first.content().codeSha256()).isEqualTo(base64Sha256(layerZip));
        assertThat(download(first.content().location())).isEqualTo(layerZip);
        assertThat(lambda.publishLayerVersion(r -> r.layerName("greetings")
                .content(c -> c.zipFile(SdkBytes.fromByteArray(layerZip)))).version()).isEqualTo(2);

        byte[] code = zip(
                Map.of("app.py", "from greeting import GREETING\ndef handler(event, context):\n    return GREETING\n"));
        lambda.createFunction(r -> r.functionName("layered").runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/r").layers(first.layerVersionArn())
                .code(c -> c.zipFile(SdkBytes.fromByteArray(code))));
        assertThat(invoke("layered")).isEqualTo("\"hello from a layer\"");
        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("layered")
                .layers("arn:aws:lambda:us-east-1:000000000000:layer:greetings:9")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageStartingWith(
                        "Layer version arn:aws:lambda:us-east-1:000000000000:layer:greetings:9 does not exist.");

        assertThatThrownBy(() -> lambda.getLayerVersion(r -> r.layerName("greetings").versionNumber(0L)))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageStartingWith("Layer Version Cannot be less than 1");
        assertThatThrownBy(() -> lambda.getLayerVersion(r -> r.layerName("greetings").versionNumber(42L)))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageStartingWith(
                        "Layer version arn:aws:lambda:us-east-1:000000000000:layer:greetings:42 does not exist.");
        assertThat(lambda.getLayerVersionByArn(r -> r.arn("arn:aws:lambda:us-east-1:000000000000:layer:greetings:2"))
                .version()).isEqualTo(2);
        assertThat(lambda.listLayers().layers()).extracting(l -> l.layerName(), l -> l.latestMatchingVersion().version())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("greetings", 2L));
        assertThat(lambda.listLayerVersions(r -> r.layerName("greetings")).layerVersions())
                .extracting(LayerVersionsListItem::version).containsExactly(2L, 1L);

        lambda.deleteLayerVersion(r -> r.layerName("greetings").versionNumber(2L));
        assertThat(lambda.listLayerVersions(r -> r.layerName("greetings")).layerVersions())
                .extracting(LayerVersionsListItem::version).containsExactly(1L);
        assertThat(lambda.publishLayerVersion(r -> r.layerName("greetings")
                .content(c -> c.zipFile(SdkBytes.fromByteArray(layerZip)))).version())
                .as("numbers are never reused").isEqualTo(3);
        lambda.deleteFunction(r -> r.functionName("layered"));
        lambda.deleteLayerVersion(r -> r.layerName("greetings").versionNumber(1L));
        lambda.deleteLayerVersion(r -> r.layerName("greetings").versionNumber(3L));
        assertThat(lambda.listLayers().layers()).isEmpty();
    }

    @Test
    void changesAManifestsFunctionInItsFileAndGuardsTheRevision() throws Exception {
        String revision = lambda.getFunctionConfiguration(r -> r.functionName("hand-written")).revisionId();

        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("hand-written").timeout(7)
                .revisionId("00000000-0000-0000-0000-000000000000")))
                .isInstanceOfSatisfying(PreconditionFailedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(412);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("The Revision Id provided does not match "
                            + "the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
                });

        lambda.updateFunctionConfiguration(r -> r.functionName("hand-written").timeout(7).revisionId(revision));
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("hand-written")).timeout()).isEqualTo(7);
        assertThat(invoke("hand-written")).isEqualTo("\"hand-written\"");
        String location = lambda.getFunction(r -> r.functionName("hand-written")).code().location();
        try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(download(location)))) {
            assertThat(zip.getNextEntry().getName()).as("code.path, packaged").isEqualTo("handler.py");
        }
        assertThat(ManifestsResource.manifests().resolve("functions.yaml")).content()
                .startsWith("# Functions written by hand; the management API changes them in this file.\n")
                .contains("name: hand-written").contains("timeout: 7").contains("path: src")
                .contains("---\napiVersion: klambda.dev/v1alpha1\nkind: Function\nmetadata: {name: neighbour}\n");
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("neighbour")).memorySize()).isEqualTo(256);
    }

    @Test
    void aManifestsMappingMayNameItsFunctionByArn() throws Exception {
        Path manifest = ManifestsResource.manifests().resolve("mapping-by-arn.yaml");
        Files.writeString(manifest, """
                apiVersion: klambda.dev/v1alpha1
                kind: EventSourceMapping
                metadata: {name: by-arn}
                spec:
                  functionName: arn:aws:lambda:us-east-1:000000000000:function:neighbour:live
                  enabled: false
                  sqs: {eventSourceArn: "arn:aws:sqs:us-east-1:000000000000:by-arn"}
                """);
        try {
            List<EventSourceMappingConfiguration> mappings = await().atMost(Duration.ofSeconds(20)).until(
                    () -> lambda.listEventSourceMappings(r -> r.functionName("neighbour:live")).eventSourceMappings(),
                    found -> !found.isEmpty());

            assertThat(mappings).singleElement().satisfies(mapping -> {
                assertThat(mapping.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:neighbour:live");
                assertThat(mapping.eventSourceArn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:by-arn");
            });
        } finally {
            Files.delete(manifest);
        }
    }

    @Test
    void refusesASecondFunctionOfTheSameName() throws Exception {
        byte[] code = zip(Map.of("app.py", "def handler(e, c):\n    return 1\n"));
        assertThatThrownBy(() -> lambda.createFunction(r -> r.functionName("neighbour").runtime(Runtime.PYTHON3_12)
                .handler("app.handler").role("arn:aws:iam::000000000000:role/r")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(code)))))
                .isInstanceOfSatisfying(ResourceConflictException.class,
                        e -> assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Function already exist: neighbour"));
    }

    @Test
    void keepsLambdaNamesThatAreNotKubernetesNames() throws Exception {
        byte[] code = zip(Map.of("app.py", "def handler(e, c):\n    return 'upper'\n"));
        lambda.createFunction(r -> r.functionName("Upper_Case").runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/r").code(c -> c.zipFile(SdkBytes.fromByteArray(code))));

        assertThat(lambda.getFunction(r -> r.functionName("Upper_Case")).configuration().functionName())
                .isEqualTo("Upper_Case");
        assertThat(invoke("Upper_Case")).isEqualTo("\"upper\"");
        try (Stream<Path> files = Files.list(ManifestsResource.home().resolve("resources/default/function"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("upper-case-[0-9a-f]{8}\\.yaml"));
        }
    }

    @Test
    void answersBadRequestsWithAwsErrorsAndChangesNothing() throws Exception {
        String zip = Base64.getEncoder().encodeToString(zip(Map.of("app.py", "x = 1\n")));
        List<String> storedBefore = codeStore();

        expect("{not json", 400, "InvalidRequestContentException", null);
        expect("{\"FunctionName\":\"bad1\",\"Runtime\":\"python3.12\",\"Handler\":\"a.b\",\"Code\":{\"ZipFile\":\"" + zip
                + "\"}}",
                400, "ValidationException",
                "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
        expect("{\"Role\":\"arn:aws:iam::000000000000:role/r\",\"Code\":{\"ZipFile\":\"" + zip + "\"}}", 400,
                "ValidationException",
                "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null");
        expect("{\"FunctionName\":\"bad1\",\"Role\":\"arn:aws:iam::000000000000:role/r\"}", 400, "ValidationException",
                "1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null");
        expect("{\"FunctionName\":\"bad1\",\"Role\":\"arn:aws:iam::000000000000:role/r\",\"Handler\":\"a.b\","
                + "\"Code\":{\"ZipFile\":\"" + zip + "\"}}", 400, "InvalidParameterValueException",
                "Runtime and Handler are mandatory parameters for functions created with Zip Package Type");
        expect(create("bad2", "\"MemorySize\":20000,\"Timeout\":0", zip), 400, "ValidationException",
                "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have "
                        + "value greater than or equal to 1; Value '20000' at 'memorySize' failed to satisfy constraint: "
                        + "Member must have value less than or equal to 10240");
        expect(create("bad name!", "", zip), 400, "ValidationException", null);
        expect(create("x".repeat(65), "", zip), 400, "InvalidParameterValueException", null);
        expect(create("bad3", "\"Runtime\":\"cobol85\"", zip), 400, "InvalidParameterValueException", null);
        expect(create("bad4", "\"Environment\":{\"Variables\":{\"AWS_REGION\":\"x\"}}", zip), 400,
                "InvalidParameterValueException", null);
        expect(create("bad5", "", Base64.getEncoder().encodeToString("not a zip".getBytes())), 400,
                "InvalidParameterValueException",
                "Could not unzip uploaded file. Please check your file, then try to upload again.");
        expect(create("bad6", "", Base64.getEncoder().encodeToString(zip(Map.of("../escape.py", "x = 1\n")))), 400,
                "InvalidParameterValueException",
                "Could not unzip uploaded file. Please check your file, then try to upload again.");
        expect(create("bad7", "", Base64.getEncoder().encodeToString(new byte[52_428_801])), 413,
                "RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes");
        expect(create("bad8", "", Base64.getEncoder().encodeToString(new byte[60 * 1024 * 1024])), 413,
                "RequestEntityTooLargeException",
                "Request must be smaller than 70167211 bytes for the CreateFunction operation");

        assertThat(codeStore()).as("no refused upload was kept (others may have gone meanwhile)").isSubsetOf(storedBefore);
        for (int i = 1; i <= 8; i++) {
            int n = i;
            assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("bad" + n)))
                    .isInstanceOf(ResourceNotFoundException.class);
        }
    }

    static String create(String name, String members, String zipBase64) {
        return "{\"FunctionName\":\"" + name + "\",\"Runtime\":\"python3.12\",\"Handler\":\"app.handler\","
                + "\"Role\":\"arn:aws:iam::000000000000:role/r\"," + (members.isEmpty() ? "" : members + ",")
                + "\"Code\":{\"ZipFile\":\"" + zipBase64 + "\"}}";
    }

    static void expect(String body, int status, String errorType, String message) {
        var response = given().filter(signed()).contentType("application/json").body(body)
                .post("/2015-03-31/functions")
                .then().statusCode(status).header("x-amzn-ErrorType", equalTo(errorType));
        if (message != null) {
            response.body("message", equalTo(message));
        }
    }

    static byte[] download(String location) throws Exception {
        java.net.http.HttpResponse<byte[]> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create(location)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/zip");
        return response.body();
    }

    String invoke(String name) {
        return lambda.invoke(r -> r.functionName(name)).payload().asUtf8String();
    }

    static List<String> codeStore() throws IOException {
        Path code = ManifestsResource.home().resolve("code");
        if (!Files.isDirectory(code)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(code)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] zip(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toByteArray();
    }

    static String hexSha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static String base64Sha256(byte[] bytes) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
