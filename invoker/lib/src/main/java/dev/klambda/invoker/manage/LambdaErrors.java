package dev.klambda.invoker.manage;

import java.util.UUID;

import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.klambda.core.error.ErrorBodies;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

/** Lambda's wire conventions for every response: a request id, and errors in Lambda's shape. */
public class LambdaErrors {

    static final String REQUEST_ID_HEADER = "x-amzn-RequestId";
    private static final Logger LOG = Logger.getLogger(LambdaErrors.class);

    @ServerExceptionMapper
    public Response lambdaError(LambdaException error) {
        return Response.status(error.type().status())
                .header(ErrorBodies.ERROR_TYPE_HEADER, error.type().code())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorBodies.body(error))
                .build();
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(RuntimeException error) {
        if (error instanceof jakarta.ws.rs.WebApplicationException web) {
            return web.getResponse();
        }
        LOG.error("unexpected error answering a Lambda API call", error);
        return lambdaError(
                new LambdaException(ErrorType.ServiceException, "Internal error: " + error.getClass().getSimpleName()));
    }

    @ServerResponseFilter
    public void requestId(ContainerResponseContext response) {
        if (!response.getHeaders().containsKey(REQUEST_ID_HEADER)) {
            response.getHeaders().putSingle(REQUEST_ID_HEADER, UUID.randomUUID().toString());
        }
    }
}
