package dev.klambda.core.code;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Unpacked code on local disk, kept once per SHA-256 and shared read-only by every execution
 * environment that runs it: a function's task root ({@code /var/task}), a list of layers' {@code /opt}.
 *
 * <p>
 * Layout under the root: {@code functions/<sha256>/code}, {@code layers/<key>/opt}, each with a
 * {@code size} file beside it; {@code staging/} for work in progress and {@code locks/}. An entry
 * appears only by an atomic rename of a complete directory, so one that exists is complete.
 */
public final class UnpackedCodeCache {

    /** A function's code or a list of layers, unpacked: the directory, sealed read-only, and its unzipped size. */
    public record Unpacked(Path directory, long size) {
    }

    /** One layer version's zip and its SHA-256 (hex or base64). */
    public record Layer(String sha256, Path zip) {
    }

    private static final String SIZE = "size";

    // A JVM may hold one FileLock per file, and a second attempt from another thread throws
    // instead of waiting, so the threads of this process queue here before locking the file.
    private static final ReentrantLock[] LOCKS = new ReentrantLock[64];

    static {
        for (int i = 0; i < LOCKS.length; i++) {
            LOCKS[i] = new ReentrantLock();
        }
    }

    private final Path root;
    private final ZipExtractor extractor;
    private final AtomicInteger unpackings = new AtomicInteger();

    /** A cache under {@code root} with Lambda's limits. */
    public UnpackedCodeCache(Path root) {
        this(root, new ZipExtractor());
    }

    public UnpackedCodeCache(Path root, ZipExtractor extractor) {
        this.root = root.toAbsolutePath().normalize();
        this.extractor = extractor;
    }

    /**
     * The function code with this SHA-256 (hex or base64), unpacked: the task root. The first call
     * for a SHA-256 unpacks {@code zip}, which must have that digest; every later call, from any
     * thread or process sharing the root, gets the same directory without reading the zip.
     *
     * @throws InvalidCodePackageException when the zip cannot be unpacked safely or is too large
     * @throws IllegalArgumentException when {@code sha256} is not a SHA-256
     */
    public Unpacked unpacked(String sha256, Path zip) throws IOException {
        String hex = hex(sha256);
        return obtain("functions", hex, "code", tree -> {
            verify(zip, hex);
            return extractor.extractInto(zip, tree, 0);
        });
    }

    /**
     * The directory that stands in for {@code /opt}: the layers unpacked in order, a later layer's
     * files replacing an earlier one's. Shared by every function with the same layers in the same
     * order. The function's own unpacked size counts toward Lambda's limit with the layers.
     *
     * @throws InvalidCodePackageException when a layer cannot be unpacked safely, or the function
     *         and its layers together are too large
     */
    public Unpacked layers(List<Layer> layers, long functionSize) throws IOException {
        List<String> hexes = layers.stream().map(layer -> hex(layer.sha256())).toList();
        String key = CodeDigest.sha256Hex(String.join("\n", hexes));
        Unpacked opt = obtain("layers", key, "opt", tree -> {
            long total = 0;
            for (int i = 0; i < layers.size(); i++) {
                verify(layers.get(i).zip(), hexes.get(i));
                total += extractor.extractInto(layers.get(i).zip(), tree, functionSize + total);
            }
            return total;
        });
        // A cached /opt was built under another function's budget: check this one's.
        extractor.checkSize(functionSize + opt.size());
        return opt;
    }

    /** How many times this instance unpacked something rather than finding it (for tests). */
    int unpackings() {
        return unpackings.get();
    }

    @FunctionalInterface
    private interface Unpacker {
        /** Fills {@code tree} and returns the unzipped size. */
        long unpack(Path tree) throws IOException;
    }

    private Unpacked obtain(String kind, String key, String treeName, Unpacker unpacker) throws IOException {
        Path entry = root.resolve(kind).resolve(key);
        Unpacked found = find(entry, treeName);
        if (found != null) {
            return found;
        }
        Path lockFile = root.resolve("locks").resolve(kind + "-" + key + ".lock");
        Files.createDirectories(lockFile.getParent());
        ReentrantLock lock = LOCKS[Math.floorMod(lockFile.hashCode(), LOCKS.length)];
        lock.lock();
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = channel.lock()) {
            found = find(entry, treeName);
            return found != null ? found : unpack(entry, treeName, unpacker);
        } finally {
            lock.unlock();
        }
    }

    private Unpacked unpack(Path entry, String treeName, Unpacker unpacker) throws IOException {
        Path stagingRoot = Files.createDirectories(root.resolve("staging"));
        Path staging = Files.createTempDirectory(stagingRoot, entry.getFileName() + "-");
        try {
            unpackings.incrementAndGet();
            Path tree = Files.createDirectory(staging.resolve(treeName));
            long size = unpacker.unpack(tree);
            Files.writeString(staging.resolve(SIZE), Long.toString(size));
            FileTrees.seal(tree);
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(entry.getParent());
            try {
                Files.move(staging, entry, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // Without a working file lock (some network filesystems) another process may have
                // published first; its copy is as good as ours, which the finally block discards.
                if (find(entry, treeName) == null) {
                    throw e;
                }
            }
            return find(entry, treeName);
        } finally {
            FileTrees.deleteIfExists(staging);
        }
    }

    private static Unpacked find(Path entry, String treeName) throws IOException {
        try {
            long size = Long.parseLong(Files.readString(entry.resolve(SIZE)).trim());
            return new Unpacked(entry.resolve(treeName), size);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void verify(Path zip, String hex) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new NoSuchFileException(zip.toString(), null, "no code package here");
        }
        String actual = CodePackages.digest(zip).hex();
        if (!actual.equals(hex)) {
            throw new IOException("The code package " + zip + " has SHA-256 " + actual + ", not " + hex);
        }
    }

    private static String hex(String sha256) {
        return CodeDigest.parseHex(sha256)
                .orElseThrow(() -> new IllegalArgumentException("Not a SHA-256 in hex or base64: " + sha256));
    }
}
