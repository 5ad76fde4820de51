package dev.klambda.core.code;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Unpacks a zip code package or layer into a directory as Lambda does, refusing every entry that
 * would land outside it and stopping at Lambda's unzipped size limit by counting the bytes written.
 */
public final class ZipExtractor {

    /** Lambda's limit on a function's code and all its layers together, unzipped. */
    public static final long MAX_UNZIPPED_SIZE = 262_144_000L;

    /** Our limit on entries in one zip: far above real packages, far below an inode flood. */
    public static final int MAX_ENTRIES = 100_000;

    private static final int MAX_SEGMENT_BYTES = 255;
    private static final int MAX_PATH_BYTES = 4095;
    private static final int MAX_LINK_TARGET_BYTES = 4095;
    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:");

    private static final int TYPE_MASK = 0170000;
    private static final int REGULAR = 0100000;
    private static final int DIRECTORY = 040000;
    private static final int SYMLINK = 0120000;

    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> EXECUTABLE_MODE = PosixFilePermissions.fromString("rwxr-xr-x");

    private enum Kind {
        FILE,
        DIRECTORY,
        SYMLINK
    }

    private final long maxUnzippedSize;
    private final int maxEntries;

    /** An extractor with Lambda's limits. */
    public ZipExtractor() {
        this(MAX_UNZIPPED_SIZE, MAX_ENTRIES);
    }

    /**
     * @param maxUnzippedSize the unzipped total (function and layers) must be smaller than this
     * @param maxEntries the most entries one zip may have
     */
    public ZipExtractor(long maxUnzippedSize, int maxEntries) {
        this.maxUnzippedSize = maxUnzippedSize;
        this.maxEntries = maxEntries;
    }

    public long maxUnzippedSize() {
        return maxUnzippedSize;
    }

    /**
     * Unpacks {@code zip} into {@code target}, all or nothing: the entries go to a hidden sibling
     * that is renamed to {@code target} only when every one of them was accepted, so a rejected zip
     * leaves nothing behind. {@code target} must not exist, or be an empty directory.
     *
     * @param alreadyUnzipped bytes already counted against the limit, e.g. the function's code when
     *        this is one of its layers
     * @return the bytes this zip unpacked to (file contents and symbolic link targets)
     * @throws InvalidCodePackageException when the zip is not a zip, too large, or unsafe
     */
    public long extract(Path zip, Path target, long alreadyUnzipped) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) && !isEmptyDirectory(absolute)) {
            throw new FileAlreadyExistsException(absolute.toString());
        }
        Files.createDirectories(absolute.getParent());
        Path staging = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".unpacking-");
        try {
            Files.setPosixFilePermissions(staging, DIRECTORY_MODE);
            long size = extractInto(zip, staging, alreadyUnzipped);
            Files.move(staging, absolute, StandardCopyOption.ATOMIC_MOVE);
            return size;
        } finally {
            FileTrees.deleteIfExists(staging);
        }
    }

    /**
     * Unpacks {@code zip} over what {@code dir} already holds (an earlier layer), later entries
     * replacing earlier ones. Not atomic: callers unpack into a directory nobody else sees yet.
     *
     * @param alreadyUnzipped bytes already counted against the limit
     * @return the bytes this zip unpacked to
     * @throws InvalidCodePackageException when the zip is not a zip, too large, or unsafe
     */
    public long extractInto(Path zip, Path dir, long alreadyUnzipped) throws IOException {
        checkSize(alreadyUnzipped);
        try (ZipFile file = open(zip)) {
            List<ZipArchiveEntry> entries = Collections.list(file.getEntries());
            if (entries.size() > maxEntries) {
                throw InvalidCodePackageException.tooManyEntries(entries.size(), maxEntries);
            }
            long total = alreadyUnzipped;
            // Central directory order, as unzip uses: of duplicate names the last one wins.
            for (ZipArchiveEntry entry : entries) {
                total = extractEntry(file, entry, dir, total);
            }
            return total - alreadyUnzipped;
        }
    }

    /** Fails with Lambda's message when {@code total} unzipped bytes are not below the limit. */
    void checkSize(long total) throws InvalidCodePackageException {
        if (total >= maxUnzippedSize) {
            throw InvalidCodePackageException.tooLarge(maxUnzippedSize);
        }
    }

    private long extractEntry(ZipFile file, ZipArchiveEntry entry, Path dir, long total) throws IOException {
        String name = entry.getName();
        Kind kind = kind(entry);
        List<String> segments = segments(name);
        if (segments.isEmpty()) {
            if (kind == Kind.DIRECTORY) {
                return total;
            }
            throw InvalidCodePackageException.unsafeEntry(name, "does not name a file");
        }
        if (!file.canReadEntryData(entry)) {
            throw InvalidCodePackageException.notAZip(
                    "entry '" + name + "' uses encryption or a compression method we cannot read", null);
        }
        Path path = dir.resolve(String.join("/", segments)).normalize();
        if (!path.startsWith(dir) || path.equals(dir)) {
            throw InvalidCodePackageException.unsafeEntry(name, "escapes the directory");
        }
        ensureParents(dir, segments, name);
        switch (kind) {
            case DIRECTORY -> {
                BasicFileAttributes existing = attributes(path);
                if (existing == null || !existing.isDirectory()) {
                    FileTrees.deleteIfExists(path);
                    createDirectory(path);
                }
                return total;
            }
            case SYMLINK -> {
                String target = linkTarget(file, entry);
                checkLinkTarget(name, segments, target);
                long after = total + target.getBytes(StandardCharsets.UTF_8).length;
                checkSize(after);
                FileTrees.deleteIfExists(path);
                Files.createSymbolicLink(path, Path.of(target));
                return after;
            }
            default -> {
                FileTrees.deleteIfExists(path);
                long after = writeFile(file, entry, path, total);
                boolean executable = (entry.getUnixMode() & 0111) != 0;
                Files.setPosixFilePermissions(path, executable ? EXECUTABLE_MODE : FILE_MODE);
                return after;
            }
        }
    }

    private static Kind kind(ZipArchiveEntry entry) throws InvalidCodePackageException {
        int type = entry.getUnixMode() & TYPE_MASK; // 0 when the zip was not made on Unix
        boolean slash = entry.getName().endsWith("/");
        if (type == SYMLINK) {
            if (slash) {
                throw InvalidCodePackageException.unsafeEntry(entry.getName(), "is both a directory and a symbolic link");
            }
            return Kind.SYMLINK;
        }
        if (slash || type == DIRECTORY) {
            return Kind.DIRECTORY;
        }
        if (type == 0 || type == REGULAR) {
            return Kind.FILE;
        }
        throw InvalidCodePackageException.unsafeEntry(entry.getName(),
                "is a special file (mode " + Integer.toOctalString(entry.getUnixMode()) + "), not a file, directory or link");
    }

    /** The entry's path as segments, refusing every name that could point outside the directory. */
    private static List<String> segments(String name) throws InvalidCodePackageException {
        if (name.isEmpty()) {
            throw InvalidCodePackageException.unsafeEntry(name, "has an empty name");
        }
        if (name.indexOf('\0') >= 0) {
            throw InvalidCodePackageException.unsafeEntry(name, "contains a NUL character");
        }
        if (name.indexOf('\\') >= 0) {
            throw InvalidCodePackageException.unsafeEntry(name, "contains a backslash");
        }
        if (name.startsWith("/")) {
            throw InvalidCodePackageException.unsafeEntry(name, "is an absolute path");
        }
        if (DRIVE.matcher(name).find()) {
            throw InvalidCodePackageException.unsafeEntry(name, "starts with a drive letter");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw InvalidCodePackageException.unsafeEntry(name, "is longer than " + MAX_PATH_BYTES + " bytes");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : name.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw InvalidCodePackageException.unsafeEntry(name, "climbs out with '..'");
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                throw InvalidCodePackageException.unsafeEntry(name,
                        "has a name segment longer than " + MAX_SEGMENT_BYTES + " bytes");
            }
            segments.add(segment);
        }
        return segments;
    }

    /**
     * A link's target may climb with leading {@code ..} segments as long as it stays inside, then
     * only descend. A {@code ..} after a name could climb out of whatever that name links to, so
     * the target could escape even though it looks inside once normalised.
     */
    private static void checkLinkTarget(String name, List<String> segments, String target)
            throws InvalidCodePackageException {
        String link = "is a symbolic link to '" + target + "'";
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            throw InvalidCodePackageException.unsafeEntry(name, "is a symbolic link with an empty or NUL target");
        }
        if (target.startsWith("/") || DRIVE.matcher(target).find()) {
            throw InvalidCodePackageException.unsafeEntry(name, link + ", an absolute path");
        }
        if (target.indexOf('\\') >= 0) {
            throw InvalidCodePackageException.unsafeEntry(name, link + ", which contains a backslash");
        }
        int depth = segments.size() - 1;
        boolean descended = false;
        for (String segment : target.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (!segment.equals("..")) {
                descended = true;
            } else if (descended) {
                throw InvalidCodePackageException.unsafeEntry(name, link + ", which climbs with '..' after a name");
            } else if (--depth < 0) {
                throw InvalidCodePackageException.unsafeEntry(name, link + ", outside the directory");
            }
        }
    }

    /**
     * Creates the directories above an entry. A symbolic link among them (from this zip or an
     * earlier layer) is refused rather than followed; a file is replaced, as later entries win.
     */
    private static void ensureParents(Path dir, List<String> segments, String name) throws IOException {
        Path current = dir;
        for (String segment : segments.subList(0, segments.size() - 1)) {
            current = current.resolve(segment);
            BasicFileAttributes existing = attributes(current);
            if (existing == null) {
                createDirectory(current);
            } else if (existing.isSymbolicLink()) {
                throw InvalidCodePackageException.unsafeEntry(name,
                        "would be written through the symbolic link '" + dir.relativize(current) + "'");
            } else if (!existing.isDirectory()) {
                Files.delete(current);
                createDirectory(current);
            }
        }
    }

    private long writeFile(ZipFile file, ZipArchiveEntry entry, Path path, long total) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = entryStream(file, entry);
                OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            int n;
            while ((n = read(in, buffer, entry)) != -1) {
                // Counted before writing: a zip bomb stops here, whatever its headers declare.
                total += n;
                checkSize(total);
                out.write(buffer, 0, n);
            }
        }
        return total;
    }

    private static String linkTarget(ZipFile file, ZipArchiveEntry entry) throws IOException {
        byte[] target = new byte[MAX_LINK_TARGET_BYTES + 1];
        int length = 0;
        try (InputStream in = entryStream(file, entry)) {
            int n;
            while (length < target.length && (n = in.read(target, length, target.length - length)) != -1) {
                length += n;
            }
        } catch (InvalidCodePackageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw unreadable(entry, e);
        }
        if (length > MAX_LINK_TARGET_BYTES) {
            throw InvalidCodePackageException.unsafeEntry(entry.getName(),
                    "is a symbolic link with a target longer than " + MAX_LINK_TARGET_BYTES + " bytes");
        }
        return new String(target, 0, length, StandardCharsets.UTF_8);
    }

    // The zip is untrusted input: any failure to parse it, even a runtime exception from the
    // parser, means a damaged package, not a fault of ours.
    private static ZipFile open(Path zip) throws IOException {
        try {
            return ZipFile.builder().setPath(zip).get();
        } catch (FileSystemException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw InvalidCodePackageException.notAZip(e.getMessage(), e);
        }
    }

    private static InputStream entryStream(ZipFile file, ZipArchiveEntry entry) throws IOException {
        try {
            return file.getInputStream(entry);
        } catch (IOException | RuntimeException e) {
            throw unreadable(entry, e);
        }
    }

    private static int read(InputStream in, byte[] buffer, ZipArchiveEntry entry) throws IOException {
        try {
            return in.read(buffer);
        } catch (IOException | RuntimeException e) {
            throw unreadable(entry, e);
        }
    }

    private static InvalidCodePackageException unreadable(ZipArchiveEntry entry, Exception e) {
        return InvalidCodePackageException.notAZip("cannot read entry '" + entry.getName() + "': " + e.getMessage(), e);
    }

    private static void createDirectory(Path path) throws IOException {
        Files.createDirectory(path);
        Files.setPosixFilePermissions(path, DIRECTORY_MODE);
    }

    private static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static boolean isEmptyDirectory(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> children = Files.list(path)) {
            return children.findAny().isEmpty();
        }
    }
}
