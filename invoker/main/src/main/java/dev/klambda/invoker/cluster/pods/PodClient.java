package dev.klambda.invoker.cluster.pods;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.agent.InvokeServer;

/**
 * Sends one invocation to a pod's agent ({@link InvokeServer}'s protocol) and reads its answer
 * back into an {@link InvokeResult}. The agent refuses a second concurrent invocation (409) and
 * answers 503 while it shuts down; both are {@link PodUnavailableException}s, as is a pod that
 * cannot be reached, so the caller can send the invocation elsewhere: in those cases the function
 * never saw it. A connection that breaks after the request went out is different, the function
 * may have run, and the caller gets {@link PodLostException}.
 */
public final class PodClient implements AutoCloseable {

    private final HttpClient http;

    public PodClient(Vertx vertx) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true)
                .setConnectTimeout(2000), new PoolOptions().setHttp1MaxSize(2));
    }

    /** Runs {@code request} on {@code pod}. */
    public Future<InvokeResult> invoke(PoolPod pod, InvokeRequest request) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(pod.ip()).setPort(pod.port())
                .setURI(InvokeServer.INVOKE_PATH)
                .putHeader("Content-Type", "application/json")
                .putHeader("Lambda-Runtime-Aws-Request-Id", request.requestId());
        if (request.deadlineEpochMillis() > 0) {
            options.putHeader("Lambda-Runtime-Deadline-Ms", Long.toString(request.deadlineEpochMillis()));
        }
        putIfPresent(options, "Lambda-Runtime-Invoked-Function-Arn", request.invokedFunctionArn());
        putIfPresent(options, "Lambda-Runtime-Trace-Id", request.traceId());
        putIfPresent(options, "Lambda-Runtime-Cognito-Identity", request.cognitoIdentity());
        if (request.clientContext() != null) {
            // header values must be ASCII: the agent decodes this form back
            options.putHeader("X-Amz-Client-Context",
                    Base64.getEncoder().encodeToString(request.clientContext().getBytes(StandardCharsets.UTF_8)));
        }
        if (request.tailLog()) {
            options.putHeader("X-Amz-Log-Type", "Tail");
        }
        return http.request(options)
                .recover(e -> Future.failedFuture(new PodUnavailableException(pod, "unreachable: " + e.getMessage(), false)))
                .compose(sent -> sent.send(Buffer.buffer(request.payload()))
                        .recover(e -> Future.failedFuture(lost(pod, e)))
                        .compose(response -> response.body()
                                .recover(e -> Future.failedFuture(lost(pod, e)))
                                .compose(body -> result(pod, response, body))));
    }

    @Override
    public void close() {
        http.close();
    }

    private static Future<InvokeResult> result(PoolPod pod, HttpClientResponse response, Buffer body) {
        return switch (response.statusCode()) {
            case 200 -> Future.succeededFuture(new InvokeResult(body.getBytes(), response.getHeader("Content-Type"),
                    response.getHeader("X-Amz-Function-Error"), response.getHeader("X-Klambda-Error-Type"),
                    response.getHeader("X-Amz-Log-Result"), number(response.getHeader("X-Klambda-Duration"), 0.0),
                    response.getHeader("X-Klambda-Init-Duration") == null ? null
                            : number(response.getHeader("X-Klambda-Init-Duration"), 0.0),
                    (long) number(response.getHeader("X-Klambda-Max-Memory-Used"), 0.0)));
            case 409, 503 -> Future.failedFuture(new PodUnavailableException(pod,
                    response.statusCode() + " " + body.toString(StandardCharsets.UTF_8), true));
            default -> Future.failedFuture(new PodLostException(pod,
                    "answered " + response.statusCode() + ": " + body.toString(StandardCharsets.UTF_8)));
        };
    }

    private static PodLostException lost(PoolPod pod, Throwable e) {
        return new PodLostException(pod, "the connection broke during the invocation: " + e.getMessage());
    }

    private static void putIfPresent(RequestOptions options, String name, String value) {
        if (value != null) {
            options.putHeader(name, value);
        }
    }

    private static double number(String value, double otherwise) {
        try {
            return value == null ? otherwise : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** The pod did not take the invocation: it can go to another pod. */
    public static final class PodUnavailableException extends RuntimeException {
        private final boolean refused;

        PodUnavailableException(PoolPod pod, String why, boolean refused) {
            super("pod " + pod.name() + " (" + pod.address() + ") " + why, null, false, false);
            this.refused = refused;
        }

        /** Whether the agent answered (busy or stopping), rather than not being reachable. */
        public boolean refused() {
            return refused;
        }
    }

    /** The pod took the invocation and then failed to answer it. */
    public static final class PodLostException extends RuntimeException {
        PodLostException(PoolPod pod, String why) {
            super("pod " + pod.name() + " (" + pod.address() + ") " + why, null, false, false);
        }
    }
}
