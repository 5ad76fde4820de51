package dev.klambda.core.code;

import static dev.klambda.core.code.TestZips.directory;
import static dev.klambda.core.code.TestZips.entry;
import static dev.klambda.core.code.TestZips.executable;
import static dev.klambda.core.code.TestZips.file;
import static dev.klambda.core.code.TestZips.symlink;
import static dev.klambda.core.code.TestZips.windowsFile;
import static dev.klambda.core.code.TestZips.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.klambda.core.code.InvalidCodePackageException.Reason;
import dev.klambda.core.code.TestZips.Entry;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

class ZipExtractorTest {

    @TempDir
    Path dir;

    private final ZipExtractor extractor = new ZipExtractor();

    @Test
    void unpacksFilesDirectoriesAndLinksKeepingTheExecutableBit() throws Exception {
        Path zip = zip(dir.resolve("code.zip"),
                executable("bootstrap", "#!/bin/sh\n"),
                file("handler.py", "def handler(e, c): return 1\n"),
                directory("lib"),
                file("lib/util.py", "X = 1\n"),
                file("deep/er/still.txt", "no directory entries above me"),
                symlink("current", "lib"),
                symlink("node_modules/.bin/tool", "../tool/cli.js"),
                entry("setuid", 0104777, "s".getBytes(StandardCharsets.UTF_8)),
                windowsFile("readme.txt", "made on Windows"));
        Path target = dir.resolve("task");

        long size = extractor.extract(zip, target, 0);

        assertThat(target.resolve("bootstrap")).hasContent("#!/bin/sh");
        assertThat(mode(target.resolve("bootstrap"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(target.resolve("handler.py"))).isEqualTo("rw-r--r--");
        assertThat(mode(target.resolve("setuid"))).as("special bits dropped").isEqualTo("rwxr-xr-x");
        assertThat(mode(target.resolve("readme.txt"))).as("no Unix mode in the zip").isEqualTo("rw-r--r--");
        assertThat(mode(target.resolve("lib"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(target.resolve("deep/er"))).isEqualTo("rwxr-xr-x");
        assertThat(target.resolve("deep/er/still.txt")).hasContent("no directory entries above me");
        assertThat(Files.readSymbolicLink(target.resolve("current"))).isEqualTo(Path.of("lib"));
        assertThat(target.resolve("current/util.py")).hasContent("X = 1");
        assertThat(Files.readSymbolicLink(target.resolve("node_modules/.bin/tool"))).isEqualTo(Path.of("../tool/cli.js"));
        long expected = 10 + 28 + 6 + 29 + 3 + 14 + 1 + 15;
        assertThat(size).as("file contents and link targets").isEqualTo(expected);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void letsTheLastOfDuplicateEntriesWin() throws Exception {
        Path zip = zip(dir.resolve("code.zip"),
                file("a.txt", "first"),
                file("a.txt", "second"),
                file("x", "a file first"),
                file("x/y", "then a directory"),
                symlink("link", "a.txt"),
                file("link", "a file replacing the link"),
                directory("d"),
                file("d/inner", "gone when d becomes a file"),
                file("d", "d as a file"));
        Path target = dir.resolve("task");

        extractor.extract(zip, target, 0);

        assertThat(target.resolve("a.txt")).hasContent("second");
        assertThat(target.resolve("x/y")).hasContent("then a directory");
        assertThat(target.resolve("link")).isRegularFile().hasContent("a file replacing the link");
        assertThat(target.resolve("d")).isRegularFile().hasContent("d as a file");
    }

    @Test
    void unpacksIntoAnEmptyDirectoryButNotOverExistingFiles() throws Exception {
        Path zip = zip(dir.resolve("code.zip"), file("a.txt", "a"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        extractor.extract(zip, empty, 0);
        assertThat(empty.resolve("a.txt")).hasContent("a");

        assertThatThrownBy(() -> extractor.extract(zip, empty, 0)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(empty.resolve("a.txt")).hasContent("a");
    }

    @Test
    void acceptsDotSegmentsAndRepeatedSlashes() throws Exception {
        Path zip = zip(dir.resolve("code.zip"), directory("./"), file("./a//b.txt", "b"), symlink("c", "./a//b.txt"));
        Path target = dir.resolve("task");
        extractor.extract(zip, target, 0);
        assertThat(target.resolve("a/b.txt")).hasContent("b");
        assertThat(target.resolve("c")).hasContent("b");
    }

    static Stream<Arguments> unsafeZips() {
        return Stream.of(
                unsafe("a '..' segment", "climbs out with '..'", file("../evil", "x")),
                unsafe("'..' deeper down", "climbs out with '..'", file("a/../../evil", "x")),
                unsafe("'..' that normalises inside", "climbs out with '..'", file("a/../b", "x")),
                unsafe("an absolute path", "is an absolute path", file("/evil", "x")),
                unsafe("a UNC-style path", "is an absolute path", file("//server/share/evil", "x")),
                unsafe("a Windows drive", "starts with a drive letter", file("C:/evil", "x")),
                unsafe("a drive-relative Windows path", "starts with a drive letter", file("C:evil", "x")),
                unsafe("backslashes on a Unix entry", "contains a backslash", file("..\\evil", "x")),
                unsafe("backslashes beside slashes", "contains a backslash", file("a/..\\..\\evil", "x")),
                unsafe("a NUL character", "contains a NUL character", file("evil\0.txt", "x")),
                unsafe("a segment longer than 255 bytes", "longer than 255 bytes", file("a".repeat(256), "x")),
                unsafe("a link to an absolute path", "an absolute path", symlink("etc", "/etc")),
                unsafe("a link climbing out", "outside the directory", symlink("up", "..")),
                unsafe("a nested link climbing out", "outside the directory", symlink("a/b/up", "../../../outside")),
                unsafe("a link with a Windows drive", "an absolute path", symlink("c", "C:/Windows")),
                unsafe("a link with backslashes", "which contains a backslash", symlink("c", "..\\..\\etc")),
                unsafe("a link climbing after a name", "climbs with '..' after a name", symlink("x", "lib/../../etc")),
                unsafe("a link through another link's '..'", "climbs with '..' after a name",
                        symlink("p/q/s", "../.."), symlink("t", "p/q/s/../etc")),
                unsafe("an empty link", "empty or NUL target", symlink("empty", "")),
                unsafe("a link target longer than 4095 bytes", "longer than 4095 bytes",
                        symlink("long", "a/".repeat(2048))),
                unsafe("a write through an earlier link", "written through the symbolic link 'lib'",
                        directory("real"), symlink("lib", "real"), file("lib/evil.py", "x")),
                unsafe("a directory that is also a link", "both a directory and a symbolic link",
                        entry("dir/", 0120777, "real".getBytes(StandardCharsets.UTF_8))),
                unsafe("a named pipe", "is a special file", entry("fifo", 010644, new byte[0])),
                unsafe("a device", "is a special file", entry("sda", 060600, new byte[0])),
                unsafe("a file without a name", "does not name a file", file(".", "x")));
    }

    private static Arguments unsafe(String description, String problem, Entry... entries) {
        // A harmless entry first: it must not survive the rejection of the later one.
        List<Entry> all = new ArrayList<>();
        all.add(file("first.txt", "written before the bad entry"));
        all.addAll(List.of(entries));
        return Arguments.argumentSet(description, all, problem, entries[entries.length - 1].name());
    }

    @ParameterizedTest
    @MethodSource("unsafeZips")
    void refusesEntriesThatWouldLandOutsideAndWritesNothing(List<Entry> entries, String problem, String offender)
            throws Exception {
        Path work = Files.createDirectories(dir.resolve("work/deeper"));
        Path zip = zip(dir.resolve("code.zip"), entries);
        Path target = work.resolve("task");

        assertThatThrownBy(() -> extractor.extract(zip, target, 0))
                .asInstanceOf(type(InvalidCodePackageException.class))
                .satisfies(e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNSAFE_ENTRY);
                    assertThat(e.getMessage()).contains("'" + offender + "'").contains(problem);
                    assertThat(e.lambdaMessage()).isEqualTo(InvalidCodePackageException.COULD_NOT_UNZIP);
                });
        assertThat(target).doesNotExist();
        assertThat(work).isEmptyDirectory();
        try (Stream<Path> everything = Files.walk(dir)) {
            assertThat(everything.map(p -> dir.relativize(p).toString()))
                    .containsExactlyInAnyOrder("", "code.zip", "work", "work/deeper");
        }
    }

    @Test
    void refusesWindowsBackslashTraversalOnceReadersTurnItIntoSlashes() throws Exception {
        Path zip = zip(dir.resolve("code.zip"), file("..\\..\\evil.txt", "x"));
        TestZips.madeOnWindows(zip);
        Path target = dir.resolve("a/b/task");

        assertThatThrownBy(() -> extractor.extract(zip, target, 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNSAFE_ENTRY));
        assertThat(dir.resolve("a/evil.txt")).doesNotExist();
        assertThat(dir.resolve("a/b")).isEmptyDirectory();
    }

    @Test
    void acceptsWindowsBackslashSeparatorsInsideTheDirectory() throws Exception {
        Path zip = zip(dir.resolve("code.zip"), file("lib\\util.py", "X = 1"));
        TestZips.madeOnWindows(zip);
        Path target = dir.resolve("task");
        extractor.extract(zip, target, 0);
        assertThat(target.resolve("lib/util.py")).hasContent("X = 1");
    }

    @Test
    void stopsAZipBombAtLambdasLimit() throws Exception {
        Path bomb = TestZips.zeros(dir.resolve("bomb.zip"), "zeros", ZipExtractor.MAX_UNZIPPED_SIZE + (1 << 20));
        assertThat(Files.size(bomb)).isLessThan(1 << 20);
        Path target = dir.resolve("task");

        assertThatThrownBy(() -> extractor.extract(bomb, target, 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
                    assertThat(e.getMessage()).isEqualTo("Unzipped size must be smaller than 262144000 bytes");
                    assertThat(e.lambdaMessage()).isEqualTo("Unzipped size must be smaller than 262144000 bytes");
                });
        assertThat(target).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void countsTheBytesItWritesNotTheSizesTheHeadersDeclare() throws Exception {
        Path bomb = TestZips.zeros(dir.resolve("bomb.zip"), "zeros", 8 << 20);
        TestZips.declareUncompressedSize(bomb, 100);
        try (ZipFile file = ZipFile.builder().setPath(bomb).get()) {
            ZipArchiveEntry entry = file.getEntries().nextElement();
            assertThat(entry.getSize()).as("the header lies").isEqualTo(100);
        }
        ZipExtractor small = new ZipExtractor(1 << 20, 10);

        assertThatThrownBy(() -> small.extract(bomb, dir.resolve("task"), 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class,
                        e -> assertThat(e.getMessage()).isEqualTo("Unzipped size must be smaller than 1048576 bytes"));
        assertThat(dir.resolve("task")).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void allowsAnythingSmallerThanTheLimitCountingWhatCameBefore() throws Exception {
        ZipExtractor small = new ZipExtractor(1000, 10);
        Path justUnder = zip(dir.resolve("under.zip"), file("a", "x".repeat(600)), file("b", "y".repeat(399)));
        Path atLimit = zip(dir.resolve("at.zip"), file("a", "x".repeat(600)), file("b", "y".repeat(400)));

        assertThat(small.extract(justUnder, dir.resolve("under"), 0)).isEqualTo(999);
        assertThatThrownBy(() -> small.extract(atLimit, dir.resolve("at"), 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
        assertThatThrownBy(() -> small.extract(justUnder, dir.resolve("after"), 1))
                .as("one byte of function code before this layer")
                .isInstanceOf(InvalidCodePackageException.class);
        assertThat(dir.resolve("at")).doesNotExist();
        assertThat(dir.resolve("after")).doesNotExist();
    }

    @Test
    void refusesZipsWithTooManyEntries() throws Exception {
        Path zip = zip(dir.resolve("code.zip"), file("a", "a"), file("b", "b"), file("c", "c"), file("d", "d"));

        assertThatThrownBy(() -> new ZipExtractor(1000, 3).extract(zip, dir.resolve("task"), 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_ENTRIES);
                    assertThat(e.getMessage()).isEqualTo("The zip has 4 entries; at most 3 are allowed");
                });
        assertThat(dir.resolve("task")).doesNotExist();
    }

    @Test
    void refusesWhatIsNotAZipWithLambdasWording() throws Exception {
        Path text = Files.writeString(dir.resolve("code.zip"), "def handler(e, c): return 1\n");

        assertThatThrownBy(() -> extractor.extract(text, dir.resolve("task"), 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_A_ZIP);
                    assertThat(e.lambdaMessage())
                            .isEqualTo("Could not unzip uploaded file. Please check your file, then try to upload again.");
                    LambdaException api = e.toLambdaException();
                    assertThat(api.type()).isEqualTo(ErrorType.InvalidParameterValueException);
                    assertThat(api.getMessage()).isEqualTo(e.lambdaMessage());
                });
        assertThat(dir.resolve("task")).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void refusesADamagedZip() throws Exception {
        Path zip = TestZips.zeros(dir.resolve("code.zip"), "zeros", 1 << 20);
        byte[] bytes = Files.readAllBytes(zip);
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int data = 30 + header.getShort(26) + header.getShort(28);
        for (int i = data; i < data + 16; i++) {
            bytes[i] = (byte) 0xff; // the start of the only entry's deflated data
        }
        Files.write(zip, bytes);

        assertThatThrownBy(() -> extractor.extract(zip, dir.resolve("task"), 0))
                .isInstanceOfSatisfying(InvalidCodePackageException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_A_ZIP));
        assertThat(dir.resolve("task")).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void reportsAMissingZipAsAnIoErrorNotAnInvalidPackage() {
        assertThatThrownBy(() -> extractor.extract(dir.resolve("missing.zip"), dir.resolve("task"), 0))
                .isInstanceOf(NoSuchFileException.class)
                .isNotInstanceOf(InvalidCodePackageException.class);
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.map(p -> p.getFileName().toString()).filter(name -> name.contains(".unpacking-")).toList();
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }
}
