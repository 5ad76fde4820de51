package dev.klambda.invoker.manage;

import java.util.Optional;

import dev.klambda.core.code.CodeStore;
import dev.klambda.crds.v1alpha1.function.Function;

/**
 * Where a function's $LATEST zip is, for GetFunction's code location: in the code store by its
 * SHA-256, or (standalone's {@code code.path}) packaged into the store on request.
 */
public interface FunctionPackages {

    /** The stored zip of {@code function}'s $LATEST code; empty for images and code that cannot be had now. */
    Optional<CodeStore.Stored> latest(Function function);
}
