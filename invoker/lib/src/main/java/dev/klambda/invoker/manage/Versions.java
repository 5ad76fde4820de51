package dev.klambda.invoker.manage;

import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSpec;

/**
 * Publishing: a Version resource that names only its function, which the platform freezes from
 * $LATEST and numbers (as when it is applied with kubectl). Nothing is published when $LATEST
 * is what the newest version already holds; that version is the answer, as on AWS.
 */
@ApplicationScoped
public class Versions {

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Inject
    ResourceStore store;
    @Inject
    ResourceWriter writer;

    /**
     * Publishes $LATEST of {@code function}.
     *
     * @param codeSha256 PublishVersion's precondition on $LATEST's code, or null
     */
    Version publish(Tenant tenant, Function function, String description, String codeSha256) {
        String current = function.getStatus() == null ? null : function.getStatus().codeSha256();
        if (codeSha256 != null && (current == null || !CodeDigest.toHex(codeSha256).equals(CodeDigest.toHex(current)))) {
            throw LambdaException.invalidParameter("CodeSHA256 (" + codeSha256 + ") is different from current CodeSHA256 "
                    + "in $LATEST (" + current + "). Please try again with the CodeSHA256 in $LATEST.");
        }
        Optional<Version> newest = store.versions(tenant.namespace(), function.functionName()).stream()
                .filter(v -> v.getSpec().snapshot() != null && v.getSpec().version() != null)
                .max(Comparator.comparing(v -> v.getSpec().version()));
        if (newest.isPresent() && unchanged(newest.get(), function)) {
            return newest.get();
        }
        Version version = new Version();
        version.setMetadata(new ObjectMetaBuilder()
                .withName(function.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 8))
                .withNamespace(tenant.namespace())
                .build());
        version.setSpec(new VersionSpec(function.functionName(), null, description, codeSha256, null, null, null));
        Version created;
        try {
            created = writer.create(version);
        } catch (ResourceWriteException e) {
            throw StoreErrors.of(e);
        }
        if (created.getSpec().snapshot() == null) {
            writer.delete(created);
            throw LambdaException.invalidParameter("$LATEST of " + function.functionName()
                    + " cannot be published now: its code is not available");
        }
        return created;
    }

    /** Whether {@code version} froze what $LATEST holds now: the same code and the same configuration otherwise. */
    private static boolean unchanged(Version version, Function function) {
        String latestCode = function.getStatus() == null ? null : function.getStatus().codeSha256();
        if (latestCode == null || !latestCode.equals(version.getSpec().snapshot().codeSha256())) {
            return false;
        }
        return withoutCode(version.getSpec().snapshot().configuration()).equals(withoutCode(function.getSpec()));
    }

    private static ObjectNode withoutCode(FunctionConfiguration configuration) {
        ObjectNode tree = JSON.valueToTree(JSON.convertValue(configuration, FunctionConfiguration.class));
        tree.remove("code");
        return tree;
    }
}
