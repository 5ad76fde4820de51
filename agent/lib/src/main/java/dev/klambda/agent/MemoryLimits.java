package dev.klambda.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * Enforces a function's memory size on its runtime's process tree: with a cgroup v2 of its own
 * where the agent may create one (the kernel kills on excess), else by sampling the tree's
 * resident memory in /proc and killing it on excess. Also measures the tree's peak for REPORT.
 */
public final class MemoryLimits {

    private static final Logger LOG = Logger.getLogger(MemoryLimits.class);

    /** A cgroup v2 directory the agent may create child groups in, with the memory controller. */
    private final Optional<Path> cgroupBase;

    MemoryLimits(Optional<Path> cgroupBase) {
        this.cgroupBase = cgroupBase;
    }

    /** Detects cgroup v2 delegation for this process; falls back to sampling when there is none. */
    public static MemoryLimits detect() {
        return new MemoryLimits(delegatedCgroup(Path.of("/sys/fs/cgroup"), Path.of("/proc/self/cgroup")));
    }

    /** Limits enforced by sampling /proc only (no cgroups), e.g. for several agents in one process. */
    public static MemoryLimits sampling() {
        return new MemoryLimits(Optional.empty());
    }

    /**
     * The cgroup v2 directory this process may create memory-limited children in: its own group,
     * once the process itself has moved into a leaf child (the "no internal processes" rule) and
     * the memory controller is enabled for children. Empty when anything is missing or refused.
     */
    static Optional<Path> delegatedCgroup(Path cgroupRoot, Path selfCgroupFile) {
        try {
            String own = Files.readAllLines(selfCgroupFile).stream()
                    .filter(l -> l.startsWith("0::"))
                    .map(l -> l.substring(3))
                    .findFirst()
                    .orElse(null);
            if (own == null) {
                return Optional.empty();
            }
            Path base = cgroupRoot.resolve(own.startsWith("/") ? own.substring(1) : own);
            Path controllers = base.resolve("cgroup.controllers");
            if (!Files.isReadable(controllers)
                    || !List.of(Files.readString(controllers).trim().split("\\s+")).contains("memory")) {
                return Optional.empty();
            }
            Path agentLeaf = base.resolve("klambda-agent");
            Files.createDirectories(agentLeaf);
            Files.writeString(agentLeaf.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
            Files.writeString(base.resolve("cgroup.subtree_control"), "+memory");
            return Optional.of(base);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A limit for one environment's runtime tree. */
    Guard guard(String environmentId, long limitBytes) {
        if (cgroupBase.isPresent()) {
            try {
                Path group = cgroupBase.get().resolve("klambda-" + environmentId);
                Files.createDirectories(group);
                Files.writeString(group.resolve("memory.max"), Long.toString(limitBytes));
                Files.writeString(group.resolve("memory.swap.max"), "0");
                return new CgroupGuard(group, limitBytes);
            } catch (IOException e) {
                LOG.warnf("cannot create a memory cgroup for environment %s (%s); sampling memory instead", environmentId,
                        e.getMessage());
            }
        }
        return new SamplingGuard(limitBytes);
    }

    /** The memory limit of one environment. */
    interface Guard {

        /** Puts a freshly started process under the limit. */
        void attach(ProcessHandle process);

        /** Checks the tree; true when it is over the limit and must be killed (sampling only). */
        boolean exceeded(ProcessHandle process);

        /** Whether the kernel killed something of the tree for memory. */
        boolean oomKilled();

        /** Measures the tree's peak resident memory now (reads /proc or the cgroup: not for event loops). */
        void sample(ProcessHandle process);

        /** The peak resident memory measured so far, in bytes; cheap. */
        long peakBytes();

        /** Releases the limit, e.g. removes the cgroup. */
        void close();
    }

    private static final class SamplingGuard implements Guard {
        private final long limitBytes;
        private volatile long sampledPeak;
        @SuppressWarnings("unused")
        private volatile List<Long> lastTree = List.of();

        SamplingGuard(long limitBytes) {
            this.limitBytes = limitBytes;
        }

        @Override
        public void attach(ProcessHandle process) {
            sampledPeak = 0;
            lastTree = List.of(process.pid());
        }

        @Override
        public boolean exceeded(ProcessHandle process) {
            List<Long> tree = tree(process.pid());
            lastTree = tree;
            long rss = tree.stream().mapToLong(pid -> statusKb(pid, "VmRSS:")).sum() * 1024;
            sampledPeak = Math.max(sampledPeak, rss);
            return rss > limitBytes;
        }

        @Override
        public boolean oomKilled() {
            return false;
        }

        @Override
        public void sample(ProcessHandle process) {
            if (process == null) {
                return;
            }
            List<Long> tree = tree(process.pid());
            lastTree = tree;
            long highWater = tree.stream().mapToLong(pid -> statusKb(pid, "VmHWM:")).sum() * 1024;
            sampledPeak = Math.max(sampledPeak, highWater);
        }

        @Override
        public long peakBytes() {
            return sampledPeak;
        }

        @Override
        public void close() {
        }
    }

    private static final class CgroupGuard implements Guard {
        private final Path group;
        private final long limitBytes;
        private volatile long peak;

        CgroupGuard(Path group, long limitBytes) {
            this.group = group;
            this.limitBytes = limitBytes;
        }

        @Override
        public void attach(ProcessHandle process) {
            try {
                Files.writeString(group.resolve("cgroup.procs"), Long.toString(process.pid()));
            } catch (IOException e) {
                LOG.warnf("cannot move process %d into %s: %s", process.pid(), group, e.getMessage());
            }
        }

        @Override
        public boolean exceeded(ProcessHandle process) {
            return false;
        }

        @Override
        public boolean oomKilled() {
            try {
                return Files.readAllLines(group.resolve("memory.events")).stream()
                        .anyMatch(l -> l.startsWith("oom_kill ") && !l.equals("oom_kill 0"));
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void sample(ProcessHandle process) {
            try {
                peak = Math.max(peak, Long.parseLong(Files.readString(group.resolve("memory.peak")).trim()));
            } catch (IOException | NumberFormatException e) {
                if (process != null) {
                    peak = Math.max(peak, Math.min(limitBytes, treeKb(process, "VmHWM:") * 1024));
                }
            }
        }

        @Override
        public long peakBytes() {
            return peak;
        }

        @Override
        public void close() {
            try {
                Files.deleteIfExists(group);
            } catch (IOException e) {
                // still has processes; the kernel keeps it until they are gone
            }
        }
    }

    /** Sum of a /proc/[pid]/status field (in kB) over a process and its descendants. */
    static long treeKb(ProcessHandle root, String field) {
        return tree(root.pid()).stream().mapToLong(pid -> statusKb(pid, field)).sum();
    }

    /**
     * A process and its descendants, from the kernel's per-thread children lists, which is far
     * cheaper than {@link ProcessHandle#descendants()} (that walks every process of the machine).
     */
    static List<Long> tree(long root) {
        List<Long> pids = new java.util.ArrayList<>();
        java.util.ArrayDeque<Long> queue = new java.util.ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            long pid = queue.poll();
            pids.add(pid);
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String children = Files.readString(task.resolve("children")).trim();
                        if (!children.isEmpty()) {
                            for (String child : children.split("\\s+")) {
                                queue.add(Long.parseLong(child));
                            }
                        }
                    } catch (IOException | NumberFormatException e) {
                        // the thread ended, or the kernel has no children lists
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // the process ended
            }
        }
        return pids;
    }

    private static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return 0;
    }
}
