package dev.klambda.invoker.routing;

import java.util.Optional;
import java.util.function.DoubleSupplier;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.routing.AliasRouting;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;
import dev.klambda.invoker.invoke.Target;

/**
 * Turns a function name as a caller gave it into the version that runs: finds the owning account
 * (the caller's, or the one an ARN names), the function, and the version its qualifier means; an
 * alias picks one of its versions at random by weight for every invocation. Reads the resource
 * store on every call, so alias and version changes apply to the next invocation.
 */
public final class Resolver {

    private final ResourceStore store;
    private final TenantTable tenants;
    private final String region;
    private final DoubleSupplier random;

    /** @param random uniformly distributed numbers in [0, 1) for alias weights */
    public Resolver(ResourceStore store, TenantTable tenants, String region, DoubleSupplier random) {
        this.store = store;
        this.tenants = tenants;
        this.region = region;
        this.random = random;
    }

    /**
     * @throws LambdaException 404 ResourceNotFoundException for an unknown function, version or
     *         alias (or a foreign region); 403 AccessDeniedException for a function of another
     *         account that does not exist; the state exceptions for a function that cannot run
     */
    public Resolution resolve(Tenant caller, FunctionReference reference, String action) {
        reference.requireRegion(region);
        String ownerAccount = reference.accountId() != null ? reference.accountId() : caller.accountId();
        String requestedArn = reference.arn(region, ownerAccount);
        Optional<Tenant> owner = ownerAccount.equals(caller.accountId()) ? Optional.of(caller)
                : tenants.byAccountId(ownerAccount);
        Optional<Function> found = owner.flatMap(t -> store.function(t.namespace(), reference.name()));
        if (found.isEmpty()) {
            // Another account's functions are not revealed, not even whether they exist.
            if (!ownerAccount.equals(caller.accountId())) {
                throw accessDenied(caller, action, requestedArn);
            }
            throw LambdaException.functionNotFound(requestedArn);
        }
        Tenant tenant = owner.get();
        Function function = found.get();
        String qualifier = reference.qualifier();
        Target target;
        if (qualifier == null || Qualifiers.isLatest(qualifier)) {
            target = latest(tenant, function);
        } else if (Qualifiers.isVersionNumber(qualifier)) {
            target = published(tenant, function, qualifier, requestedArn);
        } else {
            Alias alias = store.alias(tenant.namespace(), function.functionName(), qualifier)
                    .orElseThrow(() -> LambdaException.functionNotFound(requestedArn));
            target = target(tenant, function, AliasRouting.of(alias.getSpec()).pick(random.getAsDouble()));
        }
        return new Resolution(target, qualifier, requestedArn);
    }

    /**
     * The target of one version of a function: {@code $LATEST} or a published number.
     *
     * @throws LambdaException when the version does not exist or cannot run
     */
    public Target target(Tenant tenant, Function function, String version) {
        return Qualifiers.isLatest(version) ? latest(tenant, function)
                : published(tenant, function, version,
                        Arns.function(region, tenant.accountId(), function.functionName(), version));
    }

    /** The AccessDeniedException Lambda gives a caller that may not perform {@code action} on {@code arn}. */
    public static LambdaException accessDenied(Tenant caller, String action, String arn) {
        return new LambdaException(ErrorType.AccessDeniedException, "User: arn:aws:iam::" + caller.accountId()
                + ":root is not authorized to perform: " + action + " on resource: " + arn
                + " because no resource-based policy allows the " + action + " action");
    }

    private static Target latest(Tenant tenant, Function function) {
        FunctionStatus status = function.getStatus();
        FunctionStatus.State state = status == null ? FunctionStatus.State.Pending : status.state();
        switch (state == null ? FunctionStatus.State.Pending : state) {
            case Active -> {
                return new Target(tenant, function, Qualifiers.LATEST, function.getSpec(), status.revisionId());
            }
            case Failed -> throw failed(status);
            case Inactive -> throw new LambdaException(ErrorType.ResourceNotReadyException,
                    "Functions may take a few seconds to become ready. The function is currently in the following state: Inactive");
            default -> throw new LambdaException(ErrorType.ResourceConflictException,
                    "The operation cannot be performed at this time. The function is currently in the following state: "
                            + state);
        }
    }

    /** A function whose code or configuration is broken: its reason when Lambda has an error for it. */
    private static LambdaException failed(FunctionStatus status) {
        if ("InvalidZipFileException".equals(status.stateReasonCode())) {
            return new LambdaException(ErrorType.InvalidZipFileException, status.stateReason());
        }
        return new LambdaException(ErrorType.ResourceConflictException,
                "The operation cannot be performed at this time. The function is currently in the following state: Failed"
                        + (status.stateReason() == null ? "" : " (" + status.stateReason() + ")"));
    }

    private Target published(Tenant tenant, Function function, String number, String notFoundArn) {
        Version version = store.publishedVersion(tenant.namespace(), function.functionName(), number)
                .orElseThrow(() -> LambdaException.functionNotFound(notFoundArn));
        VersionSnapshot snapshot = version.getSpec().snapshot();
        String numbered = version.getSpec().version().toString();
        // A version never changes; a new revision appears only if its resource is replaced by another one.
        String revision = "version " + numbered + " " + snapshot.codeSha256() + " " + snapshot.publishedAt();
        return new Target(tenant, function, numbered, snapshot.configuration(), revision);
    }
}
