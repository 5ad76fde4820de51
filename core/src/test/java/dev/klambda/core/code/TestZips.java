package dev.klambda.core.code;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Builds the zips the code tests unpack, including ones no honest tool would write. */
final class TestZips {

    /**
     * One entry as written: a name taken verbatim, a Unix mode (0 for a zip made elsewhere, which
     * carries none) and the content, which for a symbolic link is its target.
     */
    record Entry(String name, int mode, byte[] content) {
        @Override
        public String toString() {
            return name;
        }
    }

    private TestZips() {
    }

    static Entry file(String name, String content) {
        return new Entry(name, 0100644, content.getBytes(StandardCharsets.UTF_8));
    }

    static Entry executable(String name, String content) {
        return new Entry(name, 0100755, content.getBytes(StandardCharsets.UTF_8));
    }

    static Entry directory(String name) {
        return new Entry(name.endsWith("/") ? name : name + "/", 040755, new byte[0]);
    }

    static Entry symlink(String name, String target) {
        return new Entry(name, 0120777, target.getBytes(StandardCharsets.UTF_8));
    }

    /** An entry as a zip tool without Unix modes (Windows' own) writes it. */
    static Entry windowsFile(String name, String content) {
        return new Entry(name, 0, content.getBytes(StandardCharsets.UTF_8));
    }

    static Entry entry(String name, int mode, byte[] content) {
        return new Entry(name, mode, content);
    }

    static Path zip(Path file, Entry... entries) throws IOException {
        return zip(file, List.of(entries));
    }

    static Path zip(Path file, List<Entry> entries) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(file)) {
            for (Entry entry : entries) {
                out.putArchiveEntry(new RawEntry(entry.name(), entry.mode()));
                out.write(entry.content());
                out.closeArchiveEntry();
            }
        }
        return file;
    }

    /** A zip with one file of {@code size} zeros: a few hundred bytes per megabyte once deflated. */
    static Path zeros(Path file, String name, long size) throws IOException {
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(file)) {
            out.putArchiveEntry(new RawEntry(name, 0100644));
            byte[] chunk = new byte[1 << 20];
            for (long left = size; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            out.closeArchiveEntry();
        }
        return file;
    }

    /**
     * Rewrites the uncompressed size that the local header and the central directory declare for
     * the only entry of {@code zip}, as a zip bomb would to look harmless.
     */
    static void declareUncompressedSize(Path zip, int size) throws IOException {
        byte[] bytes = Files.readAllBytes(zip);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int patched = 0;
        for (int i = 0; i + 4 <= bytes.length; i++) {
            int signature = buffer.getInt(i);
            if (signature == 0x04034b50) {
                buffer.putInt(i + 22, size);
                patched++;
            } else if (signature == 0x02014b50) {
                buffer.putInt(i + 24, size);
                patched++;
            }
        }
        if (patched != 2) {
            throw new IllegalStateException("expected one local header and one central entry, patched " + patched);
        }
        Files.write(zip, bytes);
    }

    /**
     * Marks every entry of {@code zip} as made on Windows (FAT, no Unix mode), keeping the names'
     * bytes: readers then treat backslashes in them as separators.
     */
    static void madeOnWindows(Path zip) throws IOException {
        byte[] bytes = Files.readAllBytes(zip);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 <= bytes.length; i++) {
            if (buffer.getInt(i) == 0x02014b50) {
                bytes[i + 5] = 0;
                buffer.putInt(i + 38, 0);
            }
        }
        Files.write(zip, bytes);
    }

    /** Keeps the name exactly as given: the plain constructor turns backslashes into slashes. */
    private static final class RawEntry extends ZipArchiveEntry {
        RawEntry(String name, int mode) {
            super(name);
            if (mode != 0) {
                setUnixMode(mode);
                setName(name);
            }
        }
    }
}
