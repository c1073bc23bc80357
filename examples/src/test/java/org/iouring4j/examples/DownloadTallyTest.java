package org.iouring4j.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DownloadTallyTest {
    @Test
    void onlyBytesInsideTheWindowCount() {
        DownloadTally tally = new DownloadTally(100, 1_000, 2_000);
        tally.received(30, 999);
        tally.received(40, 1_000);
        tally.received(20, 1_999);
        tally.received(10, 2_000);
        assertEquals(60, tally.measuredBytes());
    }

    @Test
    void aWholeDownloadCountsAndIsReplacedWhileTheWindowIsOpen() {
        DownloadTally tally = new DownloadTally(100, 0, 1_000);
        assertTrue(tally.ended(100, false, 500));
        assertFalse(tally.ended(100, false, 1_000), "none started once the window has closed");
        assertEquals(2, tally.downloads());
        assertNull(tally.failure());
    }

    @Test
    void aShortDownloadFailsTheRun() {
        DownloadTally tally = new DownloadTally(100, 0, 1_000);
        assertFalse(tally.ended(99, false, 10));
        assertEquals(0, tally.downloads());
        assertNotNull(tally.failure());
    }

    @Test
    void aDownloadTheClientStoppedIsNeitherCountedNorAFailure() {
        DownloadTally tally = new DownloadTally(100, 0, 1_000);
        assertFalse(tally.ended(42, true, 1_001));
        assertEquals(0, tally.downloads());
        assertNull(tally.failure());
    }

    @Test
    void anyLengthIsWholeWhenNoneIsExpected() {
        DownloadTally tally = new DownloadTally(0, 0, 1_000);
        assertTrue(tally.ended(7, false, 1));
        assertEquals(1, tally.downloads());
    }
}
