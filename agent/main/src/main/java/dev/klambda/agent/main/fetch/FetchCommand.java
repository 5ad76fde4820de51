package dev.klambda.agent.main.fetch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.FileTrees;
import dev.klambda.core.code.InvalidCodePackageException;
import dev.klambda.core.code.ZipExtractor;

/**
 * The {@code fetch} init container: downloads the function's zip into the task root and its
 * layers, in order, into the opt directory, checking each SHA-256 and unpacking with Lambda's
 * rules and limits (code and layers together below 262,144,000 bytes unzipped).
 *
 * <p>
 * Everything is downloaded and unpacked into hidden staging directories inside the targets first
 * (the targets are volumes, so their own parents may be read-only or another filesystem); only
 * when every artifact has been verified and unpacked are the files moved into place. A failed
 * fetch therefore leaves the targets as it found them, and running it again, as the kubelet does
 * with init containers, gives the same result.
 */
public final class FetchCommand {

    /** Names of the staging directories inside a target; ones left by a killed run are removed. */
    static final String STAGING_PREFIX = ".klambda-fetch-";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Downloader downloader;
    private final ZipExtractor extractor;
    private final PrintStream out;

    FetchCommand(Downloader downloader, ZipExtractor extractor, PrintStream out) {
        this.downloader = downloader;
        this.extractor = extractor;
        this.out = out;
    }

    /**
     * Fetches what the {@code KLAMBDA_FETCH_*} variables in {@code env} name, logging one line per
     * artifact to {@code out}.
     *
     * @throws IllegalArgumentException when a variable is malformed
     * @throws IOException when an artifact cannot be fetched, verified or unpacked
     */
    public static void run(Map<String, String> env, PrintStream out) throws IOException {
        FetchPlan plan = FetchPlan.fromEnvironment(env);
        new FetchCommand(new Downloader(Downloader.Retry.DEFAULT), new ZipExtractor(), out).fetch(plan);
    }

    void fetch(FetchPlan plan) throws IOException {
        long start = System.nanoTime();
        if (plan.code().isEmpty() && plan.layers().isEmpty()) {
            log("nothing to fetch: neither " + FetchPlan.CODE + " nor " + FetchPlan.LAYERS + " is set");
            return;
        }
        Set<Path> targets = new LinkedHashSet<>();
        plan.code().ifPresent(code -> targets.add(plan.taskRoot()));
        if (!plan.layers().isEmpty()) {
            targets.add(plan.optDirectory());
        }
        for (Path target : targets) {
            prepare(target);
        }
        List<Staging> stagings = new ArrayList<>();
        try {
            long unzipped = 0;
            if (plan.code().isPresent()) {
                Staging code = Staging.in(plan.taskRoot());
                stagings.add(code);
                unzipped += unpack(plan.code().get(), code, unzipped);
            }
            if (!plan.layers().isEmpty()) {
                Staging opt = Staging.in(plan.optDirectory());
                stagings.add(opt);
                for (Artifact layer : plan.layers()) {
                    unzipped += unpack(layer, opt, unzipped);
                }
            }
            for (Staging staging : stagings) {
                staging.publish();
            }
            List<String> done = new ArrayList<>();
            plan.code().ifPresent(code -> done.add("code into " + plan.taskRoot()));
            if (!plan.layers().isEmpty()) {
                int layers = plan.layers().size();
                done.add(layers + (layers == 1 ? " layer" : " layers") + " into " + plan.optDirectory());
            }
            log("done: " + String.join(" and ", done) + ", " + unzipped + " bytes unzipped, in " + millis(start) + " ms");
        } finally {
            for (Staging staging : stagings) {
                staging.discard();
            }
        }
    }

    /** Downloads, verifies and unpacks one artifact into {@code staging}; returns its unzipped size. */
    private long unpack(Artifact artifact, Staging staging, long alreadyUnzipped) throws IOException {
        long start = System.nanoTime();
        Path zip = staging.download();
        try {
            CodeDigest digest = downloader.download(artifact, zip);
            if (artifact.sha256().isPresent() && !artifact.sha256().get().equals(digest.hex())) {
                throw new FetchException(artifact + " has SHA-256 " + digest.hex() + ", not the expected "
                        + artifact.sha256().get() + " (" + digest.size() + " bytes downloaded)");
            }
            long unzipped;
            try {
                unzipped = extractor.extractInto(zip, staging.tree(), alreadyUnzipped);
            } catch (InvalidCodePackageException e) {
                throw new FetchException(artifact + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new FetchException(artifact + ": cannot unpack: " + FetchException.describe(e), e);
            }
            log(artifact + ": " + digest.size() + " bytes, sha256 " + digest.hex() + ", " + unzipped
                    + " bytes unzipped, in " + millis(start) + " ms");
            return unzipped;
        } finally {
            Files.deleteIfExists(zip);
        }
    }

    /** Creates {@code target} if needed and removes the staging directories of an earlier run that was killed. */
    private static void prepare(Path target) throws IOException {
        try {
            Files.createDirectories(target);
            try (Stream<Path> entries = Files.list(target)) {
                for (Path leftover : entries.filter(p -> p.getFileName().toString().startsWith(STAGING_PREFIX)).toList()) {
                    FileTrees.deleteIfExists(leftover);
                }
            }
        } catch (IOException e) {
            throw new FetchException("cannot prepare " + target + ": " + FetchException.describe(e), e);
        }
    }

    private void log(String message) {
        out.println(LocalTime.now().format(TIME) + " INFO  [klambda-agent] fetch: " + message);
    }

    private static long millis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** A hidden directory inside a target: the download and the tree it unpacks to, moved into the target when complete. */
    private record Staging(Path target, Path directory) {

        static Staging in(Path target) throws IOException {
            try {
                Path directory = Files.createTempDirectory(target, STAGING_PREFIX);
                Files.createDirectory(directory.resolve("tree"));
                return new Staging(target, directory);
            } catch (IOException e) {
                throw new FetchException("cannot write into " + target + ": " + FetchException.describe(e), e);
            }
        }

        Path tree() {
            return directory.resolve("tree");
        }

        Path download() {
            return directory.resolve("download.zip");
        }

        /** Moves the unpacked tree into the target, over what an earlier run may have put there. */
        void publish() throws IOException {
            try (Stream<Path> entries = Files.list(tree())) {
                for (Path entry : entries.toList()) {
                    moveInto(entry, target.resolve(entry.getFileName().toString()));
                }
            } catch (IOException e) {
                throw new FetchException("cannot move the unpacked files into " + target + ": "
                        + FetchException.describe(e), e);
            }
        }

        void discard() {
            try {
                FileTrees.deleteIfExists(directory);
            } catch (IOException e) {
                // the next run removes it
            }
        }

        /**
         * Renames {@code source} to {@code destination}, within one filesystem: a file or link
         * replaces what is there; a directory merges into a directory; a directory and a
         * non-directory replace each other. Links are never followed.
         */
        private static void moveInto(Path source, Path destination) throws IOException {
            BasicFileAttributes existing = attributes(destination);
            boolean directory = Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS);
            if (existing != null && existing.isDirectory() && directory) {
                try (Stream<Path> children = Files.list(source)) {
                    for (Path child : children.toList()) {
                        moveInto(child, destination.resolve(child.getFileName().toString()));
                    }
                }
                return;
            }
            if (existing != null && (existing.isDirectory() || directory)) {
                FileTrees.deleteIfExists(destination);
            }
            Files.move(source, destination, StandardCopyOption.ATOMIC_MOVE);
        }

        private static BasicFileAttributes attributes(Path path) throws IOException {
            try {
                return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }
}
