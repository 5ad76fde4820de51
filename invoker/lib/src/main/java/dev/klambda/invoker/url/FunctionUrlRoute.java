package dev.klambda.invoker.url;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.core.url.CorsPolicy;
import dev.klambda.core.url.UrlEvents;
import dev.klambda.core.url.UrlRequest;
import dev.klambda.core.url.UrlResponse;
import dev.klambda.core.url.UrlResponses;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.invoker.auth.Caller;
import dev.klambda.invoker.auth.ResourcePolicy;
import dev.klambda.invoker.auth.SigV4Verifier;
import dev.klambda.invoker.http.ApiAuthentication;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.invoke.TraceHeader;

/**
 * Lambda function URLs for plain HTTP clients. A URL is {@code /url/<id>[/<alias>]/<path>} or, when
 * a domain is configured for an ingress, {@code http://<id>[--<alias>].<domain>/<path>}, where
 * {@code <id>} is the function's name, or {@code <name>.<namespace>} outside the default
 * namespace. A URL exists where the Function (or the Alias) has a {@code functionUrlConfig}. The
 * request becomes an API Gateway payload 2.0 event (or an ALB one), goes through the same invoke
 * path as Invoke, and the function's answer becomes the HTTP response.
 */
public final class FunctionUrlRoute implements Handler<RoutingContext> {

    public static final String PREFIX = "/url/";
    /** Where requests on a URL's own host name are rerouted, keeping their path after it. */
    public static final String HOST_PREFIX = "/.klambda-url-host";

    private final Invoker invoker;
    private final ResourceStore store;
    private final TenantTable tenants;
    private final SigV4Verifier verifier;
    private final String region;
    private final String defaultNamespace;
    private final Optional<String> domain;
    private final Clock clock;

    /**
     * Where a request points: a URL's function and alias, the path the function sees, and the URL's settings (null for none).
     */
    record Located(Tenant owner, String function, String alias, String path, String urlId, FunctionUrlConfig config) {
    }

    public FunctionUrlRoute(Invoker invoker, ResourceStore store, TenantTable tenants, SigV4Verifier verifier,
            String region, String defaultNamespace, Optional<String> domain, Clock clock) {
        this.invoker = invoker;
        this.store = store;
        this.tenants = tenants;
        this.verifier = verifier;
        this.region = region;
        this.defaultNamespace = defaultNamespace;
        this.domain = domain.map(d -> d.toLowerCase(Locale.ROOT));
        this.clock = clock;
    }

    /**
     * The address of a function URL, as CreateFunctionUrlConfig returns it: on the configured
     * domain when there is one, else under {@code /url/} of {@code base} (the invoker's own address).
     */
    public String address(String base, String namespace, String functionName, String alias) {
        String id = functionName + (namespace.equals(defaultNamespace) ? "" : "." + namespace);
        if (domain.isPresent()) {
            String scheme = base.startsWith("https:") ? "https://" : "http://";
            String label = functionName + (alias == null ? "" : "--" + alias)
                    + (namespace.equals(defaultNamespace) ? "" : "." + namespace);
            return scheme + label.toLowerCase(Locale.ROOT) + "." + domain.orElseThrow() + "/";
        }
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return trimmed + PREFIX + id + (alias == null ? "" : "/" + alias) + "/";
    }

    /** Whether {@code context}'s Host names a function URL of the configured domain. */
    public boolean servesHost(RoutingContext context) {
        return domain.isPresent() && hostLabel(context.request()) != null;
    }

    @Override
    public void handle(RoutingContext context) {
        String requestId = UUID.randomUUID().toString();
        Located located = locate(context.request());
        FunctionUrlConfig config = located == null ? null : located.config();
        if (config == null) {
            send(context, requestId, UrlResponse.of(404, "application/json", "{\"Message\":\"Not Found\"}"));
            return;
        }
        UrlRequest unsigned = urlRequest(context, located, requestId, null);
        CorsPolicy cors = new CorsPolicy(config.cors());
        Optional<UrlResponse> preflight = cors.preflight(unsigned);
        if (preflight.isPresent()) {
            send(context, requestId, preflight.get());
            return;
        }
        Tenant caller = located.owner();
        UrlRequest request = unsigned;
        if (config.authType() == FunctionUrlConfig.AuthType.AWS_IAM) {
            Caller signed;
            try {
                signed = verifier.verify(ApiAuthentication.signedRequest(context));
            } catch (LambdaException e) {
                send(context, requestId, cors.apply(unsigned, forbidden()));
                return;
            }
            caller = signed.tenant();
            request = urlRequest(context, located, requestId, new UrlRequest.IamCaller(signed.accessKeyId(),
                    signed.tenant().accountId(), signed.principalArn()));
        }
        FunctionUrlConfig.EventFormat format = config.eventFormat() == null ? FunctionUrlConfig.EventFormat.API_GATEWAY_V2
                : config.eventFormat();
        byte[] event = switch (format) {
            case API_GATEWAY_V2 -> UrlEvents.apiGatewayV2(request);
            case ALB -> UrlEvents.alb(request, false, targetGroupArn(located));
            case ALB_MULTI_VALUE -> UrlEvents.alb(request, true, targetGroupArn(located));
        };
        FunctionReference reference = new FunctionReference(located.function(), located.alias(),
                located.owner().accountId(), region);
        String trace = TraceHeader.of(context.request().getHeader("X-Amzn-Trace-Id"),
                context.request().getHeader("traceparent"), clock.instant().getEpochSecond());
        Invoker.Call call = new Invoker.Call(caller, reference, Invoker.Type.RequestResponse, requestId, event, false,
                null, trace, ResourcePolicy.INVOKE_FUNCTION_URL, config.authType());
        UrlRequest answered = request;
        invoker.invoke(call).whenComplete((outcome, failure) -> {
            UrlResponse response;
            if (failure != null) {
                response = failed(failure);
            } else if (outcome.result().functionError() != null) {
                response = UrlResponses.internalError();
            } else if (format == FunctionUrlConfig.EventFormat.API_GATEWAY_V2) {
                response = UrlResponses.fromApiGatewayV2(outcome.result().payload());
            } else {
                response = UrlResponses.fromAlb(outcome.result().payload());
            }
            send(context, requestId, cors.apply(answered, response));
        });
    }

    private Located locate(HttpServerRequest request) {
        String rawPath = request.path();
        String label = rawPath.startsWith(HOST_PREFIX) ? hostLabel(request) : null;
        if (label != null) {
            rawPath = rawPath.length() == HOST_PREFIX.length() ? "/" : rawPath.substring(HOST_PREFIX.length());
            // <name>[--<alias>][.<namespace>]
            int dot = label.indexOf('.');
            String function = dot < 0 ? label : label.substring(0, dot);
            String namespace = dot < 0 ? "" : label.substring(dot);
            int dash = function.indexOf("--");
            return dash < 0 ? located(function + namespace, null, rawPath, label, true)
                    : located(function.substring(0, dash) + namespace, function.substring(dash + 2), rawPath, label, true);
        }
        if (!rawPath.startsWith(PREFIX)) {
            return null;
        }
        String rest = rawPath.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        String after = slash < 0 ? "/" : rest.substring(slash);
        // A second segment is the alias when the function has an alias of that name with a URL; else it is path.
        int next = after.indexOf('/', 1);
        String candidate = after.length() > 1 ? (next < 0 ? after.substring(1) : after.substring(1, next)) : null;
        Located withAlias = candidate == null ? null
                : located(id, candidate, next < 0 ? "/" : after.substring(next), id + "--" + candidate, false);
        if (withAlias != null && withAlias.config() != null) {
            return withAlias;
        }
        return located(id, null, after, id, false);
    }

    private Located located(String id, String alias, String path, String urlId, boolean fromHost) {
        int dot = id.indexOf('.');
        String name = dot < 0 ? id : id.substring(0, dot);
        String namespace = dot < 0 ? defaultNamespace : id.substring(dot + 1);
        if (name.isEmpty() || (fromHost && namespace.isEmpty())) {
            return null;
        }
        return tenants.byNamespace(namespace)
                .map(owner -> new Located(owner, name, alias, path, urlId, config(owner, name, alias))).orElse(null);
    }

    /** The part of the Host before {@code .<domain>}, or null when the Host is not under the domain. */
    private String hostLabel(HttpServerRequest request) {
        String host = request.getHeader("Host");
        if (host == null || domain.isEmpty()) {
            return null;
        }
        int colon = host.lastIndexOf(':');
        String name = (colon < 0 ? host : host.substring(0, colon)).toLowerCase(Locale.ROOT);
        String suffix = "." + domain.orElseThrow();
        return name.endsWith(suffix) && name.length() > suffix.length()
                ? name.substring(0, name.length() - suffix.length())
                : null;
    }

    private FunctionUrlConfig config(Tenant owner, String functionName, String alias) {
        Optional<Function> function = store.function(owner.namespace(), functionName);
        if (function.isEmpty()) {
            return null;
        }
        if (alias == null) {
            return function.get().getSpec().getFunctionUrlConfig();
        }
        return store.alias(owner.namespace(), functionName, alias).map(Alias::getSpec)
                .map(spec -> spec.functionUrlConfig()).orElse(null);
    }

    private UrlRequest urlRequest(RoutingContext context, Located located, String requestId,
            UrlRequest.IamCaller caller) {
        HttpServerRequest request = context.request();
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        request.headers().forEach(header -> headers.add(Map.entry(header.getKey(), header.getValue())));
        Buffer body = context.body().buffer();
        String host = request.getHeader("Host");
        return new UrlRequest(request.method().name(), located.path(), request.query(),
                headers, body == null ? new byte[0] : body.getBytes(),
                request.remoteAddress() == null ? "127.0.0.1" : request.remoteAddress().hostAddress(),
                request.version() == null ? "HTTP/1.1" : request.version().alpnName().toUpperCase(Locale.ROOT),
                host == null ? located.urlId() : host, located.urlId(), requestId, clock.millis(), caller);
    }

    private String targetGroupArn(Located located) {
        return "arn:aws:elasticloadbalancing:" + region + ":" + located.owner().accountId() + ":targetgroup/"
                + located.function() + "/klambda";
    }

    private static UrlResponse forbidden() {
        return UrlResponse.of(403, "application/json", "{\"Message\":\"Forbidden\"}");
    }

    private static UrlResponse failed(Throwable failure) {
        Throwable cause = failure.getCause() != null && !(failure instanceof LambdaException) ? failure.getCause()
                : failure;
        if (cause instanceof LambdaException e) {
            return switch (e.type()) {
                case AccessDeniedException -> forbidden();
                case TooManyRequestsException -> UrlResponse.of(429, "application/json",
                        "{\"Message\":\"Rate Exceeded.\"}");
                case ResourceNotFoundException -> UrlResponse.of(404, "application/json", "{\"Message\":\"Not Found\"}");
                default -> e.type().status() >= 500 || e.type() == ErrorType.ResourceConflictException
                        ? UrlResponses.internalError()
                        : UrlResponse.of(e.type().status(), "application/json", "{\"Message\":\"Bad Request\"}");
            };
        }
        return UrlResponses.internalError();
    }

    private static void send(RoutingContext context, String requestId, UrlResponse answer) {
        HttpServerResponse response = context.response();
        if (response.ended()) {
            return;
        }
        response.setStatusCode(answer.status());
        for (Map.Entry<String, String> header : answer.headers()) {
            response.headers().add(header.getKey(), header.getValue());
        }
        response.putHeader("x-amzn-RequestId", requestId).end(Buffer.buffer(answer.body()));
    }
}
