package dev.klambda.invoker.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import dev.klambda.core.error.LambdaException;
import dev.klambda.invoker.auth.Caller;
import dev.klambda.invoker.auth.SigV4Verifier;
import dev.klambda.invoker.auth.SignedRequest;

/**
 * Authenticates every Lambda API call with SigV4 before any route sees it, and leaves the caller
 * on the routing context for them. Runs after the body handler: the signature covers the body.
 */
public final class ApiAuthentication implements Handler<RoutingContext> {

    private static final String CALLER = "klambda.caller";
    private static final byte[] NO_BODY = new byte[0];

    private final SigV4Verifier verifier;

    public ApiAuthentication(SigV4Verifier verifier) {
        this.verifier = verifier;
    }

    /** The authenticated caller of this request. */
    public static Caller caller(RoutingContext context) {
        Caller caller = context.get(CALLER);
        if (caller == null) {
            throw new IllegalStateException("the request to " + context.normalizedPath() + " was not authenticated");
        }
        return caller;
    }

    @Override
    public void handle(RoutingContext context) {
        try {
            context.put(CALLER, verifier.verify(signedRequest(context)));
        } catch (LambdaException e) {
            Responses.error(context, e);
            return;
        }
        context.next();
    }

    /** The request as SigV4 sees it: method, raw path and query, headers, body (read by then). */
    public static SignedRequest signedRequest(RoutingContext context) {
        HttpServerRequest request = context.request();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : request.headers()) {
            headers.computeIfAbsent(header.getKey(), k -> new ArrayList<>(1)).add(header.getValue());
        }
        Buffer body = context.body().buffer();
        return new SignedRequest(request.method().name(), request.path(), request.query(), headers,
                body == null ? NO_BODY : body.getBytes());
    }
}
