package dev.klambda.it.cluster;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;

/** The cluster tests' functions: Python handlers in {@code app.py}, created with the AWS SDK. */
final class PythonFunctions {

    private PythonFunctions() {
    }

    /** A zip of {@code files} (name to content). */
    static byte[] zip(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /**
     * Creates function {@code name} running {@code source} as {@code app.handler} on Python 3.12 with a
     * 60 s timeout and {@code environment}, and waits until it is Active.
     */
    static void create(LambdaClient lambda, String name, String source, Map<String, String> environment)
            throws IOException {
        SdkBytes code = SdkBytes.fromByteArray(zip(Map.of("app.py", source)));
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PYTHON3_12).handler("app.handler")
                .role("arn:aws:iam::000000000000:role/" + name).timeout(60).code(c -> c.zipFile(code))
                .environment(e -> e.variables(environment)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> lambda.getFunction(r -> r.functionName(name)).configuration().state() == State.ACTIVE);
    }
}
