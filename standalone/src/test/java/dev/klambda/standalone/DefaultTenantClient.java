package dev.klambda.standalone;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

import software.amazon.awssdk.services.lambda.LambdaClient;

/** For API tests: {@link #lambda}, an AWS SDK client of the default tenant for the application under test. */
public abstract class DefaultTenantClient {

    protected static LambdaClient lambda;

    @BeforeEach
    void connect() {
        // RestAssured knows the port the application took once Quarkus has started it.
        if (lambda == null) {
            lambda = LambdaClients.defaultTenant();
        }
    }

    @AfterAll
    static void disconnect() {
        if (lambda != null) {
            lambda.close();
            lambda = null;
        }
    }
}
