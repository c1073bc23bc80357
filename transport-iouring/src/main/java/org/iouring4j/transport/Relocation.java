package org.iouring4j.transport;

import io.netty.channel.ChannelPromise;

import java.util.ArrayList;
import java.util.List;

/**
 * A channel's move from one event loop to another while ops of the old loop's ring are still in the kernel.
 *
 * <p>The old loop cancels those ops and delivers their completions here ({@link #keep}); they are kept, not
 * acted on, because the channel may already belong to its new loop, whose thread would race with them. A
 * registration with the new loop waits ({@link #parkIfDraining}) until the old loop has delivered the last one
 * ({@link #drained}); the new loop then replays the kept completions ({@link #replay}) before resuming I/O, so a
 * late read's bytes are delivered and a write that went through counts. The replay comes before the registration
 * completes, while the channel's buffers are still those the kept completions refer to: a late read reaches the
 * pipeline just before the new loop's {@code channelRegistered}. If the channel is closed instead,
 * whoever finishes last hands the kept completions to the closed channel, which only releases what they hold.
 *
 * <p>Shared by two loop threads (and a closer), so every field is guarded by this object's monitor; it exists only
 * for channels that moved with ops in flight.
 */
final class Relocation {
    private boolean draining = true;
    private ChannelPromise parkedRegistration;
    private List<UringIoEvent> kept;

    synchronized boolean isDraining() {
        return draining;
    }

    /**
     * On the new loop: parks its registration if the old loop still drains.
     *
     * @return whether the promise was parked (and is handed back by {@link #drained()})
     */
    synchronized boolean parkIfDraining(ChannelPromise registration) {
        if (!draining) {
            return false;
        }
        parkedRegistration = registration;
        return true;
    }

    /**
     * On the old loop, a completion of the old registration: kept while the channel is open. Once it is closed
     * nothing is kept: the kept ones go to {@code unsafe} first and the caller handles this one itself.
     *
     * @return whether the event was kept
     */
    boolean keep(UringIoEvent event, boolean channelOpen, AbstractUringChannel.AbstractUringUnsafe unsafe) {
        List<UringIoEvent> release;
        synchronized (this) {
            if (channelOpen) {
                if (kept == null) {
                    kept = new ArrayList<>(4);
                }
                kept.add(event.copy());
                return true;
            }
            release = take();
        }
        deliver(release, unsafe);
        return false;
    }

    /**
     * On the old loop, once its last completion for the channel arrived.
     *
     * @return the registration parked meanwhile, to be carried out now, or null
     */
    synchronized ChannelPromise drained() {
        draining = false;
        ChannelPromise parked = parkedRegistration;
        parkedRegistration = null;
        return parked;
    }

    /** Hands the kept completions to {@code unsafe}, once the drain is over; a no-op before. */
    void replay(AbstractUringChannel.AbstractUringUnsafe unsafe) {
        List<UringIoEvent> events;
        synchronized (this) {
            if (draining) {
                return;
            }
            events = take();
        }
        deliver(events, unsafe);
    }

    private List<UringIoEvent> take() {
        List<UringIoEvent> events = kept;
        kept = null;
        return events;
    }

    private static void deliver(List<UringIoEvent> events, AbstractUringChannel.AbstractUringUnsafe unsafe) {
        if (events != null) {
            for (UringIoEvent event : events) {
                unsafe.dispatch(event);
            }
        }
    }
}
