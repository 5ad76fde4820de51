package dev.klambda.agent.main;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;

import org.junit.jupiter.api.Test;

class AgentMainTest {

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void exitsWithZeroWhenTheModeSucceeds() {
        assertThat(AgentMain.run("fetch", stream(), () -> {
        })).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void exitsWithTwoAndTheUsageOnAConfigurationError() {
        assertThat(AgentMain.run("fetch", stream(), () -> {
            throw new IllegalArgumentException("KLAMBDA_FETCH_LAYERS line 2 has 3 fields");
        })).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("klambda-agent fetch: KLAMBDA_FETCH_LAYERS line 2 "
                + "has 3 fields (usage: klambda-agent [serve] | fetch | install <directory>)\n");
    }

    @Test
    void exitsWithOneAndOneLineOnAFailure() {
        assertThat(AgentMain.run("fetch", stream(), () -> {
            throw new IOException("first line\nsecond line");
        })).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("klambda-agent fetch: first line second line\n");
    }

    @Test
    void saysWhatAFilesystemErrorIsWhenItsMessageIsOnlyAPath() {
        assertThat(AgentMain.run("install", stream(), () -> {
            throw new NoSuchFileException("/klambda/bin");
        })).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("klambda-agent install: /klambda/bin: no such file or directory\n");
    }

    private PrintStream stream() {
        return new PrintStream(err, true, StandardCharsets.UTF_8);
    }
}
