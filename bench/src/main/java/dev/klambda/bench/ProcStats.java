package dev.klambda.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What Linux's /proc says about a process or the whole machine: CPU time, resident memory, free memory. */
final class ProcStats {

    /** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
    private static final double TICKS = 100.0;

    private ProcStats() {
    }

    /** CPU seconds (user + system) {@code pid} used so far; 0 once it is gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU seconds of {@code root} and each of its descendants so far, by pid. */
    static Map<Long, Double> cpuSecondsOfTree(ProcessHandle root) {
        Map<Long, Double> seconds = new HashMap<>();
        seconds.put(root.pid(), cpuSeconds(root.pid()));
        root.descendants().forEach(process -> seconds.put(process.pid(), cpuSeconds(process.pid())));
        return seconds;
    }

    /**
     * User and system CPU seconds of each thread of {@code pid} so far, summed by thread name with
     * its digits dropped (Linux keeps the first 15 characters of a name): {@code [user, system]}.
     */
    static Map<String, double[]> threadCpuSeconds(long pid) {
        Map<String, double[]> byName = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double[] cpu = byName.computeIfAbsent(name, n -> new double[2]);
                    cpu[0] += Long.parseLong(fields[11]) / TICKS;
                    cpu[1] += Long.parseLong(fields[12]) / TICKS;
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            });
        } catch (IOException e) {
            // the process ended
        }
        return byName;
    }

    /** Resident memory of {@code pid} in bytes; 0 once it is gone. */
    static long rssBytes(long pid) {
        return statusKb(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:") * 1024;
    }

    /** MemAvailable of the machine in bytes. */
    static long memAvailableBytes() {
        return statusKb(Path.of("/proc/meminfo"), "MemAvailable:") * 1024;
    }

    /** The 1-minute load average. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The machine's CPU time so far, busy and in all, in seconds summed over its cores. */
    record MachineCpu(double busy, double total) {

        static MachineCpu now() {
            try {
                String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
                double total = 0;
                for (int i = 1; i < Math.min(fields.length, 9); i++) {
                    total += Long.parseLong(fields[i]);
                }
                // idle and iowait
                double idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
                return new MachineCpu((total - idle) / TICKS, total / TICKS);
            } catch (IOException | RuntimeException e) {
                return new MachineCpu(0, 0);
            }
        }

        /** Cores busy on average since {@code before}. */
        double coresBusySince(MachineCpu before, int cores) {
            double elapsed = total - before.total;
            return elapsed <= 0 ? 0 : (busy - before.busy) / elapsed * cores;
        }
    }

    private static long statusKb(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
