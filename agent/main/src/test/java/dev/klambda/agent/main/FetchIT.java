package dev.klambda.agent.main;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.sun.net.httpserver.HttpServer;

import dev.klambda.core.code.CodeDigest;

/**
 * The {@code fetch} init container, as the packaged agent runs it: code and layers from a local
 * HTTP server (or a file, as a ConfigMap's zip), verified, unpacked into the task root and opt
 * directory, with its exit code and one-line errors.
 */
class FetchIT {

    /** One entry of a test zip. */
    record Entry(String name, String content, int mode) {
    }

    /** An answer of the test server. */
    record Answer(int status, byte[] body) {
    }

    @TempDir
    Path dir;

    private HttpServer server;
    private final Map<String, Deque<Answer>> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private Path taskRoot;
    private Path opt;

    @BeforeEach
    void startServer() throws IOException {
        taskRoot = dir.resolve("task");
        opt = dir.resolve("opt");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            Deque<Answer> queue = answers.get(path);
            Answer answer;
            if (queue == null) {
                answer = new Answer(404, new byte[0]);
            } else {
                synchronized (queue) {
                    // the last answer repeats
                    answer = queue.size() > 1 ? queue.poll() : queue.peek();
                }
            }
            exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(answer.body());
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void unpacksTheCodeIntoTheTaskRootAndLogsItWithoutTheSignature() throws Exception {
        byte[] code = zip(executable("bootstrap", "#!/bin/sh\necho hi\n"), file("lib/data.txt", "data"));
        String hex = CodeDigest.of(code).hex();
        String url = serve("/code/" + hex + ".zip", new Answer(200, code)) + "?X-Amz-Signature=s3cr3t&X-Amz-Expires=60";

        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", url, "KLAMBDA_FETCH_CODE_SHA256", hex));

        assertThat(fetched.exitCode()).as(fetched.output()).isZero();
        assertThat(fetched.stderr()).isEmpty();
        assertThat(Files.readString(taskRoot.resolve("bootstrap"))).isEqualTo("#!/bin/sh\necho hi\n");
        assertThat(Files.getPosixFilePermissions(taskRoot.resolve("bootstrap")))
                .as("the zip's executable bit survives").isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Files.getPosixFilePermissions(taskRoot.resolve("lib/data.txt")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.readString(taskRoot.resolve("lib/data.txt"))).isEqualTo("data");
        assertThat(names(taskRoot)).containsExactlyInAnyOrder("bootstrap", "lib");
        assertThat(fetched.stdout()).anySatisfy(line -> assertThat(line)
                .contains("code from http://127.0.0.1:" + server.getAddress().getPort() + "/code/" + hex + ".zip: ")
                .contains(code.length + " bytes").contains("sha256 " + hex).containsPattern("in \\d+ ms"));
        assertThat(fetched.output()).doesNotContain("s3cr3t").doesNotContain("X-Amz");

        // The kubelet may run an init container again, over what the last run left: here a
        // finished tree and the staging directory of a run that was killed.
        Files.createDirectories(taskRoot.resolve(".klambda-fetch-123/tree"));
        Files.writeString(taskRoot.resolve("bootstrap"), "changed");
        AgentProcess.Finished again = fetch(Map.of("KLAMBDA_FETCH_CODE", url, "KLAMBDA_FETCH_CODE_SHA256", hex));
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(names(taskRoot)).containsExactlyInAnyOrder("bootstrap", "lib");
        assertThat(Files.readString(taskRoot.resolve("bootstrap"))).isEqualTo("#!/bin/sh\necho hi\n");
    }

    @Test
    void unpacksLayersInOrderSoThatALaterLayerWins() throws Exception {
        byte[] first = zip(file("bin/tool", "one"), file("python/first.py", "print(1)"));
        byte[] second = zip(executable("bin/tool", "two"));
        String layers = serve("/layers/first.zip", new Answer(200, first)) + " " + CodeDigest.of(first).base64() + "\n\n"
                + serve("/layers/second.zip", new Answer(200, second)) + "\n";

        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_LAYERS", layers));

        assertThat(fetched.exitCode()).as(fetched.output()).isZero();
        assertThat(Files.readString(opt.resolve("bin/tool"))).isEqualTo("two");
        assertThat(Files.isExecutable(opt.resolve("bin/tool"))).isTrue();
        assertThat(Files.readString(opt.resolve("python/first.py"))).isEqualTo("print(1)");
        assertThat(fetched.stdout()).filteredOn(line -> line.contains("layer ")).hasSize(2)
                .satisfiesExactly(line -> assertThat(line).contains("layer 1 from").contains("/layers/first.zip"),
                        line -> assertThat(line).contains("layer 2 from").contains("/layers/second.zip"));
        assertThat(taskRoot).as("no code was asked for").doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "hex", "HEX", "base64" })
    void acceptsTheSha256InHexOrBase64(String form) throws Exception {
        byte[] code = zip(file("handler.py", "def handler(e, c): return e"));
        CodeDigest digest = CodeDigest.of(code);
        String sha256 = switch (form) {
            case "hex" -> digest.hex();
            case "HEX" -> digest.hex().toUpperCase();
            default -> digest.base64();
        };

        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", serve("/code.zip", new Answer(200, code)),
                "KLAMBDA_FETCH_CODE_SHA256", sha256));

        assertThat(fetched.exitCode()).as(fetched.output()).isZero();
        assertThat(taskRoot.resolve("handler.py")).exists();
    }

    @Test
    void refusesAZipWhoseSha256DiffersAndPublishesNothing() throws Exception {
        byte[] code = zip(file("handler.py", "code"));
        byte[] layer = zip(file("lib/layer.py", "layer"));
        String expected = CodeDigest.of("something else".getBytes(StandardCharsets.UTF_8)).hex();

        AgentProcess.Finished fetched = fetch(Map.of(
                "KLAMBDA_FETCH_CODE", serve("/code.zip", new Answer(200, code)),
                "KLAMBDA_FETCH_CODE_SHA256", CodeDigest.of(code).base64(),
                "KLAMBDA_FETCH_LAYERS", serve("/layer.zip", new Answer(200, layer)) + " " + expected));

        assertThat(fetched.exitCode()).as(fetched.output()).isEqualTo(1);
        assertThat(fetched.stderr()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("klambda-agent fetch: layer 1 from http://127.0.0.1:")
                .contains(CodeDigest.of(layer).hex()).contains(expected));
        assertThat(names(taskRoot)).as("the code was fine, but it is published only with its layers").isEmpty();
        assertThat(names(opt)).isEmpty();
    }

    @Test
    void refusesAZipEntryThatClimbsOutOfTheTaskRoot() throws Exception {
        byte[] code = zip(file("handler.py", "code"), file("../escaped.txt", "gotcha"));

        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", serve("/code.zip", new Answer(200, code))));

        assertThat(fetched.exitCode()).as(fetched.output()).isEqualTo(1);
        assertThat(fetched.stderr()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("klambda-agent fetch: code from").contains("'../escaped.txt'"));
        assertThat(dir.resolve("escaped.txt")).doesNotExist();
        assertThat(names(taskRoot)).isEmpty();
    }

    @Test
    void failsAtOnceWhenTheServerSaysNotFound() throws Exception {
        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", url("/missing.zip")));

        assertThat(fetched.exitCode()).as(fetched.output()).isEqualTo(1);
        assertThat(fetched.stderr()).singleElement().satisfies(line -> assertThat(line).contains("HTTP 404"));
        assertThat(requests.get("/missing.zip")).hasValue(1);
    }

    @Test
    void retriesWhenTheServerIsUnavailable() throws Exception {
        byte[] code = zip(file("handler.py", "code"));
        String url = serve("/code.zip", new Answer(503, "busy".getBytes(StandardCharsets.UTF_8)), new Answer(200, code));

        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", url));

        assertThat(fetched.exitCode()).as(fetched.output()).isZero();
        assertThat(requests.get("/code.zip")).hasValue(2);
        assertThat(Files.readString(taskRoot.resolve("handler.py"))).isEqualTo("code");
    }

    @Test
    void givesUpAfterFiveAttempts() throws Exception {
        String url = serve("/code.zip", new Answer(500, new byte[0]));

        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", url));

        assertThat(fetched.exitCode()).as(fetched.output()).isEqualTo(1);
        assertThat(requests.get("/code.zip")).hasValue(5);
        assertThat(fetched.stderr()).singleElement()
                .satisfies(line -> assertThat(line).contains("gave up after 5 attempts").contains("HTTP 500"));
    }

    @Test
    void readsAZipFromAFileAsAConfigMapMountsIt() throws Exception {
        byte[] code = zip(file("index.mjs", "export const handler = async () => 1;"));
        Path mounted = Files.write(Files.createDirectories(dir.resolve("configmap")).resolve("code.zip"), code);

        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", mounted.toUri().toString(),
                "KLAMBDA_FETCH_CODE_SHA256", CodeDigest.of(code).hex()));

        assertThat(fetched.exitCode()).as(fetched.output()).isZero();
        assertThat(Files.readString(taskRoot.resolve("index.mjs"))).isEqualTo("export const handler = async () => 1;");
        assertThat(fetched.stdout()).anySatisfy(line -> assertThat(line).contains("code from file://" + mounted));
    }

    @Test
    void rejectsASourceItCannotFetchAsAConfigurationError() throws Exception {
        AgentProcess.Finished fetched = fetch(Map.of("KLAMBDA_FETCH_CODE", "ftp://example.com/code.zip"));

        assertThat(fetched.exitCode()).as(fetched.output()).isEqualTo(2);
        assertThat(fetched.stderr()).singleElement()
                .satisfies(line -> assertThat(line).contains("KLAMBDA_FETCH_CODE").contains("ftp:"));
    }

    private AgentProcess.Finished fetch(Map<String, String> variables) throws Exception {
        Map<String, String> env = new HashMap<>(variables);
        env.put("KLAMBDA_FETCH_TASK_ROOT", taskRoot.toString());
        env.put("KLAMBDA_FETCH_OPT_DIRECTORY", opt.toString());
        return AgentProcess.run(env, "fetch");
    }

    private String serve(String path, Answer... sequence) {
        answers.put(path, new ArrayDeque<>(List.of(sequence)));
        return url(path);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }

    static Entry file(String name, String content) {
        return new Entry(name, content, 0100644);
    }

    static Entry executable(String name, String content) {
        return new Entry(name, content, 0100755);
    }

    static byte[] zip(Entry... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            for (Entry entry : entries) {
                ZipArchiveEntry zipEntry = new ZipArchiveEntry(entry.name());
                zipEntry.setUnixMode(entry.mode());
                zip.putArchiveEntry(zipEntry);
                zip.write(entry.content().getBytes(StandardCharsets.UTF_8));
                zip.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
