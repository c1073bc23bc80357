package org.iouring4j.benchmarks;


import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The comparison as Markdown: one table (medians over the rounds, min–max, throughput ratios against Netty NIO
 * and Netty's io_uring), the issues' targets checked against it, and notes on anything that did not run or, for
 * UDP, lost datagrams.
 */
final class ComparisonReport {
    private static final ServerSetup NIO = ServerSetup.NIO;
    private static final ServerSetup NETTY_IOURING = ServerSetup.NETTY_IOURING;
    private static final ServerSetup OURS = ServerSetup.IOURING4J;
    /** A load client this busy (share of its one core) is what limits the throughput, not the server. */
    private static final double CLIENT_BOUND_PERCENT = 95;

    private ComparisonReport() {
    }

    /**
     * @param header lines describing the machine, the command and the run, printed above the table as a list
     * @param notes  lines on how things were measured, printed below it as a list
     */
    static String render(Results results, List<Scenario> scenarios, List<ServerSetup> transports, List<String> header,
                         List<String> notes) {
        StringBuilder md = new StringBuilder("## iouring4j vs Netty's transports\n\n");
        for (String line : header) {
            md.append("- ").append(line).append('\n');
        }
        md.append('\n')
                .append("| scenario | server transport | throughput (median) | min–max | × NIO | × Netty io_uring")
                .append(" | p50 µs | p99 µs | p99.9 µs | server CPU µs/op | server CPU % | client CPU % | syscalls/op")
                .append(" | RSS MiB |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
                .append(" ---: | ---: |\n");
        for (Scenario scenario : scenarios) {
            if (results.skipped().containsKey(scenario)) {
                continue;
            }
            boolean first = true;
            for (ServerSetup transport : transports) {
                md.append(row(results, scenario, transport, first ? "**" + scenario.label() + "**" : ""));
                first = false;
            }
        }
        md.append('\n');
        footprints(md, results, scenarios, transports);
        targets(md, results, scenarios, transports);
        md.append("Notes:\n\n");
        for (String note : notes) {
            md.append("- ").append(note).append('\n');
        }
        problems(md, results, scenarios, transports);
        return md.toString();
    }

    private static String row(Results results, Scenario scenario, ServerSetup transport, String label) {
        Results.Cell cell = results.find(scenario, transport);
        if (cell == null || !cell.hasData()) {
            String why = cell == null ? "not run" : cell.unavailable != null ? "unavailable" : "failed";
            return "| " + label + " | " + transport.id() + " | " + why + " | | | | | | | | | | | |\n";
        }
        ToDoubleFunction<Sample> rate = Sample::perSecond;
        return "| " + label
                + " | " + transport.id()
                + " | " + rate(cell.median(rate)) + " " + scenario.unit() + "/s"
                + " | " + rate(cell.min(rate)) + "–" + rate(cell.max(rate))
                + " | " + ratio(throughputRatio(results, scenario, transport, NIO))
                + " | " + ratio(throughputRatio(results, scenario, transport, NETTY_IOURING))
                + " | " + number(cell.median(Sample::p50Micros))
                + " | " + number(cell.median(Sample::p99Micros))
                + " | " + number(cell.median(Sample::p999Micros))
                + " | " + fixed(cell.median(Sample::cpuMicrosPerOp), 2)
                + " | " + fixed(cell.median(Sample::cpuPercent), 0)
                + " | " + fixed(cell.median(Sample::clientCpuPercent), 0)
                + " | " + fixed(cell.syscallsPerOp, 3)
                + " | " + fixed(cell.max(s -> s.rssKiB() / 1024.0), 0)
                + " |\n";
    }

    /** Median throughput of {@code transport} over that of {@code reference}; NaN when either is missing. */
    static double throughputRatio(Results results, Scenario scenario, ServerSetup transport, ServerSetup reference) {
        Results.Cell cell = results.find(scenario, transport);
        Results.Cell ref = results.find(scenario, reference);
        if (cell == null || ref == null || !cell.hasData() || !ref.hasData()) {
            return Double.NaN;
        }
        return cell.median(Sample::perSecond) / ref.median(Sample::perSecond);
    }

    /**
     * The targets that this run's scenarios cover, each with its measured value: throughput, latency and RSS from
     * issue 5, server CPU per datagram (UDP) and per message (Unix sockets) from issue 12, and from issue 13 server
     * CPU per message against Netty io_uring and NIO, idle-connection memory and server CPU per MiB of a file
     * download against epoll, and from issue 15 the static-file server's requests per second and CPU per request
     * against epoll reading files by blocking reads.
     */
    private static void targets(StringBuilder md, Results results, List<Scenario> scenarios,
                                List<ServerSetup> transports) {
        if (!transports.contains(OURS)) {
            return;
        }
        StringBuilder rows = new StringBuilder();
        for (Scenario scenario : scenarios) {
            switch (scenario.id()) {
                case "echo-16x16x256":
                case "echo-64x1x64":
                case "http-64":
                case "http-256":
                    rows.append(target(scenario.label() + ": throughput ≥ 1.10× NIO",
                            throughputRatio(results, scenario, OURS, NIO), 1.10, true,
                            limit(results, scenario, NIO)));
                    rows.append(target(scenario.label() + ": throughput ≥ 1.00× Netty io_uring",
                            throughputRatio(results, scenario, OURS, NETTY_IOURING), 1.00, true,
                            limit(results, scenario, NETTY_IOURING)));
                    rows.append(cpuTarget(results, scenario, NETTY_IOURING, 0.90, "Netty io_uring's"));
                    rows.append(cpuTarget(results, scenario, NIO, 0.85, "NIO's"));
                    break;
                case "echo-4x64x4k":
                    rows.append(target(scenario.label() + ": throughput within 5% of NIO (≥ 0.95×)",
                            throughputRatio(results, scenario, OURS, NIO), 0.95, true, limit(results, scenario, NIO)));
                    rows.append(cpuTarget(results, scenario, NETTY_IOURING, 0.80, "Netty io_uring's"));
                    break;
                case "latency-1x1x64":
                    rows.append(target(scenario.label() + ": p99 ≤ 1.05× epoll's",
                            metricRatio(results, scenario, ServerSetup.EPOLL, Sample::p99Micros), 1.05, false, ""));
                    break;
                case "udp-echo-64":
                case "udp-echo-1400":
                    rows.append(target(scenario.label() + ": server CPU per datagram ≤ Netty io_uring's",
                            metricRatio(results, scenario, NETTY_IOURING, Sample::cpuMicrosPerOp), 1.00, false,
                            clientLoad(results, scenario)));
                    rows.append(target(scenario.label() + ": server CPU per datagram ≤ 0.8× NIO's",
                            metricRatio(results, scenario, NIO, Sample::cpuMicrosPerOp), 0.80, false,
                            clientLoad(results, scenario)));
                    break;
                case "idle-10k":
                    rows.append(target(scenario.label() + ": idle-connection memory (RSS per connection) ≤ epoll's",
                            footprintRatio(results, scenario, Footprint::rssPerConnectionKiB), 1.00, false,
                            "heap per connection: " + ratio(footprintRatio(results, scenario,
                                    Footprint::heapPerConnectionKiB))));
                    break;
                case "file-download-1g":
                    rows.append(target(scenario.label() + ": file download server CPU per MiB ≤ epoll's",
                            metricRatio(results, scenario, ServerSetup.EPOLL, Sample::cpuMicrosPerOp), 1.00, false,
                            clientLoad(results, scenario)));
                    break;
                case "static-file-64k":
                    rows.append(target(scenario.label() + ": requests/s ≥ epoll's with blocking reads",
                            throughputRatio(results, scenario, OURS, ServerSetup.EPOLL_BLOCKING), 1.00, true,
                            limit(results, scenario, ServerSetup.EPOLL_BLOCKING)));
                    rows.append(target(scenario.label() + ": server CPU per request ≤ epoll's with blocking reads",
                            metricRatio(results, scenario, ServerSetup.EPOLL_BLOCKING, Sample::cpuMicrosPerOp), 1.00,
                            false, clientLoad(results, scenario)));
                    break;
                case "unix-echo-16x16x256":
                    rows.append(target(scenario.label() + ": server CPU per message ≤ epoll's",
                            metricRatio(results, scenario, ServerSetup.EPOLL, Sample::cpuMicrosPerOp), 1.00, false,
                            clientLoad(results, scenario)));
                    break;
                default:
                    break;
            }
            rows.append(target(scenario.label() + ": RSS ≤ 1.1× Netty io_uring's",
                    rssRatio(results, scenario), 1.10, false, ""));
        }
        md.append("Targets (issues 5, 12, 13 and 15), iouring4j against the others. A throughput ratio can only show the")
                .append(" servers' differences while the load client has CPU to spare; the last column says whether")
                .append(" it had, and compares the server CPU spent per operation, which does not depend on that.\n\n")
                .append("| target | measured | | load client's CPU; iouring4j's server CPU per op against the other's |\n")
                .append("| --- | ---: | --- | --- |\n")
                .append(rows).append('\n');
    }

    /**
     * The idle connections' memory, per server: RSS before and with the connections (medians over the rounds), and
     * their growth per connection, outside the heap (RSS) and inside it.
     */
    private static void footprints(StringBuilder md, Results results, List<Scenario> scenarios,
                                   List<ServerSetup> transports) {
        for (Scenario scenario : scenarios) {
            if (scenario.kind() != Scenario.Kind.IDLE || results.skipped().containsKey(scenario)) {
                continue;
            }
            md.append("Idle-connection memory, ").append(scenario.label()).append(" (medians over the rounds; each")
                    .append(" round on a fresh server):\n\n| server transport | RSS before MiB | RSS after MiB")
                    .append(" | RSS per conn KiB | min–max | heap per conn KiB |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (ServerSetup transport : transports) {
                Results.Cell cell = results.find(scenario, transport);
                if (cell == null || cell.footprints.isEmpty()) {
                    md.append("| ").append(transport.id()).append(" | not measured | | | | |\n");
                    continue;
                }
                md.append("| ").append(transport.id())
                        .append(" | ").append(fixed(cell.footprintMedian(f -> f.rssBeforeKiB() / 1024.0), 0))
                        .append(" | ").append(fixed(cell.footprintMedian(f -> f.rssAfterKiB() / 1024.0), 0))
                        .append(" | ").append(fixed(cell.footprintMedian(Footprint::rssPerConnectionKiB), 2))
                        .append(" | ").append(fixed(cell.footprintMin(Footprint::rssPerConnectionKiB), 2))
                        .append("–").append(fixed(cell.footprintMax(Footprint::rssPerConnectionKiB), 2))
                        .append(" | ").append(fixed(cell.footprintMedian(Footprint::heapPerConnectionKiB), 2))
                        .append(" |\n");
            }
            // Seen on a 2-core VM: with nothing held per idle connection, a server's RSS still moves by some
            // ±8 MiB between the two readings (the C library's arenas, the JIT), so a ratio of such figures says
            // little.
            md.append("\nRSS per connection within ±1 KiB of zero is within this measure's noise (RSS moves by a few")
                    .append(" MiB between two readings of a server that holds nothing per connection): then no")
                    .append(" transport keeps a buffer or other native memory per idle connection, and the target's")
                    .append(" ratio below compares noise.\n\n");
        }
    }

    /** iouring4j's median idle-connection figure over epoll's; NaN when either is missing. */
    private static double footprintRatio(Results results, Scenario scenario, ToDoubleFunction<Footprint> metric) {
        Results.Cell cell = results.find(scenario, OURS);
        Results.Cell ref = results.find(scenario, ServerSetup.EPOLL);
        if (cell == null || ref == null || cell.footprints.isEmpty() || ref.footprints.isEmpty()) {
            return Double.NaN;
        }
        return cell.footprintMedian(metric) / ref.footprintMedian(metric);
    }

    /** What bounded a throughput comparison: the load client's CPU, and the two servers' CPU per operation. */
    private static String limit(Results results, Scenario scenario, ServerSetup reference) {
        String client = clientLoad(results, scenario);
        return client.isEmpty() ? ""
                : client + "; " + ratio(metricRatio(results, scenario, reference, Sample::cpuMicrosPerOp));
    }

    /** The load client's CPU while it drove iouring4j's server, marked when it was what limited the throughput. */
    private static String clientLoad(Results results, Scenario scenario) {
        Results.Cell cell = results.find(scenario, OURS);
        if (cell == null || !cell.hasData()) {
            return "";
        }
        double clientCpu = cell.median(Sample::clientCpuPercent);
        return String.format(Locale.ROOT, "%.0f%%%s", clientCpu,
                clientCpu >= CLIENT_BOUND_PERCENT ? " (client-bound)" : "");
    }

    private static double metricRatio(Results results, Scenario scenario, ServerSetup reference,
                                      ToDoubleFunction<Sample> metric) {
        Results.Cell cell = results.find(scenario, OURS);
        Results.Cell ref = results.find(scenario, reference);
        if (cell == null || ref == null || !cell.hasData() || !ref.hasData()) {
            return Double.NaN;
        }
        return cell.median(metric) / ref.median(metric);
    }

    private static double rssRatio(Results results, Scenario scenario) {
        Results.Cell cell = results.find(scenario, OURS);
        Results.Cell ref = results.find(scenario, NETTY_IOURING);
        if (cell == null || ref == null || !cell.hasData() || !ref.hasData()) {
            return Double.NaN;
        }
        return cell.max(s -> s.rssKiB()) / ref.max(s -> s.rssKiB());
    }

    /** Issue 13's: iouring4j's server CPU per message at most {@code bound} times {@code other}'s. */
    private static String cpuTarget(Results results, Scenario scenario, ServerSetup other, double bound,
                                    String whose) {
        return target(scenario.label() + ": server CPU per " + scenario.unit() + " ≤ " + fixed(bound, 2) + "× "
                + whose, metricRatio(results, scenario, other, Sample::cpuMicrosPerOp), bound, false,
                clientLoad(results, scenario));
    }

    private static String target(String what, double measured, double bound, boolean atLeast, String limit) {
        String verdict = Double.isNaN(measured) ? "not measured"
                : (atLeast ? measured >= bound : measured <= bound) ? "met" : "**missed**";
        return "| " + what + " | " + ratio(measured) + " | " + verdict + " | " + limit + " |\n";
    }

    /** Everything that did not run as planned, so that a missing number always has its reason next to it. */
    private static void problems(StringBuilder md, Results results, List<Scenario> scenarios,
                                 List<ServerSetup> transports) {
        results.skipped().forEach((scenario, why) ->
                md.append("- ").append(scenario.label()).append(" skipped: ").append(why).append('\n'));
        for (Scenario scenario : scenarios) {
            for (ServerSetup transport : transports) {
                Results.Cell cell = results.find(scenario, transport);
                if (cell == null) {
                    continue;
                }
                String where = scenario.label() + ", " + transport.id();
                if (cell.unavailable != null) {
                    md.append("- ").append(where).append(": not measured: ").append(cell.unavailable).append('\n');
                }
                double loss = cell.median(Sample::lossPercent);
                if (loss > 0) {
                    md.append("- ").append(where).append(String.format(Locale.ROOT, ": lost %.3f%% of its datagrams"
                            + " (median of the rounds; at most %.3f%%)", loss, cell.max(Sample::lossPercent)))
                            .append('\n');
                }
                if (!cell.disturbed.isEmpty()) {
                    md.append("- ").append(where).append(": other processes used the CPUs in every attempt at ")
                            .append(String.join(", ", cell.disturbed)).append(" (share of a core): noisy\n");
                }
                for (String failure : cell.failures) {
                    md.append("- ").append(where).append(": failed run: ").append(failure).append('\n');
                }
                if (cell.loopCounters != null) {
                    md.append("- ").append(where).append(": loop counters over the server's life: `")
                            .append(cell.loopCounters).append("`\n");
                }
                if (cell.ioUringThreads > 0) {
                    md.append("- ").append(where).append(": ").append(cell.ioUringThreads)
                            .append(" io_uring kernel thread(s) (iou-*) seen in the server\n");
                }
            }
        }
    }

    static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "–";
        }
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.2f×", r);
    }

    /** Three significant figures or so: latencies range from tens of µs to hundreds of ms. */
    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
