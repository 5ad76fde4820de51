package dev.klambda.agent;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Takes invocations over HTTP the way AWS's Runtime Interface Emulator does
 * ({@code POST /2015-03-31/functions/function/invocations}), so tools built for the RIE work,
 * plus what an invoker passes: request id, deadline, invoked ARN, trace id, client context and
 * {@code X-Amz-Log-Type: Tail}. Unlike the RIE it answers a second concurrent invocation with a
 * clear 409 instead of failing, and it reports function errors with {@code X-Amz-Function-Error}.
 */
public final class InvokeServer {

    public static final String INVOKE_PATH = "/2015-03-31/functions/function/invocations";
    public static final String READY_PATH = "/klambda/ready";
    /** Lambda's limit on a synchronous request. */
    public static final int MAX_REQUEST_BYTES = 6 * 1024 * 1024;

    /** When {@link #READY_PATH} answers 200 (otherwise 503, with the environment's state as the body). */
    public enum Readiness {
        /** Once INIT has succeeded, and while the runtime is idle or busy: the environment is pre-warmed first. */
        INITIALIZED,
        /** As long as the environment is not shut down: INIT runs with the first invocation. */
        LISTENING
    }

    private final HttpServer server;

    private InvokeServer(HttpServer server) {
        this.server = server;
    }

    /** Serves {@code environment} on {@code host:port}, ready once INIT has succeeded. */
    public static Future<InvokeServer> start(Vertx vertx, ExecutionEnvironment environment, String host, int port) {
        return start(vertx, environment, host, port, Readiness.INITIALIZED);
    }

    public static Future<InvokeServer> start(Vertx vertx, ExecutionEnvironment environment, String host, int port,
            Readiness readiness) {
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true));
        server.requestHandler(request -> handle(environment, readiness, request));
        return server.listen().map(InvokeServer::new);
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server.close();
    }

    private static void handle(ExecutionEnvironment environment, Readiness readiness, HttpServerRequest request) {
        HttpServerResponse response = request.response();
        if (request.path().equals(READY_PATH)) {
            ExecutionEnvironment.State state = environment.state();
            boolean ready = switch (readiness) {
                case INITIALIZED -> state == ExecutionEnvironment.State.IDLE || state == ExecutionEnvironment.State.BUSY;
                case LISTENING -> state != ExecutionEnvironment.State.STOPPED;
            };
            response.setStatusCode(ready ? 200 : 503).putHeader("Content-Type", "text/plain").end(state.name());
            return;
        }
        if (!request.path().equals(INVOKE_PATH)) {
            error(response, 404, "NotFound", "invocations go to " + INVOKE_PATH);
            return;
        }
        String length = request.getHeader("Content-Length");
        if (length != null && length.trim().matches("[0-9]{1,18}") && Long.parseLong(length.trim()) > MAX_REQUEST_BYTES) {
            // read and drop the body, so the caller (still sending it) gets the answer
            request.handler(ignored -> {
            });
            request.endHandler(v -> error(response, 413, "RequestEntityTooLargeException",
                    "Request must be smaller than " + MAX_REQUEST_BYTES + " bytes for the InvokeFunction operation"));
            return;
        }
        request.body().onSuccess(body -> {
            if (body.length() > MAX_REQUEST_BYTES) {
                error(response, 413, "RequestEntityTooLargeException",
                        "Request must be smaller than " + MAX_REQUEST_BYTES + " bytes for the InvokeFunction operation");
                return;
            }
            InvokeRequest invocation;
            try {
                invocation = invocation(request, body);
            } catch (IllegalArgumentException e) {
                error(response, 400, "InvalidRequestContentException", e.getMessage());
                return;
            }
            environment.invoke(invocation).whenComplete((result, failure) -> {
                if (failure != null) {
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause()
                            : failure;
                    if (cause instanceof ExecutionEnvironment.EnvironmentBusyException) {
                        error(response, 409, "Environment.Busy", cause.getMessage());
                    } else if (cause instanceof ExecutionEnvironment.EnvironmentStoppedException) {
                        error(response, 503, "Environment.Stopped", cause.getMessage());
                    } else {
                        error(response, 500, "ServiceException", String.valueOf(cause.getMessage()));
                    }
                    return;
                }
                if (response.closed()) {
                    return;
                }
                response.setStatusCode(200)
                        .putHeader("Content-Type", result.contentType() == null ? "application/json" : result.contentType())
                        .putHeader("Lambda-Runtime-Aws-Request-Id", invocation.requestId())
                        .putHeader("X-Klambda-Duration", String.format(java.util.Locale.ROOT, "%.3f", result.durationMillis()))
                        .putHeader("X-Klambda-Max-Memory-Used", Long.toString(result.maxMemoryUsedMb()));
                if (result.functionError() != null) {
                    response.putHeader("X-Amz-Function-Error", result.functionError());
                    if (result.errorType() != null) {
                        response.putHeader("X-Klambda-Error-Type", result.errorType());
                    }
                }
                if (result.logTail() != null) {
                    response.putHeader("X-Amz-Log-Result", result.logTail());
                }
                if (result.initDurationMillis() != null) {
                    response.putHeader("X-Klambda-Init-Duration",
                            String.format(java.util.Locale.ROOT, "%.3f", result.initDurationMillis()));
                }
                response.end(Buffer.buffer(result.payload()));
            });
        }).onFailure(e -> error(response, 400, "InvalidRequestContentException", "could not read the request body"));
    }

    private static InvokeRequest invocation(HttpServerRequest request, Buffer body) {
        String requestId = header(request, "Lambda-Runtime-Aws-Request-Id", "X-Amzn-RequestId");
        String deadline = request.getHeader("Lambda-Runtime-Deadline-Ms");
        String trace = header(request, "Lambda-Runtime-Trace-Id", "X-Amzn-Trace-Id");
        String clientContext = request.getHeader("Lambda-Runtime-Client-Context");
        String encodedContext = request.getHeader("X-Amz-Client-Context");
        if (clientContext == null && encodedContext != null) {
            try {
                clientContext = new String(Base64.getDecoder().decode(encodedContext), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("X-Amz-Client-Context is not valid base64");
            }
        }
        return new InvokeRequest(requestId != null ? requestId : UUID.randomUUID().toString(), body.getBytes(),
                deadline == null ? 0 : parseLong(deadline), request.getHeader("Lambda-Runtime-Invoked-Function-Arn"), trace,
                clientContext, request.getHeader("Lambda-Runtime-Cognito-Identity"),
                "Tail".equalsIgnoreCase(request.getHeader("X-Amz-Log-Type")));
    }

    private static String header(HttpServerRequest request, String name, String alternative) {
        String value = request.getHeader(name);
        return value != null ? value : request.getHeader(alternative);
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + value);
        }
    }

    private static void error(HttpServerResponse response, int status, String errorType, String message) {
        if (!response.ended() && !response.closed()) {
            response.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .putHeader("x-amzn-ErrorType", errorType)
                    .end("{\"errorType\":\"" + PlatformErrors.escape(errorType) + "\",\"errorMessage\":\""
                            + PlatformErrors.escape(message) + "\"}");
        }
    }
}
