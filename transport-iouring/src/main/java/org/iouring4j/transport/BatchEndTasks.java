package org.iouring4j.transport;

import org.slf4j.Logger;

import java.util.Arrays;

/**
 * Tasks a loop runs once the completions of the current batch have all been dispatched, before tasks and the next
 * enter: for handles that act once per batch rather than once per completion (a server channel ends its read loop
 * with one {@code channelReadComplete} however many connections the batch accepted). Loop thread only; each caller
 * asks at most once per batch and keeps its task in a field (no allocation per I/O).
 */
final class BatchEndTasks {
    private final Logger logger;
    private Runnable[] tasks = new Runnable[8];
    private int count;

    BatchEndTasks(Logger logger) {
        this.logger = logger;
    }

    void add(Runnable task) {
        if (count == tasks.length) {
            tasks = Arrays.copyOf(tasks, count * 2);
        }
        tasks[count++] = task;
    }

    /** Runs and forgets every task; one that asks again while these run is run in this same pass. */
    void runAll() {
        for (int i = 0; i < count; i++) {
            Runnable task = tasks[i];
            tasks[i] = null;
            try {
                task.run();
            } catch (Throwable t) {
                logger.warn("{} failed after a batch of completions", task, t);
            }
        }
        count = 0;
    }
}
