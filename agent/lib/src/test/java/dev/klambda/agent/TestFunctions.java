package dev.klambda.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

/** Fixture factories: task roots with real runtimes, and specs that run them. */
final class TestFunctions {

    private TestFunctions() {
    }

    /**
     * A custom runtime in POSIX sh and curl, the way AWS's tutorial writes one: echoes events,
     * and on request fails, crashes, hangs (before or after answering, or after leaving an orphan
     * whose pid it writes to $LEFTOVER_PID), answers too much, or reports the environment.
     */
    static final String SHELL_BOOTSTRAP = """
            #!/bin/sh
            set -u
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            trap 'echo "got SIGTERM"; [ -n "${TERM_MARKER:-}" ] && touch "$TERM_MARKER"; exit 0' TERM
            if [ -n "${INIT_FAIL:-}" ]; then
              curl -sS -X POST "$API/init/error" -H 'Lambda-Runtime-Function-Error-Type: Runtime.ConfigError' \\
                -d '{"errorMessage":"cannot start","errorType":"Runtime.ConfigError"}' >/dev/null
              exit 1
            fi
            if [ -n "${INIT_EXIT:-}" ]; then exit "$INIT_EXIT"; fi
            if [ -n "${INIT_SLEEP:-}" ]; then sleep "$INIT_SLEEP"; fi
            HEADERS="$(mktemp)"
            while true; do
              # in the background, so that SIGTERM runs the trap at once instead of after curl returns
              curl -sS -D "$HEADERS" -o "$HEADERS.event" "$API/invocation/next" & wait $!
              EVENT="$(cat "$HEADERS.event")"
              ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
              echo "handling $ID"
              case "$EVENT" in
                *crash*) echo "crashing"; exit 3 ;;
                *hang*) sleep 30 & wait $! ;;
                *linger*) curl -sS -X POST "$API/invocation/$ID/response" -d '"answered"' >/dev/null
                          sleep 30 & wait $! ;;
                *leave*) ( sleep 600 & echo $! > "$LEFTOVER_PID" )
                         sleep 30 & wait $! ;;
                *fail*) curl -sS -X POST "$API/invocation/$ID/error" -H 'Lambda-Runtime-Function-Error-Type: Handler.Failed' \\
                          -d '{"errorMessage":"failed on purpose","errorType":"Handler.Failed"}' >/dev/null ;;
                *big*) head -c 7000000 /dev/zero | tr '\\0' 'a' > "$HEADERS.big"
                       STATUS="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$API/invocation/$ID/response" --data-binary "@$HEADERS.big")"
                       echo "big response got $STATUS" ;;
                *headers*) curl -sS -X POST "$API/invocation/$ID/response" --data-binary "@$HEADERS" >/dev/null ;;
                *) curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\":$EVENT}" >/dev/null ;;
              esac
            done
            """;

    static Path shellFunction(Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("task"));
        Path bootstrap = Files.writeString(root.resolve("bootstrap"), SHELL_BOOTSTRAP);
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        return root;
    }

    static EnvironmentSpec spec(String runtime, String handler, Path taskRoot, Path opt, Path runtimeDir, int memoryMb,
            Duration timeout, Map<String, String> environment) {
        return new EnvironmentSpec(new FunctionIdentity("test-fn", "$LATEST", "us-east-1", "000000000000"), runtime, handler,
                memoryMb, timeout, environment, taskRoot, opt, runtimeDir, null, null);
    }

    static void executable(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
