package dev.klambda.invoker.manage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;

import dev.klambda.core.tenant.Tenant;
import dev.klambda.invoker.http.ApiAuthentication;

/** The account an API call acts for: the one whose access key signed it. */
@ApplicationScoped
public class Callers {

    @Inject
    CurrentVertxRequest request;

    /** The tenant of the current caller. */
    public Tenant current() {
        return ApiAuthentication.caller(request.getCurrent()).tenant();
    }
}
