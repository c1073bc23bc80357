package org.iouring4j.benchmarks;


import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Everything a comparison measured, by scenario and transport, and what it could not measure and why. */
final class Results {
    private final Map<Scenario, Map<ServerSetup, Cell>> cells = new LinkedHashMap<>();
    private final Map<Scenario, String> skipped = new LinkedHashMap<>();

    Cell cell(Scenario scenario, ServerSetup transport) {
        return cells.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).computeIfAbsent(transport, t -> new Cell());
    }

    /** The cell, or null when nothing was recorded for it. */
    Cell find(Scenario scenario, ServerSetup transport) {
        Map<ServerSetup, Cell> row = cells.get(scenario);
        return row == null ? null : row.get(transport);
    }

    void skip(Scenario scenario, String why) {
        skipped.put(scenario, why);
    }

    Map<Scenario, String> skipped() {
        return skipped;
    }

    /** One server transport under one scenario: its rounds and probes. */
    static final class Cell {
        final List<Sample> samples = new ArrayList<>();
        /** The idle-connection scenario's memory figures, one per round. */
        final List<Footprint> footprints = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        /** Rounds kept although other processes competed for the CPUs in every attempt at them, as "round N (X%)". */
        final List<String> disturbed = new ArrayList<>();
        double syscallsPerOp = Double.NaN;
        /** The iouring4j loop counters the server printed on exit, over all its rounds, or null. */
        String loopCounters;
        int ioUringThreads;
        /** Why the server could not start, or null. */
        String unavailable;

        boolean hasData() {
            return !samples.isEmpty();
        }

        /** Median over the rounds, ignoring rounds that did not report the value; NaN when none did. */
        double median(ToDoubleFunction<Sample> metric) {
            return median(values(metric));
        }

        /** {@link #median} of an idle-connection figure. */
        double footprintMedian(ToDoubleFunction<Footprint> metric) {
            return median(footprints.stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).toArray());
        }

        double footprintMin(ToDoubleFunction<Footprint> metric) {
            return footprints.stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN);
        }

        double footprintMax(ToDoubleFunction<Footprint> metric) {
            return footprints.stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
        }

        private static double median(double[] v) {
            if (v.length == 0) {
                return Double.NaN;
            }
            Arrays.sort(v);
            int mid = v.length / 2;
            return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
        }

        double min(ToDoubleFunction<Sample> metric) {
            return Arrays.stream(values(metric)).min().orElse(Double.NaN);
        }

        double max(ToDoubleFunction<Sample> metric) {
            return Arrays.stream(values(metric)).max().orElse(Double.NaN);
        }

        private double[] values(ToDoubleFunction<Sample> metric) {
            return samples.stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).toArray();
        }
    }
}
