package dev.klambda.invoker.admit;

import static dev.klambda.invoker.Fixtures.DEFAULT;
import static dev.klambda.invoker.Fixtures.OTHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

class ConcurrencyLimitsTest {

    final ConcurrencyLimits limits = new ConcurrencyLimits();

    static void throttledWith(Runnable admit, String reason) {
        assertThatThrownBy(admit::run).isInstanceOfSatisfying(LambdaException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.TooManyRequestsException);
            assertThat(e.extraMembers()).containsEntry("Reason", reason);
            assertThat(e.getMessage()).isEqualTo("Rate Exceeded.");
        });
    }

    @Test
    void throttlesEveryCallOfAFunctionWithReservedConcurrencyZero() {
        throttledWith(() -> limits.admit(DEFAULT, "stopped", 0, 0), ConcurrencyLimits.RESERVED_EXCEEDED);
    }

    @Test
    void capsAFunctionAtItsReservedConcurrencyUntilAnInvocationEnds() {
        ConcurrencyLimits.Permit first = limits.admit(DEFAULT, "single", 1, 1);
        throttledWith(() -> limits.admit(DEFAULT, "single", 1, 1), ConcurrencyLimits.RESERVED_EXCEEDED);

        first.release();
        first.release();

        assertThat(limits.running("default", "single")).as("a second release changes nothing").isZero();
        assertThat(limits.admit(DEFAULT, "single", 1, 1)).isNotNull();
    }

    @Test
    void sharesWhatReservationsLeaveOfTheAccountLimitAmongTheOtherFunctions() {
        // OTHER's limit is 2; one unit is reserved by some function, so unreserved ones share 1.
        limits.admit(OTHER, "a", null, 1);
        throttledWith(() -> limits.admit(OTHER, "b", null, 1), ConcurrencyLimits.ACCOUNT_EXCEEDED);
        assertThat(limits.admit(OTHER, "reserved", 1, 1)).as("a reservation is guaranteed").isNotNull();
        assertThat(limits.admit(DEFAULT, "a", null, 1)).as("other accounts are not affected").isNotNull();
    }

    @Test
    void neverAdmitsMoreThanTheLimitUnderContention() throws Exception {
        int callers = 64;
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<ConcurrencyLimits.Permit> permits = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < callers; i++) {
                pool.execute(() -> {
                    try {
                        start.await();
                        permits.add(limits.admit(DEFAULT, "busy", 5, 5));
                        admitted.incrementAndGet();
                    } catch (LambdaException | InterruptedException e) {
                        // throttled
                    }
                });
            }
            start.countDown();
        }
        assertThat(admitted.get()).isEqualTo(5);
        permits.forEach(ConcurrencyLimits.Permit::release);
        assertThat(limits.running("default", "busy")).isZero();
    }
}
