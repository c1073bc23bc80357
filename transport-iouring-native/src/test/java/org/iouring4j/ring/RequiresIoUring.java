package org.iouring4j.ring;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension for tests that need a working io_uring. Without it they are skipped; with the system
 * property {@code iouring4j.requireUring=true} (set by CI) they fail instead, so a CI run can never pass by
 * skipping. Runs before each test rather than once per class: a failed assumption in {@code @BeforeAll}
 * shows up as "0 tests run" in surefire, not as a failure or a skip.
 */
public final class RequiresIoUring implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        if (Probe.isAvailable()) {
            return;
        }
        Throwable cause = Probe.unavailabilityCause();
        if (Boolean.getBoolean("iouring4j.requireUring")) {
            throw new AssertionError("io_uring is required (-Diouring4j.requireUring=true) but unavailable: "
                    + cause.getMessage(), cause);
        }
        Assumptions.abort("io_uring unavailable: " + cause.getMessage());
    }
}
