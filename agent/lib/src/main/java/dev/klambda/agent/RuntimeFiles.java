package dev.klambda.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The runtime clients klambda ships (module {@code runtimes}: the Python and Node.js bootstraps
 * and AWS's Java client) as a directory standing in for /var/runtime. In standalone mode they come
 * from the classpath and are unpacked once per content; in a pod the image already has them.
 */
public final class RuntimeFiles {

    static final String PREFIX = "klambda/runtimes/";
    private static final String MARKER = PREFIX + "README.txt";

    private RuntimeFiles() {
    }

    /**
     * Unpacks the runtime clients on the classpath under {@code cacheRoot} (once for each content)
     * and returns the directory.
     *
     * @throws IllegalStateException when klambda-runtimes is not on the classpath
     */
    public static Path unpack(Path cacheRoot) {
        URL marker = RuntimeFiles.class.getClassLoader().getResource(MARKER);
        if (marker == null) {
            throw new IllegalStateException("the runtime clients (klambda-runtimes) are not on the classpath");
        }
        try {
            List<Entry> entries = entries(marker);
            Path target = cacheRoot.resolve("runtimes-" + fingerprint(entries));
            if (Files.isDirectory(target)) {
                return target;
            }
            Files.createDirectories(cacheRoot);
            Path temp = Files.createTempDirectory(cacheRoot, ".runtimes-");
            try {
                for (Entry entry : entries) {
                    Path file = temp.resolve(entry.name());
                    Files.createDirectories(file.getParent());
                    Files.write(file, entry.content());
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    // another process unpacked the same content first; theirs is as good as ours
                }
            } finally {
                deleteTree(temp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the runtime clients under " + cacheRoot, e);
        }
    }

    private record Entry(String name, byte[] content) {
    }

    private static List<Entry> entries(URL marker) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (marker.getProtocol().equals("jar")) {
            String spec = marker.getPath();
            String jarPath = spec.substring("file:".length(), spec.indexOf("!/"));
            try (JarFile jar = new JarFile(Path.of(URI.create("file:" + jarPath)).toFile())) {
                for (JarEntry entry : jar.stream().sorted(Comparator.comparing(JarEntry::getName)).toList()) {
                    if (entry.getName().startsWith(PREFIX) && !entry.isDirectory()) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            entries.add(new Entry(entry.getName().substring(PREFIX.length()), in.readAllBytes()));
                        }
                    }
                }
            }
        } else {
            Path root;
            try {
                root = Path.of(marker.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    entries.add(new Entry(root.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file)));
                }
            }
        }
        return entries;
    }

    private static String fingerprint(List<Entry> entries) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Entry entry : entries) {
                sha.update(entry.name().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(entry.content());
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
