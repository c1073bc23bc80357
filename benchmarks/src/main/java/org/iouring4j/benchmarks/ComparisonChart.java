package org.iouring4j.benchmarks;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The comparison as a PNG of bar charts (XChart), the same numbers as the Markdown table: throughput relative to
 * NIO and to Netty's io_uring, round-trip latency, server CPU and syscalls per operation, RSS, and when they ran,
 * server CPU per MiB downloaded and RSS per idle connection.
 */
final class ComparisonChart {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 440;

    private ComparisonChart() {
    }

    static void write(Results results, List<Scenario> scenarios, List<ServerSetup> transports, String subtitle,
                      Path png) throws IOException {
        List<Scenario> measured = new ArrayList<>();
        for (Scenario s : scenarios) {
            if (!results.skipped().containsKey(s)) {
                measured.add(s);
            }
        }
        List<CategoryChart> charts = new ArrayList<>();
        charts.add(perScenario("Throughput relative to Netty NIO (median, ×) — " + subtitle, "× NIO", results,
                measured, transports, (s, t) -> ComparisonReport.throughputRatio(results, s, t, ServerSetup.NIO)));
        charts.add(perScenario("Throughput relative to Netty io_uring (median, ×)", "× Netty io_uring", results,
                measured, transports,
                (s, t) -> ComparisonReport.throughputRatio(results, s, t, ServerSetup.NETTY_IOURING)));
        latency(results, measured, transports, charts);
        // Per MiB and per idle connection are other units, of other magnitudes: charts of their own.
        List<Scenario> perMessage = measured.stream().filter(Scenario::perMessage).toList();
        if (!perMessage.isEmpty()) {
            charts.add(perScenario("Server CPU per message, datagram or request (µs, user+sys)", "µs", results,
                    perMessage, transports, (s, t) -> median(results, s, t, Sample::cpuMicrosPerOp)));
        }
        List<Scenario> downloads = measured.stream().filter(s -> s.kind() == Scenario.Kind.DOWNLOAD).toList();
        if (!downloads.isEmpty()) {
            charts.add(perScenario("File download: server CPU per MiB (µs, user+sys)", "µs/MiB", results, downloads,
                    transports, (s, t) -> median(results, s, t, Sample::cpuMicrosPerOp)));
        }
        List<Scenario> idle = measured.stream().filter(s -> s.kind() == Scenario.Kind.IDLE).toList();
        if (!idle.isEmpty()) {
            charts.add(perScenario("Idle connections: server RSS per connection (KiB, median)", "KiB", results, idle,
                    transports, (s, t) -> {
                        Results.Cell cell = results.find(s, t);
                        return cell == null ? Double.NaN : cell.footprintMedian(Footprint::rssPerConnectionKiB);
                    }));
        }
        Metric syscalls = (s, t) -> {
            Results.Cell cell = results.find(s, t);
            return cell == null ? Double.NaN : cell.syscallsPerOp;
        };
        if (anyValue(measured, transports, syscalls)) {
            charts.add(perScenario("Server syscalls per message or request", "syscalls", results, measured,
                    transports, syscalls));
        }
        // The idle scenario's servers hold their whole heap resident: its own chart says more than their RSS.
        List<Scenario> notIdle = measured.stream().filter(s -> s.kind() != Scenario.Kind.IDLE).toList();
        if (!notIdle.isEmpty()) {
            charts.add(perScenario("Server RSS (MiB, largest of the rounds)", "MiB", results, notIdle, transports,
                    (s, t) -> {
                        Results.Cell cell = results.find(s, t);
                        return cell == null ? Double.NaN : cell.max(x -> x.rssKiB() / 1024.0);
                    }));
        }
        // XChart fills a grid exactly: two columns when the charts pair up, else one.
        int columns = charts.size() % 2 == 0 ? 2 : 1;
        BitmapEncoder.saveBitmap(charts, charts.size() / columns, columns, png.toString(),
                BitmapEncoder.BitmapFormat.PNG);
    }

    /** One value per scenario and transport. */
    private interface Metric {
        double value(Scenario scenario, ServerSetup transport);
    }

    private static boolean anyValue(List<Scenario> scenarios, List<ServerSetup> transports, Metric metric) {
        for (Scenario s : scenarios) {
            for (ServerSetup t : transports) {
                if (!Double.isNaN(metric.value(s, t))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static double median(Results results, Scenario scenario, ServerSetup transport,
                                 ToDoubleFunction<Sample> metric) {
        Results.Cell cell = results.find(scenario, transport);
        return cell == null ? Double.NaN : cell.median(metric);
    }

    private static CategoryChart perScenario(String title, String yTitle, Results results, List<Scenario> scenarios,
                                             List<ServerSetup> transports, Metric metric) {
        CategoryChart chart = newChart(title, yTitle);
        List<String> labels = new ArrayList<>();
        for (Scenario s : scenarios) {
            labels.add(s.label());
        }
        for (ServerSetup t : transports) {
            List<Double> values = new ArrayList<>();
            for (Scenario s : scenarios) {
                values.add(orZero(metric.value(s, t)));
            }
            chart.addSeries(t.id(), labels, values);
        }
        return chart;
    }

    /** p50, p99 and p99.9 of the latency scenario, when it ran. */
    private static void latency(Results results, List<Scenario> scenarios, List<ServerSetup> transports,
                                List<CategoryChart> charts) {
        for (Scenario s : scenarios) {
            if (s.kind() != Scenario.Kind.LATENCY) {
                continue;
            }
            CategoryChart chart = newChart("Round-trip latency, " + s.label() + " (µs, median of rounds, log)",
                    "µs");
            // Tails are orders of magnitude above the median: only a log axis shows both. XChart's bars start at
            // zero unless told otherwise, which a log axis cannot draw.
            chart.getStyler().setYAxisLogarithmic(true).setYAxisMin(1.0);
            List<String> labels = List.of("p50", "p99", "p99.9");
            for (ServerSetup t : transports) {
                Results.Cell cell = results.find(s, t);
                if (cell == null || !cell.hasData()) {
                    continue;
                }
                chart.addSeries(t.id(), labels, List.of(cell.median(Sample::p50Micros),
                        cell.median(Sample::p99Micros), cell.median(Sample::p999Micros)));
            }
            charts.add(chart);
        }
    }

    private static CategoryChart newChart(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .yAxisTitle(yTitle).build();
        chart.getStyler()
                .setLegendPosition(Styler.LegendPosition.OutsideS)
                .setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisLabelRotation(20);
        return chart;
    }

    /** A missing value draws as no bar; its reason is in the Markdown notes. */
    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
