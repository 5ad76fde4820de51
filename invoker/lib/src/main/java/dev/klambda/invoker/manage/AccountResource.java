package dev.klambda.invoker.manage;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.code.ZipExtractor;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/** GetAccountSettings: the caller's account's limits and what its functions use of them. */
@Path("/2016-08-19/account-settings")
@Produces(MediaType.APPLICATION_JSON)
public class AccountResource {

    /** Lambda's default storage for an account's code: 75 GB. */
    static final long TOTAL_CODE_SIZE = 80_530_636_800L;

    @Inject
    FunctionLookup lookup;

    @GET
    public ObjectNode getAccountSettings() {
        Tenant tenant = lookup.tenant();
        long codeSize = 0;
        int reserved = 0;
        int functions = 0;
        for (Function function : lookup.store().functions(tenant.namespace())) {
            functions++;
            if (function.getStatus() != null && function.getStatus().codeSize() != null) {
                codeSize += function.getStatus().codeSize();
            }
            if (function.getSpec().getReservedConcurrentExecutions() != null) {
                reserved += function.getSpec().getReservedConcurrentExecutions();
            }
            for (Version version : lookup.store().versions(tenant.namespace(), function.functionName())) {
                if (version.getSpec().snapshot() != null && version.getSpec().snapshot().codeSize() != null) {
                    codeSize += version.getSpec().snapshot().codeSize();
                }
            }
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putObject("AccountLimit")
                .put("TotalCodeSize", TOTAL_CODE_SIZE)
                .put("CodeSizeUnzipped", ZipExtractor.MAX_UNZIPPED_SIZE)
                .put("CodeSizeZipped", (long) CodeUploads.MAX_ZIPPED)
                .put("ConcurrentExecutions", tenant.concurrencyLimit())
                .put("UnreservedConcurrentExecutions", tenant.concurrencyLimit() - reserved);
        out.putObject("AccountUsage").put("TotalCodeSize", codeSize).put("FunctionCount", (long) functions);
        return out;
    }
}
