package dev.klambda.agent.main;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code install} init container as the packaged (JVM) agent runs it: only a native executable can be installed. */
class InstallIT {

    @TempDir
    Path dir;

    @Test
    void refusesToInstallTheJvmBuild() throws Exception {
        Path bin = dir.resolve("klambda/bin");

        AgentProcess.Finished installed = AgentProcess.run(Map.of(), "install", bin.toString());

        assertThat(installed.exitCode()).as(installed.output()).isEqualTo(1);
        assertThat(installed.stderr()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("klambda-agent install: this agent runs on a Java VM (")
                .contains("only the native build"));
        assertThat(bin.resolve("klambda-agent")).doesNotExist();
    }

    @Test
    void needsTheDirectoryToInstallInto() throws Exception {
        AgentProcess.Finished installed = AgentProcess.run(Map.of(), "install");

        assertThat(installed.exitCode()).as(installed.output()).isEqualTo(2);
        assertThat(installed.stderr()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("klambda-agent install: install takes one argument"));
    }
}
