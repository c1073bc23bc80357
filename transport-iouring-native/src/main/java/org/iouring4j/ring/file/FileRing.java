package org.iouring4j.ring.file;

import org.iouring4j.ring.CompletionHandler;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.EventFd;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.RingConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The driver thread's side of file I/O: the rings, the table of ops in flight, the open files, and closing them.
 * Confined to the driver thread; nothing here is thread-safe.
 *
 * <p>Reads and writes go to the <em>main</em> ring, set up as the user asked (IOPOLL, SQPOLL, ...). An IOPOLL ring
 * refuses every op that is not a read or write (EINVAL), so such a driver keeps a small plain <em>control</em> ring
 * beside it for opens, stats, syncs, fallocates and closes; otherwise the control ring is the main ring. The control
 * ring also keeps a READ of the wakeup eventfd queued, which is how another thread's submission wakes a driver
 * blocked in {@code io_uring_enter}.
 *
 * <p>An op's user data is its slot in {@link #slots}; the table is no larger than the main CQ, less a reserve for the
 * wakeup read and cancels, so completions never overflow it. Ops beyond that wait in {@link #backlog}.
 */
final class FileRing {
    private static final long WAKEUP = -1L;
    private static final long CANCEL = -2L;
    /** CQ entries kept free of file ops: the wakeup read, and cancels issued by closes. */
    private static final int CQ_RESERVE = 16;

    private final Ring main;
    private final Ring control;
    /** The main ring reaps only when polled: IOPOLL without SQPOLL (with SQPOLL, its thread polls). */
    private final boolean mainPolledByUs;
    private final boolean mainIoPoll;
    private final EventFd wakeup;
    private final NativeMemory wakeupCounter;
    private final RegisteredBuffers buffers;
    private final FileOp[] slots;
    private final int[] freeSlots;
    private int freeSlotCount;
    private final ArrayDeque<FileOp> backlog = new ArrayDeque<>();
    private final int[] freeFixedSlots;
    private int freeFixedSlotCount;
    private final Set<UringFile> openFiles = Collections.newSetFromMap(new IdentityHashMap<>());
    private final CompletionHandler onCompletion = this::handle;
    private int mainInFlight;
    private int controlInFlight;
    private int cancelsInFlight;
    private boolean wakeupArmed;
    private boolean wakeupWanted = true;

    /** Opens the rings and registrations; on failure closes what it opened. Called on the driver thread. */
    FileRing(RingConfig config, EventFd wakeup, RegisteredBuffers buffers, int fixedFiles) throws NativeIoException {
        Ring mainRing = Ring.open(config);
        Ring controlRing = mainRing;
        try {
            if (mainRing.hasSetupFlag(IoUring.IORING_SETUP_IOPOLL)) {
                controlRing = Ring.open(RingConfig.builder().entries(64).build());
            }
            if (buffers != null) {
                buffers.register(mainRing);
            }
            if (fixedFiles > 0) {
                int[] empty = new int[fixedFiles];
                Arrays.fill(empty, -1);
                mainRing.registrar().registerFiles(empty);
            }
        } catch (NativeIoException | RuntimeException e) {
            closeRings(controlRing, mainRing);
            throw e;
        }
        this.main = mainRing;
        this.control = controlRing;
        this.mainIoPoll = mainRing.hasSetupFlag(IoUring.IORING_SETUP_IOPOLL);
        this.mainPolledByUs = mainIoPoll && !mainRing.hasSetupFlag(IoUring.IORING_SETUP_SQPOLL);
        this.wakeup = wakeup;
        this.wakeupCounter = NativeMemory.allocate(Long.BYTES);
        this.buffers = buffers;
        int capacity = Math.max(1, mainRing.completionQueue().capacity() - CQ_RESERVE);
        this.slots = new FileOp[capacity];
        this.freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            freeSlots[i] = capacity - 1 - i;
        }
        this.freeSlotCount = capacity;
        this.freeFixedSlots = new int[fixedFiles];
        for (int i = 0; i < fixedFiles; i++) {
            freeFixedSlots[i] = fixedFiles - 1 - i;
        }
        this.freeFixedSlotCount = fixedFiles;
    }

    private static void closeRings(Ring control, Ring main) {
        if (control != main) {
            control.close();
        }
        main.close();
    }

    /** Shutdown: starts closing every open file not closing yet; later ops on them fail with EBADF. */
    void closeOpenFiles() {
        if (openFiles.isEmpty()) {
            return;
        }
        for (UringFile file : new ArrayList<>(openFiles)) {
            if (file.needsClosingByDriver()) {
                file.markCloseRequested();
                start(ControlOp.close(file));
            }
        }
    }

    /** Takes a freshly opened file in: registers it in a free fixed-file slot when there is one. */
    void adopt(UringFile file) {
        openFiles.add(file);
        if (freeFixedSlotCount > 0) {
            int slot = freeFixedSlots[--freeFixedSlotCount];
            try {
                main.registrar().updateFiles(slot, file.fd());
                file.fixedSlot(slot);
            } catch (NativeIoException e) {
                // The file works by its fd as well; only the per-op fd lookup the slot would save is lost.
                freeFixedSlots[freeFixedSlotCount++] = slot;
            }
        }
    }

    /** Accepts an op: a close starts closing its file; others are submitted, or wait for a free slot. */
    void start(FileOp op) {
        UringFile file = op.file;
        if (file != null) {
            if (op instanceof ControlOp && ((ControlOp) op).isClose()) {
                requestClose((ControlOp) op);
                return;
            }
            if (file.pendingClose() != null || file.isCloseStarted()) {
                // Raced with close(): made before it, queued after it.
                op.fail(file.closedError(op.name()));
                op.release();
                return;
            }
            file.outstanding++;
        }
        if (freeSlotCount == 0) {
            backlog.add(op);
        } else {
            submit(op);
        }
    }

    private void submit(FileOp op) {
        int slot = freeSlots[--freeSlotCount];
        slots[slot] = op;
        boolean onMain = op.isTransfer() || control == main;
        try {
            op.prepare((onMain ? main : control).submissionQueue(), slot);
        } catch (RuntimeException e) {
            slots[slot] = null;
            freeSlots[freeSlotCount++] = slot;
            finish(op, e);
            return;
        }
        if (onMain) {
            mainInFlight++;
        } else {
            controlInFlight++;
        }
    }

    /**
     * Starts closing {@code file}: with nothing in flight at once, else once its last op completes. Ops in flight
     * are asked to stop (ASYNC_CANCEL by fd): those the kernel can still cancel complete with ECANCELED, the rest
     * (a read already running) complete normally. An IOPOLL ring cannot cancel; its ops are short anyway.
     */
    private void requestClose(ControlOp close) {
        UringFile file = close.file;
        if (file.pendingClose() != null || file.isCloseStarted()) {
            return; // already closing (shutdown closed it first); the close future they share completes once
        }
        file.pendingClose(close);
        if (file.outstanding == 0) {
            closeNow(file);
        } else if (!mainIoPoll) {
            int fixedSlot = file.fixedSlot();
            int flags = IoUring.IORING_ASYNC_CANCEL_ALL | (fixedSlot >= 0 ? IoUring.IORING_ASYNC_CANCEL_FD_FIXED : 0);
            main.submissionQueue().addCancelFd(fixedSlot >= 0 ? fixedSlot : file.fd(), flags, CANCEL);
            cancelsInFlight++;
        }
    }

    /** Nothing of {@code file} is in flight: frees its fixed slot, then closes the fd by a CLOSE op. */
    private void closeNow(UringFile file) {
        ControlOp close = file.pendingClose();
        file.pendingClose(null);
        file.closeStarted();
        openFiles.remove(file);
        int fixedSlot = file.fixedSlot();
        if (fixedSlot >= 0) {
            file.fixedSlot(-1);
            try {
                main.registrar().updateFiles(fixedSlot, -1);
                freeFixedSlots[freeFixedSlotCount++] = fixedSlot;
            } catch (NativeIoException e) {
                // The slot could not be cleared; leave it out of use rather than hand it to another file.
            }
        }
        if (freeSlotCount == 0) {
            backlog.add(close);
        } else {
            submit(close);
        }
    }

    private void handle(long userData, int res, int flags) {
        if (userData >= 0) {
            int slot = (int) userData;
            FileOp op = slots[slot];
            slots[slot] = null;
            freeSlots[freeSlotCount++] = slot;
            if (op.isTransfer() || control == main) {
                mainInFlight--;
            } else {
                controlInFlight--;
            }
            finish(op, res);
        } else if (userData == WAKEUP) {
            wakeupArmed = false;
        } else if (userData == CANCEL) {
            cancelsInFlight--;
        }
    }

    /** Completes {@code op} with the kernel's {@code res}. */
    private void finish(FileOp op, int res) {
        UringFile file = op.file;
        boolean counted = file != null && !(op instanceof ControlOp && ((ControlOp) op).isClose());
        if (counted) {
            file.outstanding--;
        }
        try {
            op.complete(res, this);
        } catch (RuntimeException e) {
            // E.g. the caller shrank a buffer's limit while the kernel filled it: that op fails, the driver goes on.
            op.fail(e);
        } finally {
            op.release();
        }
        if (counted && file.outstanding == 0 && file.pendingClose() != null) {
            closeNow(file);
        }
    }

    /** Fails {@code op} before it reached the kernel. */
    private void finish(FileOp op, Throwable cause) {
        UringFile file = op.file;
        if (file != null && !(op instanceof ControlOp && ((ControlOp) op).isClose())) {
            file.outstanding--;
        }
        try {
            op.fail(cause);
        } finally {
            op.release();
        }
        if (file != null && file.outstanding == 0 && file.pendingClose() != null) {
            closeNow(file);
        }
    }

    /** Hands every ready completion to its op, then moves waiting ops into freed slots. */
    void reap() {
        while (main.completionQueue().drain(onCompletion) > 0) {
            // drain until empty: a handler may have made room for more
        }
        if (control != main) {
            while (control.completionQueue().drain(onCompletion) > 0) {
                // as above
            }
        }
        while (freeSlotCount > 0 && !backlog.isEmpty()) {
            FileOp op = backlog.poll();
            submit(op);
        }
    }

    /** Keeps a READ of the wakeup eventfd queued on the control ring (until {@link #stopWakeups()}). */
    void armWakeup() {
        if (!wakeupArmed && wakeupWanted) {
            control.submissionQueue().addRead(wakeup.fd(), wakeupCounter.address(), Long.BYTES, 0, WAKEUP);
            wakeupArmed = true;
        }
    }

    /** No more wakeup reads: the one queued completes after the next signal (which the caller sends). */
    void stopWakeups() {
        wakeupWanted = false;
    }

    /**
     * Whether the driver must poll rather than sleep: an IOPOLL main ring with ops in flight gets no completion
     * unless someone polls for it.
     */
    boolean mustPoll() {
        return mainIoPoll && mainInFlight + cancelsInFlight > 0;
    }

    /** One round of polling: submits, reaps what the device has done, and lets the control ring's work run. */
    void pollOnce() throws NativeIoException {
        if (mainPolledByUs) {
            main.submitAndWait(1, 0);
        } else {
            main.submit(); // SQPOLL: its thread polls the device and posts completions
        }
        if (control != main) {
            if (controlInFlight > 0) {
                control.submitAndWait(1, 0); // runs the completion work of its ops, without waiting
            } else {
                control.submit();
            }
        }
    }

    /** Submits what is queued without waiting. */
    void submit() throws NativeIoException {
        main.submit();
        if (control != main) {
            control.submit();
        }
    }

    /**
     * Submits and sleeps until a completion or a wakeup arrives, or {@code timeoutNanos} pass (-1: no limit). Only
     * when {@link #mustPoll()} is false: then everything the driver waits for completes on the control ring (the
     * main ring when they are one), where the wakeup read is queued too.
     */
    void block(long timeoutNanos) throws NativeIoException {
        if (control != main) {
            main.submit();
        }
        if (timeoutNanos < 0) {
            control.submitAndWait(1);
        } else {
            control.submitAndWait(1, timeoutNanos);
        }
    }

    /** Calls of {@code io_uring_enter} on the main ring so far; read racily from other threads (tests). */
    long mainEnters() {
        return main.enterCount();
    }

    /** Whether completions are waiting to be reaped, so the driver need not wait for one. */
    boolean hasCompletions() {
        return main.completionQueue().ready() > 0 || control != main && control.completionQueue().ready() > 0;
    }

    /** Whether the queued wakeup read is all that is left: no op, no open file. */
    boolean onlyWakeupLeft() {
        return mainInFlight == 0 && controlInFlight == 0 && cancelsInFlight == 0 && backlog.isEmpty()
                && openFiles.isEmpty();
    }

    /** Whether nothing at all is in flight or open: the driver may close the rings and free their memory. */
    boolean isIdle() {
        return onlyWakeupLeft() && !wakeupArmed;
    }

    /**
     * The driver stops with work left (its close timed out, or the ring failed): fails every op not completed, and
     * closes the fds of files still open by {@code close(2)}. The ops' native memory stays allocated, since the
     * kernel may still use it until the ring is torn down.
     */
    void abandon(Throwable failure) {
        if (isIdle()) {
            return;
        }
        String why = failure != null ? "the driver's ring failed: " + failure : "the driver closed before it completed";
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) {
                FileOp op = slots[i];
                slots[i] = null;
                op.fail(new NativeIoException(op.name(), op.file == null ? null : op.file.path(), Errno.ECANCELED,
                        why));
            }
        }
        FileOp waiting;
        while ((waiting = backlog.poll()) != null) {
            waiting.fail(new NativeIoException(waiting.name(), waiting.file == null ? null : waiting.file.path(),
                    Errno.ECANCELED, why));
            waiting.release(); // never reached the kernel
        }
        for (UringFile file : new ArrayList<>(openFiles)) {
            openFiles.remove(file);
            try {
                FileDescriptors.close(file.fd());
                file.closeResult().complete(null);
            } catch (NativeIoException e) {
                file.closeResult().completeExceptionally(e);
            }
        }
    }

    /**
     * Closes the rings. Their memory, and the registered buffers, are freed only when {@link #isIdle()}: after
     * {@link #abandon} the kernel may still write into them while it tears the ring down.
     */
    void close() {
        boolean idle = isIdle();
        closeRings(control, main);
        if (idle) {
            wakeupCounter.close();
            if (buffers != null) {
                buffers.free();
            }
        }
    }
}
