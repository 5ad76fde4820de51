package dev.klambda.core.code;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodePackagesTest {

    @TempDir
    Path dir;

    @Test
    void zipsADirectoryTheSameWayEveryTime() throws Exception {
        Path code = tree(dir.resolve("a"));
        CodeDigest first = CodePackages.digest(code);
        Files.setLastModifiedTime(code.resolve("handler.py"), FileTime.fromMillis(0));
        Path copy = tree(dir.resolve("b"));
        assertThat(CodePackages.digest(copy)).as("same tree, other place, other mtimes").isEqualTo(first);

        Files.writeString(code.resolve("handler.py"), "def handler(e, c): return 2\n");
        assertThat(CodePackages.digest(code)).isNotEqualTo(first);
    }

    @Test
    void keepsEntriesSortedAndExecutableBitsForBootstraps() throws Exception {
        Path code = tree(dir.resolve("code"));
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        CodePackages.zipDirectory(code, zip);
        List<String> names = new ArrayList<>();
        try (ZipFile file = ZipFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(zip.toByteArray()))
                .get()) {
            for (ZipArchiveEntry entry : java.util.Collections.list(file.getEntries())) {
                names.add(entry.getName());
                if (entry.getName().equals("bootstrap")) {
                    assertThat(entry.getUnixMode() & 0777).isEqualTo(0755);
                }
                if (entry.getName().equals("handler.py")) {
                    assertThat(entry.getUnixMode() & 0777).isEqualTo(0644);
                }
            }
        }
        assertThat(names).containsExactly("bootstrap", "handler.py", "lib/", "lib/util.py");
    }

    @Test
    void hashesAZipFileAsIs() throws Exception {
        Path zip = dir.resolve("code.zip");
        Files.write(zip, new byte[] { 'P', 'K', 3, 4, 1, 2, 3 });
        CodeDigest digest = CodePackages.digest(zip);
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(zip));
        assertThat(digest.sha256()).isEqualTo(expected);
        assertThat(digest.size()).isEqualTo(7);
        assertThat(digest.base64()).hasSize(44).endsWith("=");
        assertThat(digest.hex()).hasSize(64);
        assertThat(CodeDigest.toHex(digest.base64())).isEqualTo(digest.hex());
        assertThat(CodeDigest.toHex(digest.hex().toUpperCase())).isEqualTo(digest.hex());
    }

    private static Path tree(Path root) throws IOException {
        Files.createDirectories(root.resolve("lib"));
        Files.writeString(root.resolve("handler.py"), "def handler(e, c): return 1\n");
        Files.writeString(root.resolve("lib/util.py"), "X = 1\n");
        Path bootstrap = Files.writeString(root.resolve("bootstrap"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        return root;
    }
}
