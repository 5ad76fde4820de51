package dev.klambda.invoker.http;

import java.util.UUID;

import org.jboss.logging.Logger;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import dev.klambda.core.error.ErrorBodies;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

/** Lambda's wire conventions for responses written from Vert.x routes. */
public final class Responses {

    public static final String REQUEST_ID = "x-amzn-RequestId";
    private static final Logger LOG = Logger.getLogger(Responses.class);

    private Responses() {
    }

    /** The request id of this call: the one the invoke route chose, or a new one. */
    public static String requestId(RoutingContext context) {
        String id = context.get(REQUEST_ID);
        if (id == null) {
            id = UUID.randomUUID().toString();
            context.put(REQUEST_ID, id);
        }
        return id;
    }

    /** Writes {@code failure} in Lambda's error shape; anything but a LambdaException is a 500 ServiceException. */
    public static void error(RoutingContext context, Throwable failure) {
        Throwable cause = LambdaException.cause(failure);
        LambdaException error;
        if (cause instanceof LambdaException lambda) {
            error = lambda;
        } else {
            LOG.error("unexpected error answering a Lambda API call", cause);
            error = new LambdaException(ErrorType.ServiceException,
                    "Internal error: " + cause.getClass().getSimpleName());
        }
        HttpServerResponse response = context.response();
        if (response.ended()) {
            return;
        }
        response.setStatusCode(error.type().status())
                .putHeader(ErrorBodies.ERROR_TYPE_HEADER, error.type().code())
                .putHeader(REQUEST_ID, requestId(context))
                .putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(ErrorBodies.body(error).toString()));
    }
}
