package org.iouring4j.transport.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns Netty's leak reports into a test failure: installs a {@link ResourceLeakDetectorFactory} whose detectors
 * record every leak they report (still logging the usual {@code LEAK:} line), and after the test class collects
 * garbage, lets the detectors look, and fails if any leak was reported.
 *
 * <p>It must be installed before {@code AbstractByteBuf} is initialised (its detector is a static field), which
 * holds when nothing in the test JVM touched a ByteBuf before the test class: surefire forks a fresh JVM per test
 * class here. If it came too late, the check fails rather than pass silently. With
 * {@code -Dio.netty.leakDetection.level=paranoid} (the build's default) every buffer is tracked.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final Set<Class<?>> DETECTORS = ConcurrentHashMap.newKeySet();
    private static boolean installed;

    private static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        List<String> leaks = collect();
        if (!DETECTORS.contains(ByteBuf.class)) {
            throw new AssertionError("LeakCheck was installed after ByteBuf's leak detector was created, so it"
                    + " cannot see buffer leaks in " + context.getDisplayName());
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " leak(s) reported by Netty's ResourceLeakDetector:\n"
                    + String.join("\n", leaks));
        }
    }

    /** Collects garbage and makes the detectors report what it found (they report on their next track()). */
    static List<String> collect() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
            ByteBufAllocator.DEFAULT.heapBuffer(1).release();
            Unpooled.directBuffer(1).release();
        }
        return new ArrayList<>(LEAKS);
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            DETECTORS.add(resource);
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add("LEAK: " + resourceType + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add("LEAK: " + resourceType + " (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }

        @Override
        @Deprecated
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }
    }
}
