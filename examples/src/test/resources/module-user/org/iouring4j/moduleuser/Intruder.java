package org.iouring4j.moduleuser;

import org.iouring4j.ring.internal.Syscalls;

/** Application code that names the ring's internal package: must not compile on the module path. */
public final class Intruder {
    private Intruder() {
    }

    public static int pageSize() {
        return Syscalls.pageSize();
    }
}
