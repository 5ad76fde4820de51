package dev.klambda.invoker.manage;

import java.nio.file.Path;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import dev.klambda.core.code.CodeLocations;
import dev.klambda.core.code.CodeStore;

/** Serves the zips GetFunction's {@code Code.Location} points at, while their signature holds. */
@jakarta.ws.rs.Path(CodeLocations.PATH + "{hex}.zip")
public class CodeDownloads {

    @Inject
    CodeLocations locations;
    @Inject
    CodeStore codeStore;

    @GET
    public Response download(@PathParam("hex") String hex, @QueryParam("Expires") String expires,
            @QueryParam("Signature") String signature) {
        if (!hex.matches("[0-9a-f]{64}") || !locations.valid(hex, expires, signature)) {
            return Response.status(403).type("application/xml")
                    .entity("<Error><Code>AccessDenied</Code><Message>Request has expired or its signature does not match"
                            + "</Message></Error>")
                    .build();
        }
        Path zip = codeStore.find(hex).map(CodeStore.Stored::zip).orElse(null);
        if (zip == null) {
            return Response.status(404).type("application/xml")
                    .entity("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
                    .build();
        }
        return Response.ok(zip.toFile(), "application/zip").build();
    }
}
