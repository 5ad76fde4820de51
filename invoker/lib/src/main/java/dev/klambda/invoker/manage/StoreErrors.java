package dev.klambda.invoker.manage;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.store.ResourceWriteException;

/** Refused store writes as Lambda's errors. */
final class StoreErrors {

    private StoreErrors() {
    }

    static LambdaException of(ResourceWriteException e) {
        return switch (e.reason()) {
            case EXISTS -> new LambdaException(ErrorType.ResourceConflictException, e.getMessage());
            case CHANGED -> new LambdaException(ErrorType.ResourceConflictException,
                    "The resource changed while this request was applied; try again. (" + e.getMessage() + ")");
            case GONE -> new LambdaException(ErrorType.ResourceNotFoundException, e.getMessage());
            case INVALID -> LambdaException.invalidParameter(
                    e.problems().isEmpty() ? e.getMessage() : String.join("; ", e.problems()));
        };
    }

    /** 412: the caller's RevisionId is not the current one. */
    static LambdaException staleRevision(String getOperation) {
        return new LambdaException(ErrorType.PreconditionFailedException, "The Revision Id provided does not match the "
                + "latest Revision Id. Call the " + getOperation + " API to retrieve the latest Revision Id");
    }
}
