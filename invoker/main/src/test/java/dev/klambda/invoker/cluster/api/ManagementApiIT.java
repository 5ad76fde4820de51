package dev.klambda.invoker.cluster.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.invoker.cluster.KlambdaCrds;
import dev.klambda.invoker.cluster.StandInController;
import dev.klambda.invoker.cluster.store.KubernetesResourceStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateAliasResponse;
import software.amazon.awssdk.services.lambda.model.CreateFunctionRequest;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.PublishVersionResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionConfigurationResponse;

/**
 * The Lambda management API of the cluster invoker, called with the AWS SDK for Java v2: what it
 * creates, changes and deletes are custom resources in the (mock) API server, and PublishVersion
 * waits for the controller, played here by the test.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = KlambdaCrds.class)
class ManagementApiIT {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String ROLE = "arn:aws:iam::000000000000:role/lambda-role";

    static LambdaClient lambda;

    @Inject
    KubernetesClient client;
    @Inject
    KubernetesResourceStore store;

    @BeforeEach
    void connect() {
        await().atMost(WAIT).until(store::synced);
        if (lambda == null) {
            // RestAssured knows the port the application took once Quarkus has started it.
            lambda = LambdaClient.builder()
                    .endpointOverride(URI.create("http://127.0.0.1:" + RestAssured.port))
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                    .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1)))
                    .build();
        }
    }

    @AfterAll
    static void disconnect() {
        if (lambda != null) {
            lambda.close();
            lambda = null;
        }
    }

    @Test
    void createsReadsChangesAndDeletesFunctionsAsResources() throws IOException {
        byte[] zip = zip("def handler(event, context):\n    return event\n");
        CreateFunctionResponse created = lambda.createFunction(create("api-crud", zip).build());
        assertThat(created.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:api-crud");
        assertThat(created.memorySize()).isEqualTo(256);

        CodeDigest digest = CodeDigest.of(zip);
        assertThat(Path.of("target/code-store").resolve(digest.hex() + ".zip")).as("the upload is in the code store")
                .exists().hasBinaryContent(zip);
        Function resource = client.resources(Function.class).inNamespace("default").withName("api-crud").get();
        assertThat(resource.getSpec().getCode().sha256()).isEqualTo(digest.hex());
        assertThat(resource.getSpec().getHandler()).isEqualTo("app.handler");
        assertThat(resource.getStatus()).as("the controller's to write").isNull();

        GetFunctionResponse got = lambda.getFunction(r -> r.functionName("api-crud"));
        assertThat(got.configuration().functionName()).isEqualTo("api-crud");
        assertThat(got.code().location()).as("downloads the zip from this service").isNotBlank();
        assertThat(lambda.listFunctions().functions()).extracting(FunctionConfiguration::functionName)
                .contains("api-crud");

        CreateAliasResponse alias = lambda.createAlias(r -> r.functionName("api-crud").name("live")
                .functionVersion("$LATEST"));
        assertThat(alias.aliasArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:api-crud:live");
        assertThat(client.resources(Alias.class).inNamespace("default").list().getItems())
                .anyMatch(a -> a.getSpec().functionName().equals("api-crud") && a.aliasName().equals("live"));

        UpdateFunctionConfigurationResponse updated = lambda.updateFunctionConfiguration(r -> r.functionName("api-crud")
                .memorySize(512).timeout(30).description("bigger"));
        assertThat(updated.memorySize()).isEqualTo(512);
        assertThat(client.resources(Function.class).inNamespace("default").withName("api-crud").get().getSpec())
                .satisfies(spec -> {
                    assertThat(spec.getMemorySize()).isEqualTo(512);
                    assertThat(spec.getTimeout()).isEqualTo(30);
                    assertThat(spec.getDescription()).isEqualTo("bigger");
                });
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("api-crud")).memorySize()).isEqualTo(512);

        lambda.deleteFunction(r -> r.functionName("api-crud"));
        assertThat(client.resources(Function.class).inNamespace("default").withName("api-crud").get()).isNull();
        assertThat(client.resources(Alias.class).inNamespace("default").list().getItems())
                .noneMatch(a -> a.getSpec().functionName().equals("api-crud"));
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("api-crud")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void publishesTheVersionTheControllerFreezes() throws IOException {
        lambda.createFunction(create("api-pub", zip("def handler(event, context):\n    return 1\n")).build());
        try (var controller = StandInController.publishing(client, "default", "api-pub")) {
            PublishVersionResponse published = lambda.publishVersion(r -> r.functionName("api-pub").description("first"));
            assertThat(published.version()).isEqualTo("1");
            assertThat(published.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:api-pub:1");
            assertThat(published.description()).isEqualTo("first");
        }
        assertThat(lambda.listVersionsByFunction(r -> r.functionName("api-pub")).versions())
                .extracting(FunctionConfiguration::version).containsExactly("$LATEST", "1");
        assertThat(client.resources(Version.class).inNamespace("default").list().getItems())
                .filteredOn(v -> v.getSpec().functionName().equals("api-pub")).singleElement()
                .satisfies(v -> assertThat(v.getSpec().version()).isEqualTo(1));
    }

    @Test
    void saysSoWhenNoControllerPublishesTheVersionInTime() throws IOException {
        lambda.createFunction(create("api-orphan", zip("def handler(event, context):\n    return 1\n")).build());
        assertThatThrownBy(() -> lambda.publishVersion(r -> r.functionName("api-orphan")))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).contains("api-orphan cannot be published now");
                });
        assertThat(client.resources(Version.class).inNamespace("default").list().getItems())
                .as("the unpublished Version does not stay to be published later")
                .noneMatch(v -> v.getSpec().functionName().equals("api-orphan"));
    }

    @Test
    void answersForAnUnknownFunctionWithResourceNotFound() {
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("api-nobody")))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorMessage())
                            .startsWith("Function not found: arn:aws:lambda:us-east-1:000000000000:function:api-nobody");
                });
        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("api-nobody").timeout(5)))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void refusesASpecTheResourceRulesRefuseAndCreatesNothing() throws IOException {
        CreateFunctionRequest request = create("api-invalid", zip("def handler(event, context):\n    return 1\n"))
                .deadLetterConfig(d -> d.targetArn("nowhere")).build();
        assertThatThrownBy(() -> lambda.createFunction(request))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).startsWith("spec.deadLetterConfig.targetArn");
                });
        assertThat(client.resources(Function.class).inNamespace("default").withName("api-invalid").get()).isNull();
    }

    private static CreateFunctionRequest.Builder create(String name, byte[] zip) {
        return CreateFunctionRequest.builder().functionName(name).runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role(ROLE).memorySize(256).code(c -> c.zipFile(SdkBytes.fromByteArray(zip)));
    }

    private static byte[] zip(String handler) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("app.py"));
            out.write(handler.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return bytes.toByteArray();
    }
}
