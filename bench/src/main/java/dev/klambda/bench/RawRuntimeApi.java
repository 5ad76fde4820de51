package dev.klambda.bench;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;

/**
 * The least a Runtime API can do: hand the next event to the runtime and take its answer, with no
 * lifecycle, timeouts, logs or limits. The baseline the agent's overhead is measured against.
 */
final class RawRuntimeApi {

    private final HttpServer server;
    private final Deque<byte[]> events = new ArrayDeque<>();
    private HttpServerResponse parked;
    private final AtomicReference<CompletableFuture<byte[]>> answer = new AtomicReference<>();
    private long counter;

    private final Context context;

    RawRuntimeApi(Vertx vertx) throws Exception {
        context = vertx.getOrCreateContext();
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true));
        server.requestHandler(request -> {
            if (request.path().endsWith("/invocation/next")) {
                parked = request.response();
                deliver();
            } else if (request.path().endsWith("/response") || request.path().endsWith("/error")) {
                request.body().onSuccess(body -> {
                    request.response().setStatusCode(202).end("{\"status\":\"OK\"}");
                    answer.getAndSet(null).complete(body.getBytes());
                });
            } else {
                request.response().setStatusCode(404).end();
            }
        });
        CompletableFuture<Void> listening = new CompletableFuture<>();
        context.runOnContext(v -> server.listen().onComplete(r -> listening.complete(null)));
        listening.get();
    }

    int port() {
        return server.actualPort();
    }

    CompletableFuture<byte[]> invoke(byte[] event) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            answer.set(result);
            events.add(event);
            deliver();
        });
        return result;
    }

    private void deliver() {
        if (parked != null && !events.isEmpty()) {
            HttpServerResponse next = parked;
            parked = null;
            next.putHeader("Lambda-Runtime-Aws-Request-Id", "raw-" + counter++)
                    .putHeader("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 60_000))
                    .putHeader("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:raw")
                    .putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(events.poll()));
        }
    }

    void close() {
        server.close();
    }
}
