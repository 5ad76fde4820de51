package dev.klambda.invoker.admit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.klambda.core.error.LambdaException;
import dev.klambda.core.tenant.Tenant;

/**
 * Lambda's concurrency limits, counted in in-flight invocations. A function with reserved
 * concurrency may run at most that many at once (0 throttles every call) and is guaranteed them;
 * all other functions of the account share what the reservations leave of the account's limit.
 * Over a limit, an invocation is refused at once with 429 and the reason Lambda gives. Thread-safe
 * and lock-free.
 */
public final class ConcurrencyLimits {

    static final String RESERVED_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded";
    static final String ACCOUNT_EXCEEDED = "ConcurrentInvocationLimitExceeded";

    /** Concurrency held by one admitted invocation; release it exactly once, when the invocation ends. */
    public interface Permit {
        void release();
    }

    private final Map<FunctionKey, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> unreservedRunning = new ConcurrentHashMap<>();

    private record FunctionKey(String namespace, String functionName) {
    }

    /**
     * Admits one invocation of a function or throws.
     *
     * @param reserved the function's reserved concurrency, or null for none
     * @param reservedInAccount the sum of all reservations of the function's account
     * @throws LambdaException 429 TooManyRequestsException with {@code Reason}
     *         ReservedFunctionConcurrentInvocationLimitExceeded or ConcurrentInvocationLimitExceeded
     */
    public Permit admit(Tenant tenant, String functionName, Integer reserved, int reservedInAccount) {
        AtomicInteger function = running.computeIfAbsent(new FunctionKey(tenant.namespace(), functionName),
                k -> new AtomicInteger());
        if (reserved != null) {
            if (!tryAcquire(function, reserved)) {
                throw LambdaException.throttled(RESERVED_EXCEEDED);
            }
            return new Held(function, null);
        }
        AtomicInteger unreserved = unreservedRunning.computeIfAbsent(tenant.namespace(), k -> new AtomicInteger());
        if (!tryAcquire(unreserved, Math.max(0, tenant.concurrencyLimit() - reservedInAccount))) {
            throw LambdaException.throttled(ACCOUNT_EXCEEDED);
        }
        function.incrementAndGet();
        return new Held(function, unreserved);
    }

    /** How many invocations of a function run now. */
    public int running(String namespace, String functionName) {
        AtomicInteger count = running.get(new FunctionKey(namespace, functionName));
        return count == null ? 0 : count.get();
    }

    private static boolean tryAcquire(AtomicInteger count, int limit) {
        while (true) {
            int current = count.get();
            if (current >= limit) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    private static final class Held extends AtomicBoolean implements Permit {

        private final AtomicInteger function;
        private final AtomicInteger unreserved;

        Held(AtomicInteger function, AtomicInteger unreserved) {
            this.function = function;
            this.unreserved = unreserved;
        }

        @Override
        public void release() {
            if (compareAndSet(false, true)) {
                function.decrementAndGet();
                if (unreserved != null) {
                    unreserved.decrementAndGet();
                }
            }
        }
    }
}
