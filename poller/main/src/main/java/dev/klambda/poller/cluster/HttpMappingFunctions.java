package dev.klambda.poller.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.tenant.AccessKey;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.poller.mapping.TenantMappingFunctions;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Invokes through the invoker's Lambda API, as the mapping's own account: each batch is a
 * synchronous {@code Invoke} signed with the first access key of the namespace's tenant, so it is
 * authenticated, routed, throttled and run like any other call. The SDK does not retry: a throttle
 * or an unreachable invoker goes back to the mapping, which retries with its own backoff and
 * without counting it against {@code MaximumRetryAttempts}.
 */
final class HttpMappingFunctions extends TenantMappingFunctions implements AutoCloseable {

    /** Longer than the longest function timeout (15 minutes), so the invoker always answers first. */
    static final Duration READ_TIMEOUT = Duration.ofMinutes(16);

    private final URI invoker;
    private final SdkHttpClient http;
    private final Map<String, LambdaClient> clients = new ConcurrentHashMap<>();
    // The SDK's synchronous client blocks; each call gets a virtual thread of its own.
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

    HttpMappingFunctions(URI invoker, TenantTable tenants, String region, int maxConnections) {
        super(tenants, region);
        this.invoker = invoker;
        this.http = Apache5HttpClient.builder().maxConnections(maxConnections).socketTimeout(READ_TIMEOUT).build();
    }

    /** The request id is the invoker's: the Invoke API has no way to choose it, so {@code requestId} is not sent. */
    @Override
    public CompletionStage<InvocationRecords.Response> invoke(String namespace, String function, String requestId,
            byte[] payload) {
        LambdaClient client;
        try {
            client = clients.computeIfAbsent(namespace, this::client);
        } catch (LambdaException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.supplyAsync(() -> call(client, function, payload), calls);
    }

    private InvocationRecords.Response call(LambdaClient client, String function, byte[] payload) {
        InvokeResponse response;
        try {
            response = client.invoke(request -> request.functionName(function)
                    .payload(SdkBytes.fromByteArrayUnsafe(payload)));
        } catch (software.amazon.awssdk.services.lambda.model.LambdaException e) {
            throw new LambdaException(type(e.awsErrorDetails().errorCode()), e.awsErrorDetails().errorMessage());
        } catch (SdkClientException e) {
            throw new LambdaException(ErrorType.ServiceException,
                    "The invoker at " + invoker + " could not be reached: " + e.getMessage());
        }
        return new InvocationRecords.Response(response.executedVersion(), response.functionError(),
                response.payload() == null ? new byte[0] : response.payload().asByteArrayUnsafe());
    }

    /** The invoker answers with Lambda's error types; one this side does not know is a platform error. */
    private static ErrorType type(String code) {
        try {
            return code == null ? ErrorType.ServiceException : ErrorType.valueOf(code);
        } catch (IllegalArgumentException e) {
            return ErrorType.ServiceException;
        }
    }

    private LambdaClient client(String namespace) {
        AccessKey key = tenant(namespace).accessKeys().stream().findFirst()
                .orElseThrow(() -> new LambdaException(ErrorType.AccessDeniedException,
                        "The tenant of namespace " + namespace + " has no access key to invoke with"));
        return LambdaClient.builder().endpointOverride(invoker).region(Region.of(region)).httpClient(http)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.id(), key.secret())))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @Override
    public void close() {
        calls.shutdownNow();
        clients.values().forEach(LambdaClient::close);
        http.close();
    }
}
