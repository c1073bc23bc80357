package org.iouring4j.transport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension for tests that need the transport: skipped when io_uring is unavailable, failed instead
 * when {@code -Diouring4j.requireUring=true} (CI). Checked before each test: a failed assumption in
 * {@code @BeforeAll} would show up in surefire as "0 tests run" rather than as a failure.
 */
public final class RequiresUring implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        if (Uring.isAvailable()) {
            return;
        }
        Throwable cause = Uring.unavailabilityCause();
        if (Boolean.getBoolean("iouring4j.requireUring")) {
            throw new AssertionError("io_uring is required (-Diouring4j.requireUring=true) but unavailable: "
                    + cause.getMessage(), cause);
        }
        Assumptions.abort("io_uring unavailable: " + cause.getMessage());
    }
}
