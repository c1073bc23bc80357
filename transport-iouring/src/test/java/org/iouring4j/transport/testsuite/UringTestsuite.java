package org.iouring4j.transport.testsuite;

import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.Uring;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

/**
 * Marks a subclass of Netty's testsuite that runs on this transport.
 *
 * <p>{@link RequiresUring} checks before each test: skipped when io_uring is unavailable, failed instead under
 * {@code -Diouring4j.requireUring=true}. {@link SharedGroups} starts the permutation's event loop groups before
 * the first test and shuts them down once, when the JUnit run ends (not after each class: in a JVM that runs
 * several classes they are shared).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith({RequiresUring.class, UringTestsuite.SharedGroups.class})
public @interface UringTestsuite {

    /**
     * Registers the shutdown of {@link UringSocketTestPermutation}'s groups with the end of the run, and starts
     * them before the first test (in a before-each callback: outside the tests' timeouts, and after a class's own
     * {@code @BeforeAll}, which may set testsuite properties that the permutation reads when it is created).
     */
    final class SharedGroups implements BeforeAllCallback, BeforeEachCallback {
        private static final ExtensionContext.Namespace NAMESPACE =
                ExtensionContext.Namespace.create(SharedGroups.class);

        @Override
        public void beforeAll(ExtensionContext context) {
            // The root store is closed when the whole run ends; AutoCloseable values are closed with it.
            context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(
                    UringSocketTestPermutation.class, key -> new Shutdown(), Shutdown.class);
        }

        @Override
        public void beforeEach(ExtensionContext context) throws InterruptedException {
            if (Uring.isAvailable()) { // otherwise RequiresUring, registered first, has already failed or skipped
                UringSocketTestPermutation.INSTANCE.warmUp();
            }
        }
    }

    /** Closed by JUnit at the end of the run. */
    final class Shutdown implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            List<String> stuck = UringSocketTestPermutation.INSTANCE.shutdown();
            if (!stuck.isEmpty()) {
                throw new IllegalStateException("event loop groups did not terminate in time: " + stuck);
            }
        }
    }
}
