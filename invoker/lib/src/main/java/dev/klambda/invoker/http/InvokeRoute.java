package dev.klambda.invoker.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import dev.klambda.agent.InvokeResult;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.invoke.TraceHeader;

/**
 * {@code POST /2015-03-31/functions/{FunctionName}/invocations}: Lambda's Invoke on the wire. Reads
 * and checks the request (name, qualifier, headers, a JSON body), hands it to the {@link Invoker},
 * and answers with Lambda's headers. Never blocks the event loop.
 */
public final class InvokeRoute implements Handler<RoutingContext> {

    public static final String PATH = "/2015-03-31/functions/:FunctionName/invocations";
    /** The largest synchronous request body. */
    public static final int MAX_PAYLOAD = 6_291_456;
    /** The largest asynchronous ({@code Event}) request body. */
    public static final int MAX_EVENT_PAYLOAD = 1_048_576;
    /** The longest client context, base64-encoded. */
    static final int MAX_CLIENT_CONTEXT = 3583;

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] EMPTY_EVENT = "{}".getBytes(StandardCharsets.UTF_8);

    private final Invoker invoker;
    private final Clock clock;

    public InvokeRoute(Invoker invoker, Clock clock) {
        this.invoker = invoker;
        this.clock = clock;
    }

    /** The error for a request body over {@link #MAX_PAYLOAD}. */
    public static LambdaException tooLarge() {
        return new LambdaException(ErrorType.RequestEntityTooLargeException,
                "Request must be smaller than " + MAX_PAYLOAD + " bytes for the InvokeFunction operation");
    }

    @Override
    public void handle(RoutingContext context) {
        String requestId = UUID.randomUUID().toString();
        context.put(Responses.REQUEST_ID, requestId);
        Invoker.Call call;
        try {
            call = call(context, requestId);
        } catch (LambdaException e) {
            Responses.error(context, e);
            return;
        }
        invoker.invoke(call).whenComplete((outcome, failure) -> {
            if (failure != null) {
                Responses.error(context, failure);
                return;
            }
            respond(context, call, outcome);
        });
    }

    private Invoker.Call call(RoutingContext context, String requestId) {
        HttpServerRequest request = context.request();
        List<String> qualifiers = context.queryParam("Qualifier");
        FunctionReference reference = FunctionReference.parse(context.pathParam("FunctionName"),
                qualifiers.isEmpty() ? null : qualifiers.get(0), FunctionReference.Shape.NAMESPACED);
        Invoker.Type type = invocationType(request.getHeader("X-Amz-Invocation-Type"));
        boolean tail = tailLog(request.getHeader("X-Amz-Log-Type"));
        String clientContext = clientContext(request.getHeader("X-Amz-Client-Context"));
        Buffer body = context.body().buffer();
        byte[] payload = body == null || body.length() == 0 ? EMPTY_EVENT : body.getBytes();
        if (payload.length > MAX_PAYLOAD) {
            throw tooLarge();
        }
        if (type == Invoker.Type.Event && payload.length > MAX_EVENT_PAYLOAD) {
            throw new LambdaException(ErrorType.RequestEntityTooLargeException, payload.length
                    + " byte payload is too large for the Event invocation type (limit " + MAX_EVENT_PAYLOAD + " bytes)");
        }
        requireJson(payload);
        String trace = TraceHeader.of(request.getHeader("X-Amzn-Trace-Id"), traceparent(request),
                clock.instant().getEpochSecond());
        return new Invoker.Call(ApiAuthentication.caller(context).tenant(), reference, type, requestId, payload, tail,
                clientContext, trace);
    }

    /** The W3C trace context of this request: the server span's when tracing is on, else the caller's header. */
    private static String traceparent(HttpServerRequest request) {
        SpanContext span = Span.current().getSpanContext();
        if (!span.isValid()) {
            return request.getHeader("traceparent");
        }
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
    }

    private static void respond(RoutingContext context, Invoker.Call call, Invoker.Outcome outcome) {
        HttpServerResponse response = context.response().putHeader(Responses.REQUEST_ID, call.requestId());
        InvokeResult result = outcome.result();
        if (call.type() == Invoker.Type.Event) {
            response.setStatusCode(202).end();
            return;
        }
        if (result == null) {
            response.setStatusCode(204).end();
            return;
        }
        response.setStatusCode(200)
                .putHeader("X-Amz-Executed-Version", outcome.executedVersion())
                .putHeader("Content-Type", result.contentType() == null ? "application/json" : result.contentType());
        if (result.functionError() != null) {
            response.putHeader("X-Amz-Function-Error", result.functionError());
        }
        if (call.tailLog() && result.logTail() != null) {
            response.putHeader("X-Amz-Log-Result", result.logTail());
        }
        response.end(Buffer.buffer(result.payload()));
    }

    static Invoker.Type invocationType(String header) {
        if (header == null) {
            // The aws CLI does not always send it; Lambda's default applies.
            return Invoker.Type.RequestResponse;
        }
        return switch (header) {
            case "RequestResponse" -> Invoker.Type.RequestResponse;
            case "Event" -> Invoker.Type.Event;
            case "DryRun" -> Invoker.Type.DryRun;
            default -> throw LambdaException.validation("invocationType", header,
                    "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
        };
    }

    static boolean tailLog(String header) {
        if (header == null || header.equals("None")) {
            return false;
        }
        if (header.equals("Tail")) {
            return true;
        }
        throw LambdaException.validation("logType", header, "Member must satisfy enum value set: [None, Tail]");
    }

    /** The decoded client context, which must be base64 of a JSON object. */
    static String clientContext(String header) {
        if (header == null) {
            return null;
        }
        if (header.length() > MAX_CLIENT_CONTEXT) {
            throw new LambdaException(ErrorType.InvalidRequestContentException,
                    "Client context must be at most " + MAX_CLIENT_CONTEXT + " bytes of base64-encoded data.");
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(header);
        } catch (IllegalArgumentException e) {
            throw invalidClientContext();
        }
        try (JsonParser parser = JSON.createParser(decoded)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw invalidClientContext();
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw invalidClientContext();
            }
        } catch (IOException e) {
            throw invalidClientContext();
        }
        return new String(decoded, StandardCharsets.UTF_8);
    }

    private static LambdaException invalidClientContext() {
        return new LambdaException(ErrorType.InvalidRequestContentException,
                "Client context must be a valid Base64-encoded JSON object.");
    }

    /** Checks that the payload is one JSON value, with the messages Lambda (which parses with Jackson too) gives. */
    static void requireJson(byte[] payload) {
        try (JsonParser parser = JSON.createParser(payload)) {
            if (parser.nextToken() == null) {
                throw invalidJson("No content to map due to end-of-input");
            }
            parser.skipChildren();
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw invalidJson("Unexpected trailing token " + trailing + " after the JSON value, at line "
                        + parser.currentLocation().getLineNr() + ", column "
                        + parser.currentLocation().getColumnNr());
            }
        } catch (IOException e) {
            throw invalidJson(e.getMessage());
        }
    }

    private static LambdaException invalidJson(String detail) {
        return new LambdaException(ErrorType.InvalidRequestContentException,
                "Could not parse request body into json: Could not parse payload into json: " + detail);
    }
}
