package dev.klambda.core.code;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.io.output.CloseShieldOutputStream;
import org.apache.commons.io.output.CountingOutputStream;
import org.apache.commons.io.output.NullOutputStream;

/**
 * Turns a function's code, as a directory or a zip file, into the zip package Lambda would store.
 * Directories are zipped deterministically (sorted entries, fixed timestamps, Unix modes kept), so
 * the same tree always has the same CodeSha256.
 */
public final class CodePackages {

    /** The DOS epoch, 1980-01-01T00:00:00Z: every entry of a directory package carries it. */
    private static final long FIXED_TIME = 315532800000L;

    private CodePackages() {
    }

    /** The SHA-256 and size of the package at {@code path}: a zip file as is, a directory zipped. */
    public static CodeDigest digest(Path path) throws IOException {
        MessageDigest sha256 = CodeDigest.newSha256();
        CountingOutputStream counter = new CountingOutputStream(NullOutputStream.INSTANCE);
        try (DigestOutputStream out = new DigestOutputStream(counter, sha256)) {
            writePackage(path, out);
        }
        return new CodeDigest(sha256.digest(), counter.getByteCount());
    }

    /** Writes the package at {@code path} to {@code out}: a zip file's bytes, or a directory zipped. */
    public static void writePackage(Path path, OutputStream out) throws IOException {
        if (Files.isDirectory(path)) {
            zipDirectory(path, out);
        } else {
            try (InputStream in = Files.newInputStream(path)) {
                in.transferTo(out);
            }
        }
    }

    /** Zips {@code dir} deterministically into {@code out}, which stays open. */
    public static void zipDirectory(Path dir, OutputStream out) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(dir)) {
            entries = walk.filter(p -> !p.equals(dir)).sorted().toList();
        }
        ZipArchiveOutputStream zip = new ZipArchiveOutputStream(CloseShieldOutputStream.wrap(out));
        for (Path path : entries) {
            String name = dir.relativize(path).toString().replace('\\', '/');
            boolean link = Files.isSymbolicLink(path);
            boolean directory = !link && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
            ZipArchiveEntry entry = new ZipArchiveEntry(directory ? name + "/" : name);
            entry.setTime(FIXED_TIME);
            if (link) {
                entry.setUnixMode(0120777);
                zip.putArchiveEntry(entry);
                zip.write(Files.readSymbolicLink(path).toString().getBytes(StandardCharsets.UTF_8));
            } else if (directory) {
                entry.setUnixMode(040755);
                zip.putArchiveEntry(entry);
            } else {
                entry.setUnixMode(Files.isExecutable(path) ? 0100755 : 0100644);
                zip.putArchiveEntry(entry);
                try (InputStream in = Files.newInputStream(path)) {
                    in.transferTo(zip);
                }
            }
            zip.closeArchiveEntry();
        }
        zip.finish();
        zip.close();
    }
}
