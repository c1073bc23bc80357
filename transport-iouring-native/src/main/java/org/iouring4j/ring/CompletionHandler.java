package org.iouring4j.ring;

/** Receives completions from {@link CompletionQueue#drain}; called on the reaping thread, in ring order. */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * @param userData the SQE's user data
     * @param res      the result: a count or fd on success, {@code -errno} on failure
     * @param flags    {@code IORING_CQE_F_*} bits (more to come, buffer id, ...)
     */
    void handle(long userData, int res, int flags);
}
