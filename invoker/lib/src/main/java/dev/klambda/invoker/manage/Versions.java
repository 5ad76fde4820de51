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
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.status.VersionPublication;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.store.Resources;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.common.Condition;
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
        if (VersionPublication.published(created)) {
            return created;
        }
        Optional<Version> late = withdraw(created);
        if (late.isPresent()) {
            return late.get();
        }
        throw refused(function, created);
    }

    /**
     * Deletes a Version that was not published when {@code create} returned, so that it is not
     * published later behind the caller's back. If the platform published it meanwhile (the delete
     * then finds it changed), that published Version is the answer after all.
     */
    private Optional<Version> withdraw(Version unpublished) {
        try {
            writer.delete(unpublished);
            return Optional.empty();
        } catch (ResourceWriteException e) {
            if (e.reason() == ResourceWriteException.Reason.GONE) {
                return Optional.empty();
            }
            if (e.reason() != ResourceWriteException.Reason.CHANGED) {
                throw StoreErrors.of(e);
            }
        }
        String name = unpublished.getMetadata().getName();
        Optional<Version> now = store.versions(unpublished.getMetadata().getNamespace(), unpublished.getSpec().functionName())
                .stream().filter(v -> v.getMetadata().getName().equals(name)).findFirst();
        if (now.isPresent() && VersionPublication.published(now.get())) {
            return now;
        }
        now.ifPresent(this::deleteQuietly);
        return Optional.empty();
    }

    private void deleteQuietly(Version version) {
        Version any = Resources.copy(version);
        any.getMetadata().setResourceVersion(null);
        try {
            writer.delete(any);
        } catch (ResourceWriteException e) {
            if (e.reason() != ResourceWriteException.Reason.GONE) {
                throw StoreErrors.of(e);
            }
        }
    }

    /** Why {@code version} was not published, as Lambda would say it. */
    private static LambdaException refused(Function function, Version version) {
        Optional<Condition> refusal = VersionPublication.refusal(version);
        if (refusal.isEmpty()) {
            // Standalone publishes while it writes; a cluster's controller did not answer in time.
            return LambdaException.invalidParameter("$LATEST of " + function.functionName()
                    + " cannot be published now: its code is not available, or no version was frozen from it in time");
        }
        String reason = refusal.get().reason();
        String message = refusal.get().message() == null ? reason : refusal.get().message();
        return switch (reason) {
            // The controller words it as AWS does.
            case VersionPublication.CODE_SHA256_MISMATCH -> LambdaException.invalidParameter(message);
            case VersionPublication.FUNCTION_NOT_ACTIVE -> new LambdaException(ErrorType.ResourceConflictException,
                    "The operation cannot be performed at this time. $LATEST of " + function.functionName()
                            + " is not Active yet, so no version was published; try again once it is.");
            default -> new LambdaException(ErrorType.ResourceConflictException,
                    "The operation cannot be performed at this time. No version was published (" + reason + ": "
                            + message + ").");
        };
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
