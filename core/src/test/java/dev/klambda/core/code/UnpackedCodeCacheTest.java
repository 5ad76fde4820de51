package dev.klambda.core.code;

import static dev.klambda.core.code.TestZips.executable;
import static dev.klambda.core.code.TestZips.file;
import static dev.klambda.core.code.TestZips.symlink;
import static dev.klambda.core.code.TestZips.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.klambda.core.code.InvalidCodePackageException.Reason;
import dev.klambda.core.code.TestZips.Entry;
import dev.klambda.core.code.UnpackedCodeCache.Layer;
import dev.klambda.core.code.UnpackedCodeCache.Unpacked;

class UnpackedCodeCacheTest {

    @TempDir
    Path dir;

    private Path root;
    private UnpackedCodeCache cache;

    @BeforeEach
    void cache() {
        root = dir.resolve("cache");
        cache = new UnpackedCodeCache(root);
    }

    @Test
    void unpacksOnceAndSharesTheDirectoryReadOnly() throws Exception {
        Path zip = stored("hello", executable("bootstrap", "#!/bin/sh\n"), file("lib/util.py", "X = 1\n"),
                symlink("util.py", "lib/util.py"));
        String sha256 = sha256(zip);

        Unpacked first = cache.unpacked(sha256, zip);

        assertThat(first.directory()).isEqualTo(root.resolve("functions").resolve(sha256).resolve("code"));
        assertThat(first.size()).isEqualTo(10 + 6 + 11);
        assertThat(first.directory().resolve("util.py")).hasContent("X = 1");
        assertThat(mode(first.directory().resolve("bootstrap"))).isEqualTo("r-xr-xr-x");
        assertThat(mode(first.directory().resolve("lib/util.py"))).isEqualTo("r--r--r--");
        assertThat(mode(first.directory().resolve("lib"))).isEqualTo("r-xr-xr-x");
        assertThat(mode(first.directory())).isEqualTo("r-xr-xr-x");

        Files.delete(zip);
        assertThat(cache.unpacked(sha256, zip)).as("the zip is not read again").isEqualTo(first);
        assertThat(new UnpackedCodeCache(root).unpacked(sha256, zip)).as("another process").isEqualTo(first);
        assertThat(cache.unpackings()).isEqualTo(1);
    }

    @Test
    void findsThePackageByItsBase64DigestToo() throws Exception {
        Path zip = stored("hello", file("a.txt", "a"));
        CodeDigest digest = CodePackages.digest(zip);

        Unpacked byHex = cache.unpacked(digest.hex(), zip);

        assertThat(cache.unpacked(digest.base64(), zip)).isEqualTo(byHex);
        assertThat(cache.unpackings()).isEqualTo(1);
    }

    @Test
    void refusesAZipWithAnotherDigest() throws Exception {
        Path zip = stored("hello", file("a.txt", "a"));
        String other = sha256(stored("other", file("b.txt", "b")));

        assertThatThrownBy(() -> cache.unpacked(other, zip)).isInstanceOf(IOException.class).hasMessageContaining(other);
        assertThat(root.resolve("functions").resolve(other)).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = { "../../../../../../../../../../../../../../../../../../../../../etc", "abc", "",
            "zz9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a" })
    void refusesKeysThatAreNotSha256s(String sha256) throws Exception {
        Path zip = stored("hello", file("a.txt", "a"));
        assertThatThrownBy(() -> cache.unpacked(sha256, zip)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void leavesNothingBehindWhenAPackageIsRefused() throws Exception {
        Path zip = stored("evil", file("fine.txt", "fine"), file("../evil.txt", "x"));
        String sha256 = sha256(zip);

        assertThatThrownBy(() -> cache.unpacked(sha256, zip))
                .isInstanceOfSatisfying(InvalidCodePackageException.class,
                        e -> assertThat(e.getMessage()).contains("'../evil.txt'"));
        assertThat(root.resolve("functions").resolve(sha256)).doesNotExist();
        assertThat(root.resolve("staging")).isEmptyDirectory();
        assertThat(root.resolve("evil.txt")).doesNotExist();
    }

    @Test
    void unpacksOnceWhenManyThreadsAskAtOnce() throws Exception {
        Path zip = stored("hello", executable("bootstrap", "#!/bin/sh\n"), file("data.bin", "x".repeat(1 << 20)));
        String sha256 = sha256(zip);
        int threads = 32;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Unpacked>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.unpacked(sha256, zip);
                }));
            }
            start.countDown();
            Set<Unpacked> distinct = results.stream().map(UnpackedCodeCacheTest::get).collect(Collectors.toSet());

            assertThat(distinct).hasSize(1);
            assertThat(distinct.iterator().next().directory().resolve("data.bin")).hasSize(1 << 20);
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.unpackings()).isEqualTo(1);
        assertThat(root.resolve("staging")).isEmptyDirectory();
        assertThat(children(root.resolve("functions"))).containsExactly(sha256);
    }

    @Test
    void unpacksOnceWhenSeveralProcessesAskAtOnce() throws Exception {
        Path zip = stored("hello", executable("bootstrap", "#!/bin/sh\n"), file("data.bin", "x".repeat(1 << 20)));
        String sha256 = sha256(zip);
        Path go = dir.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        List<BufferedReader> outputs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        UnpackedCodeCacheRacer.class.getName(), root.toString(), sha256, zip.toString(), go.toString(), "8")
                        .redirectErrorStream(true)
                        .start();
                processes.add(process);
                BufferedReader output = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                outputs.add(output);
                assertThat(output.readLine()).isEqualTo("ready");
            }
            Files.createFile(go);

            int unpackings = 0;
            Set<String> directories = new HashSet<>();
            for (int i = 0; i < processes.size(); i++) {
                assertThat(processes.get(i).waitFor(60, TimeUnit.SECONDS)).isTrue();
                for (String line : outputs.get(i).lines().toList()) {
                    if (line.startsWith("unpackings ")) {
                        unpackings += Integer.parseInt(line.substring("unpackings ".length()));
                    } else {
                        assertThat(line).startsWith("directory ");
                        directories.add(line.substring("directory ".length()));
                    }
                }
                assertThat(processes.get(i).exitValue()).isZero();
            }

            assertThat(unpackings).isEqualTo(1);
            assertThat(directories).containsExactly(root.resolve("functions").resolve(sha256).resolve("code").toString());
            assertThat(root.resolve("staging")).isEmptyDirectory();
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void laysLayersOverEachOtherInOrder() throws Exception {
        Layer a = layer("a", file("python/a.py", "A = 1"), file("shared.txt", "from a"), symlink("tool", "python/a.py"));
        Layer b = layer("b", file("python/b.py", "B = 1"), file("shared.txt", "from b"), executable("bootstrap", "#!/bin/sh"),
                file("tool", "b replaces a's link"));

        Unpacked opt = cache.layers(List.of(a, b), 0);

        assertThat(opt.directory().resolve("python/a.py")).hasContent("A = 1");
        assertThat(opt.directory().resolve("python/b.py")).hasContent("B = 1");
        assertThat(opt.directory().resolve("shared.txt")).hasContent("from b");
        assertThat(opt.directory().resolve("tool")).isRegularFile().hasContent("b replaces a's link");
        assertThat(mode(opt.directory().resolve("bootstrap"))).isEqualTo("r-xr-xr-x");
        assertThat(opt.size()).as("overwritten files still count").isEqualTo(5 + 6 + 11 + 5 + 6 + 9 + 19);

        Unpacked reversed = cache.layers(List.of(b, a), 0);
        assertThat(reversed.directory()).isNotEqualTo(opt.directory());
        assertThat(reversed.directory().resolve("shared.txt")).hasContent("from a");
        assertThat(Files.isSymbolicLink(reversed.directory().resolve("tool"))).isTrue();
    }

    @Test
    void sharesTheOptDirectoryOfTheSameLayersInTheSameOrder() throws Exception {
        Layer a = layer("a", file("a.txt", "a"));
        Layer b = layer("b", file("b.txt", "b"));

        Unpacked first = cache.layers(List.of(a, b), 100);
        Files.delete(a.zip());
        Files.delete(b.zip());

        assertThat(cache.layers(List.of(a, b), 200)).isEqualTo(first);
        assertThat(cache.unpackings()).isEqualTo(1);
    }

    @Test
    void givesFunctionsWithoutLayersAnEmptyOpt() throws Exception {
        Unpacked opt = cache.layers(List.of(), 0);
        assertThat(opt.directory()).isEmptyDirectory();
        assertThat(opt.size()).isZero();
    }

    @Test
    void countsTheFunctionsCodeTowardTheLimitOfItsLayers() throws Exception {
        UnpackedCodeCache small = new UnpackedCodeCache(root, new ZipExtractor(1000, 100));
        Path function = stored("function", file("handler.py", "x".repeat(600)));
        Layer layer = layer("layer", file("lib.py", "y".repeat(300)));
        Layer another = layer("another", file("more.py", "z".repeat(100)));

        Unpacked code = small.unpacked(sha256(function), function);
        assertThat(small.layers(List.of(layer), code.size()).size()).isEqualTo(300);

        assertThatThrownBy(() -> small.layers(List.of(layer, another), code.size()))
                .as("600 + 300 + 100 is not smaller than 1000")
                .isInstanceOfSatisfying(InvalidCodePackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
                    assertThat(e.lambdaMessage()).isEqualTo("Unzipped size must be smaller than 1000 bytes");
                });
        assertThatThrownBy(() -> small.layers(List.of(layer), 700))
                .as("the cached /opt, checked against a larger function")
                .isInstanceOf(InvalidCodePackageException.class);
        assertThat(small.unpackings()).isEqualTo(3);
        assertThat(root.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void refusesALayerThatWritesThroughAnEarlierLayersLink() throws Exception {
        Layer first = layer("first", file("real/x.py", "x"), symlink("python", "real"));
        Layer second = layer("second", file("python/evil.py", "y"));

        assertThatThrownBy(() -> cache.layers(List.of(first, second), 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNSAFE_ENTRY);
                    assertThat(e.getMessage())
                            .isEqualTo("Zip entry 'python/evil.py' would be written through the symbolic link 'python'");
                });
        assertThat(children(root.resolve("layers"))).isEmpty();
        assertThat(root.resolve("staging")).isEmptyDirectory();
    }

    private Path stored(String name, Entry... entries) throws IOException {
        return zip(dir.resolve("store").resolve(name + ".zip"), entries);
    }

    private Layer layer(String name, Entry... entries) throws IOException {
        Path zip = stored("layer-" + name, entries);
        return new Layer(sha256(zip), zip);
    }

    private static String sha256(Path zip) throws IOException {
        return CodePackages.digest(zip).hex();
    }

    private static List<String> children(Path path) throws IOException {
        if (!Files.exists(path)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(path)) {
            return children.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static <T> T get(Future<T> future) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
