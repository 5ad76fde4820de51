package dev.klambda.invoker.http;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.invoker.auth.SigV4Verifier;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.url.FunctionUrlRoute;

/**
 * Puts the invoker on the application's HTTP server: every Lambda API path (those under a
 * {@code /yyyy-mm-dd/} API version) is read and authenticated first, then Invoke is served here
 * and the other operations by their resources. The application that embeds the invoker provides
 * the {@link Invoker} and {@link SigV4Verifier} beans.
 */
@ApplicationScoped
public class InvokerRoutes {

    /** Every Lambda API operation's path starts with its API version, e.g. /2015-03-31/. */
    static final String API_PATHS = "/\\d{4}-\\d{2}-\\d{2}/.*";
    private static final int BEFORE_RESOURCES = RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT;
    /**
     * The largest management request: CreateFunction with a 50 MB zip, base64 in JSON. Each
     * operation then applies its own limits (Invoke 6 MB, the zip 50 MB).
     */
    public static final int MAX_API_REQUEST = 70_167_211;
    private final BodyHandler invokeBody = BodyHandler.create(false).setBodyLimit(InvokeRoute.MAX_PAYLOAD);
    private final BodyHandler apiBody = BodyHandler.create(false).setBodyLimit(MAX_API_REQUEST);
    /** Function URL requests are limited like synchronous invocations. */
    private final BodyHandler urlBody = BodyHandler.create(false).setBodyLimit(InvokeRoute.MAX_PAYLOAD);

    @Inject
    Invoker invoker;
    @Inject
    SigV4Verifier verifier;
    @Inject
    FunctionUrlRoute urls;

    void register(@Observes Router router) {
        // Function URLs on their own host names come first: any path there is the function's.
        router.route().order(BEFORE_RESOURCES - 2).handler(context -> {
            if (urls.servesHost(context) && !context.request().path().startsWith(FunctionUrlRoute.HOST_PREFIX)) {
                context.reroute(FunctionUrlRoute.HOST_PREFIX + context.request().uri());
            } else {
                context.next();
            }
        });
        for (String prefix : new String[] { FunctionUrlRoute.HOST_PREFIX + "/*", FunctionUrlRoute.PREFIX + "*" }) {
            router.route(prefix).order(BEFORE_RESOURCES - 1).handler(urlBody).handler(urls)
                    .failureHandler(InvokerRoutes::urlBodyFailure);
        }
        // The signature covers the body, so it is read (up to the operation's limit) before anything else.
        router.routeWithRegex(API_PATHS).order(BEFORE_RESOURCES)
                .handler(context -> (isInvoke(context) ? invokeBody : apiBody).handle(context))
                .handler(new ApiAuthentication(verifier))
                .failureHandler(InvokerRoutes::bodyFailure);
        router.post(InvokeRoute.PATH).order(BEFORE_RESOURCES + 1)
                .handler(new InvokeRoute(invoker, Clock.systemUTC()));
    }

    /** " for the CreateFunction operation", for the operations that take code; empty for others. */
    private static String operation(RoutingContext context) {
        String path = context.normalizedPath();
        String method = context.request().method().name();
        String name = method.equals("POST") && path.matches("/2015-03-31/functions/?") ? "CreateFunction"
                : method.equals("PUT") && path.matches("/2015-03-31/functions/[^/]+/code") ? "UpdateFunctionCode"
                        : method.equals("POST") && path.matches("/2018-10-31/layers/[^/]+/versions") ? "PublishLayerVersion"
                                : null;
        return name == null ? "" : " for the " + name + " operation";
    }

    private static void urlBodyFailure(RoutingContext context) {
        if (context.statusCode() == 413 && !context.response().ended()) {
            context.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                    .end("{\"Message\":\"Request Entity Too Large\"}");
            return;
        }
        Responses.error(context, context.failure() != null ? context.failure()
                : new LambdaException(ErrorType.InvalidRequestContentException, "The request could not be read"));
    }

    private static boolean isInvoke(RoutingContext context) {
        return context.normalizedPath().endsWith("/invocations");
    }

    private static void bodyFailure(RoutingContext context) {
        if (context.statusCode() == 413) {
            Responses.error(context, isInvoke(context) ? InvokeRoute.tooLarge()
                    : new LambdaException(ErrorType.RequestEntityTooLargeException, "Request must be smaller than "
                            + MAX_API_REQUEST + " bytes" + operation(context)));
            return;
        }
        Responses.error(context, context.failure() != null ? context.failure()
                : new LambdaException(ErrorType.InvalidRequestContentException, "The request could not be read"));
    }
}
