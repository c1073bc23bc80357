package org.iouring4j.ring;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The running kernel's release ({@code os.version}, e.g. {@code 6.1.0-57-amd64}), for tests whose expectations
 * depend on it: a feature a kernel of that version must have is asserted only there, so the same tests pass on the
 * development kernel (6.18) and on the older ones scripts/emulated-test.sh boots (Debian's 6.1). Below the version
 * nothing is asserted: distributions backport io_uring features into older kernels.
 */
final class KernelVersion {
    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

    private KernelVersion() {
    }

    /** Whether the running kernel is {@code major.minor} or later. */
    static boolean atLeast(int major, int minor) {
        return atLeast(System.getProperty("os.version"), major, minor);
    }

    static boolean atLeast(String release, int major, int minor) {
        Matcher matcher = RELEASE.matcher(release);
        if (!matcher.find()) {
            throw new IllegalArgumentException("not a kernel release: " + release);
        }
        int runningMajor = Integer.parseInt(matcher.group(1));
        int runningMinor = Integer.parseInt(matcher.group(2));
        return runningMajor > major || runningMajor == major && runningMinor >= minor;
    }
}
