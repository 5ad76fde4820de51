package dev.klambda.standalone;

import java.net.URI;

import io.restassured.RestAssured;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

/** AWS SDK Lambda clients for the application under test, on the port RestAssured knows once Quarkus started it. */
public final class LambdaClients {

    private LambdaClients() {
    }

    /** A client of the default tenant (access key test/test). */
    public static LambdaClient defaultTenant() {
        return of("test", "test");
    }

    /** A client signing with the given access key; it never retries, so throttles reach the tests. */
    public static LambdaClient of(String key, String secret) {
        return LambdaClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + RestAssured.port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret)))
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }
}
