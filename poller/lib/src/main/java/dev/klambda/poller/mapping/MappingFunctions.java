package dev.klambda.poller.mapping;

import java.util.concurrent.CompletionStage;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.LambdaException;

/** How mappings reach their functions: the invoker's synchronous path, as the mapping's account. */
public interface MappingFunctions {

    /**
     * One synchronous invocation of {@code function} (name or name:qualifier) in {@code namespace}:
     * the function's answer, an error or not. Throttles, a missing function and platform errors
     * fail the stage with a {@link LambdaException}.
     */
    CompletionStage<InvocationRecords.Response> invoke(String namespace, String function, String requestId,
            byte[] payload);

    /** The ARN of {@code function} as failure records name it. */
    String functionArn(String namespace, String function);

    /** The account id of {@code namespace}'s tenant. */
    String account(String namespace);
}
